"""Machine-readable feeds for PD planners' own pages: /api/credentials.json and /api/experts.json.

The schema is documented in docs/api.md; `version` changes only when a field is removed
or changes meaning. No email and no non-public earner ever appears here.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from cairn import recognition
from cairn.model import Completion, Credential, District, Threshold
from cairn.pages.data import cards, milestone_cards
from cairn.people import Profile, TopicExperts
from cairn.urls import Urls

# Version 1 still: `kind`, `counts_for`, `schemes` and `milestones` were added (issue 17), and
# adding is not a change of meaning. The list `credentials` keeps holding micro-credentials only,
# each with a stack, as readers of version 1 expect; milestones, in no stack, have their own list.
FEED_VERSION = 1


def _number(amount: Decimal) -> int | float:
    """An amount as JSON has it: 50, 1.5, 400 (cents where there are any: 412.5)."""
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def _counts_for(district: District, credential: Credential) -> dict[str, int | float]:
    """What a credential counts for in the schemes the public catalog shows: {"ceu": 1.5, ...}."""
    return {a.scheme.id: _number(a.amount) for a in recognition.counts_for(district, credential, "catalog")}


def _rule(district: District, credential_id: str) -> dict[str, Any] | None:
    rule = district.milestone_rules.get(credential_id)
    if isinstance(rule, Threshold):
        return {"type": "threshold", "scheme": rule.scheme, "at": _number(rule.at)}
    if isinstance(rule, Completion):
        return {"type": "completion", "stack": rule.stack, "of": rule.of if rule.of is not None else "all"}
    return None


def credentials_feed(district: District, urls: Urls) -> dict[str, Any]:
    all_cards = cards(district)
    return {
        "version": FEED_VERSION,
        "site": urls.home(),
        "schemes": [
            {"id": s.id, "label": s.label, "kind": s.kind, "unit": s.unit}
            for s in recognition.schemes_shown(district, "catalog")
        ],
        "credentials": [
            {
                "id": c.id,
                "title": c.title,
                "summary": c.summary,
                "url": urls.credential(c.id),
                "image": urls.badge_image(c.id),
                "badge_class": urls.badge_class(c.id),
                "stack": {"id": c.stack, "title": district.stacks[c.stack].title, "position": all_cards[c.id].position},
                "level": c.level,
                "topics": [{"id": t, "label": district.topics[t].label} for t in c.topics],
                "estimated_hours": c.estimated_hours,
                "expires_after": str(c.expires_after) if c.expires_after else None,
                "status": c.status,
                "earners": all_cards[c.id].earners,
                "kind": c.kind,
                "counts_for": _counts_for(district, c),
            }
            for c in district.in_stack_order()
        ],
        "milestones": [
            {
                "id": m.credential.id,
                "title": m.credential.title,
                "summary": m.credential.summary,
                "url": urls.credential(m.credential.id),
                "image": urls.badge_image(m.credential.id),
                "badge_class": urls.badge_class(m.credential.id),
                "kind": m.credential.kind,
                "rule": _rule(district, m.credential.id),
                "rule_text": m.rule,
                "topics": [{"id": t, "label": district.topics[t].label} for t in m.credential.topics],
                "status": m.credential.status,
                "earners": m.earners,
                "counts_for": _counts_for(district, m.credential),
            }
            for m in milestone_cards(district).values()
        ],
    }


def _person(profile: Profile, urls: Urls) -> dict[str, Any]:
    school = profile.school
    return {
        "name": profile.earner.name,
        "profile": urls.earner(profile.slug),
        "school": {"id": school.id, "name": school.name} if school else None,
        "role": profile.earner.role or None,
    }


def experts_feed(by_topic: list[TopicExperts], urls: Urls) -> dict[str, Any]:
    return {
        "version": FEED_VERSION,
        "site": urls.home(),
        "topics": [
            {
                "id": entry.topic.id,
                "label": entry.topic.label,
                "url": urls.topic(entry.topic.id),
                "experts": [
                    {
                        **_person(expert.profile, urls),
                        "current": expert.current,
                        "expired": expert.expired,
                        "completed_stacks": expert.completed_stacks,
                        "credentials": [c.id for c in expert.credentials],
                    }
                    for expert in entry.experts
                ],
            }
            for entry in by_topic
        ],
    }
