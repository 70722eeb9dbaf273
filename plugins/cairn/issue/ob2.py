"""Open Badges 2.0 documents as plain dicts: Issuer, BadgeClass, Assertion, RevocationList.

Pure functions of the model; every `id` is the exact URL the document is served at, from
urls.py. What a credential counts for, as both OB 2.0 and OB 3.0 files say it, is here too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from typing import Any

from cairn.model import Award, Credential, District, Earner, Issuer
from cairn.recognition import Amount, counts_for, rule_sentence, schemes_shown
from cairn.urls import Urls

CONTEXT = "https://w3id.org/openbadges/v2"


def hashed_recipient(email: str, salt: str) -> str:
    """OB 2.0 `sha256$` identity of the trimmed, lower-cased email followed by the salt."""
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode("utf-8")).hexdigest()


def timestamp(day: dt.date) -> str:
    """Dates are published as midnight UTC, ISO 8601 with the zone."""
    return f"{day.isoformat()}T00:00:00+00:00"


def expiry(award: Award, credential: Credential) -> dt.date | None:
    if award.expires:
        return award.expires
    if credential.expires_after:
        return credential.expires_after.after(award.issued)
    return None


# What the public is told of any revocation. The reason in the earner file is the committee's
# record about a person (docs/decisions.md): it is never published, whoever the earner is.
PUBLIC_REVOCATION_REASON = "withdrawn by the issuer (the reason is not published)"


def revocation_reason(award: Award) -> str | None:
    """The date leads, since OB 2.0 has no field for when a badge was revoked; then the one
    public text, never the committee's reason."""
    if award.revoked is None:
        return None
    return f"Revoked on {award.revoked.date.isoformat()}: {PUBLIC_REVOCATION_REASON}"


def issuer_profile(issuer: Issuer, urls: Urls) -> dict[str, Any]:
    profile: dict[str, Any] = {
        "@context": CONTEXT,
        "type": "Issuer",
        "id": urls.issuer(),
        "name": issuer.name,
        "url": issuer.url,
        "email": issuer.email,
        "description": issuer.description,
        "revocationList": urls.revocations(),
    }
    if issuer.image_png:
        profile["image"] = urls.issuer_image()
    return profile


# -- what a credential counts for, in its badge files ------------------------------------------
#
# Badge files are public and about a person: the BadgeClass is what a verifier shows beside an
# earner's assertion, the achievement sits inside their credential. So they say what the catalog
# shows, but never money: "counts for $400" next to a named earner is what that person is paid.


def badge_amounts(district: District, credential: Credential) -> list[Amount]:
    """What a credential's badge files say it counts for: the catalog's schemes, money left out."""
    return [a for a in counts_for(district, credential, "catalog") if a.scheme.kind != "money"]


def credits_available(district: District, credential: Credential) -> Decimal | None:
    """OB 3.0 `creditsAvailable`: the credential's amount in the first credits scheme the catalog
    shows (in the order of _recognition.yml). One scheme for every credential, so two achievements
    of a district never give numbers in different units; None when it earns nothing there."""
    scheme = next((s for s in schemes_shown(district, "catalog") if s.kind == "credits"), None)
    return next((a.amount for a in badge_amounts(district, credential) if a.scheme == scheme), None)


def recognition_lines(district: District, credential: Credential) -> list[str]:
    """The paragraphs both criteria narratives end with: how a milestone is earned, and what the
    credential counts for ("Counts for: 1.5 CEU · 50 points")."""
    lines = [line for line in [rule_sentence(district, credential.id)] if line]
    amounts = badge_amounts(district, credential)
    if amounts:
        lines.append("Counts for: " + " · ".join(str(a) for a in amounts))
    return lines


def criteria_narrative(credential: Credential, district: District) -> str:
    """The Submission Criteria and the Scoring Rubric (those written: a milestone has none), then
    what it takes and what it counts for."""
    parts = [
        f"## {section.title}\n\n{section.markdown}"
        for section in (credential.section("Submission Criteria"), credential.section("Scoring Rubric"))
        if section.markdown
    ]
    return "\n\n".join(parts + recognition_lines(district, credential)) + "\n"


def badge_class(credential: Credential, district: District, urls: Urls) -> dict[str, Any]:
    """Tags: the credential's topics, its kind, and what it counts for ("1.5 CEU")."""
    tags = [district.topics[t].label for t in credential.topics]
    tags.append(credential.kind)  # "micro-credential" or "milestone"
    tags += [str(a) for a in badge_amounts(district, credential)]
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "type": "BadgeClass",
        "id": urls.badge_class(credential.id),
        "name": credential.title,
        "description": credential.summary,
        "image": urls.badge_image(credential.id),
        "criteria": {"id": urls.credential(credential.id), "narrative": criteria_narrative(credential, district)},
        "issuer": urls.issuer(),
        "tags": tags,
    }
    if credential.alignment:
        document["alignment"] = [
            {
                "targetName": a.name,
                "targetUrl": a.url,
                "targetFramework": a.framework,
                "targetCode": a.code,
            }
            for a in credential.alignment
        ]
    return document


def revoked_assertion(award: Award, urls: Urls) -> dict[str, Any]:
    """What a revoked hosted assertion serves: only what Open Badges 2.0 asks of one (its
    context, type and id, `revoked` and the reason), so nothing of the earner, the evidence
    or the badge stays public once it is taken back."""
    return {
        "@context": CONTEXT,
        "type": "Assertion",
        "id": urls.assertion(award.id or ""),
        "revoked": True,
        "revocationReason": revocation_reason(award),
    }


def assertion(award: Award, earner: Earner, credential: Credential, urls: Urls) -> dict[str, Any]:
    assert award.id and award.salt, "the loader refuses awards without id and salt"
    if award.revoked:
        return revoked_assertion(award, urls)
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "type": "Assertion",
        "id": urls.assertion(award.id),
        "recipient": {
            "type": "email",
            "hashed": True,
            "salt": award.salt,
            "identity": hashed_recipient(earner.email, award.salt),
        },
        "badge": urls.badge_class(credential.id),
        "issuedOn": timestamp(award.issued),
        "image": urls.badge_image(credential.id),
        "verification": {"type": "hosted"},
    }
    expires = expiry(award, credential)
    if expires:
        document["expires"] = timestamp(expires)
    if award.evidence:
        document["evidence"] = [_evidence(e.url, e.narrative) for e in award.evidence]
    return document


def _evidence(url: str | None, narrative: str | None) -> dict[str, str]:
    evidence = {"type": "Evidence"}
    if url:
        evidence["id"] = url
    if narrative:
        evidence["narrative"] = narrative
    return evidence


def revocation_list(revoked: list[Award], urls: Urls) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "type": "RevocationList",
        "id": urls.revocations(),
        "issuer": urls.issuer(),
        "revokedAssertions": [
            {"id": urls.assertion(a.id or ""), "revocationReason": revocation_reason(a)}
            for a in sorted(revoked, key=lambda a: a.id or "")
        ],
    }
