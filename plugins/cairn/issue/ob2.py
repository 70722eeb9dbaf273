"""Open Badges 2.0 documents as plain dicts: Issuer, BadgeClass, Assertion, RevocationList.

Pure functions of the model; every `id` is the exact URL the document is served at, from
urls.py.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from cairn.model import Award, Credential, Earner, Issuer
from cairn.urls import Urls

CONTEXT = "https://w3id.org/openbadges/v2"


def hashed_recipient(email: str, salt: str) -> str:
    """OB 2.0 `sha256$` identity of the trimmed, lower-cased email followed by the salt."""
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode("utf-8")).hexdigest()


def unlinked_identity(award: Award) -> str:
    """The identity a revoked assertion carries: derived from its salt alone, not the email.

    A revoked badge and its reason are listed publicly; without this, anyone who knows a
    teacher's email could test it against the listed assertions and learn of the revocation.
    """
    return "sha256$" + hashlib.sha256(f"revoked:{award.salt}".encode()).hexdigest()


def timestamp(day: dt.date) -> str:
    """Dates are published as midnight UTC, ISO 8601 with the zone."""
    return f"{day.isoformat()}T00:00:00+00:00"


def expiry(award: Award, credential: Credential) -> dt.date | None:
    if award.expires:
        return award.expires
    if credential.expires_after:
        return credential.expires_after.after(award.issued)
    return None


def revocation_reason(award: Award) -> str | None:
    """The date leads the reason, since OB 2.0 has no field for when a badge was revoked."""
    if award.revoked is None:
        return None
    return f"Revoked on {award.revoked.date.isoformat()}: {award.revoked.reason}"


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


def criteria_narrative(credential: Credential) -> str:
    criteria = credential.section("Submission Criteria").markdown
    rubric = credential.section("Scoring Rubric").markdown
    return f"## Submission Criteria\n\n{criteria}\n\n## Scoring Rubric\n\n{rubric}\n"


def badge_class(credential: Credential, topic_labels: list[str], urls: Urls) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "type": "BadgeClass",
        "id": urls.badge_class(credential.id),
        "name": credential.title,
        "description": credential.summary,
        "image": urls.badge_image(credential.id),
        "criteria": {"id": urls.credential(credential.id), "narrative": criteria_narrative(credential)},
        "issuer": urls.issuer(),
        "tags": topic_labels,
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


def assertion(award: Award, earner: Earner, credential: Credential, urls: Urls) -> dict[str, Any]:
    assert award.id and award.salt, "the loader refuses awards without id and salt"
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "type": "Assertion",
        "id": urls.assertion(award.id),
        "recipient": {
            "type": "email",
            "hashed": True,
            "salt": award.salt,
            "identity": hashed_recipient(earner.email, award.salt) if not award.revoked else unlinked_identity(award),
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
    if award.revoked:
        document["revoked"] = True
        document["revocationReason"] = revocation_reason(award)
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
