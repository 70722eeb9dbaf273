"""Machine-readable feeds for PD planners' own pages: /api/credentials.json and /api/experts.json.

The schema is documented in docs/api.md; `version` changes only when a field is removed
or changes meaning. No email and no non-public earner ever appears here.
"""

from __future__ import annotations

from typing import Any

from cairn.model import District
from cairn.pages.data import cards
from cairn.people import Profile, TopicExperts
from cairn.urls import Urls

FEED_VERSION = 1


def credentials_feed(district: District, urls: Urls) -> dict[str, Any]:
    all_cards = cards(district)
    return {
        "version": FEED_VERSION,
        "site": urls.home(),
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
            }
            for c in district.in_stack_order()
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
