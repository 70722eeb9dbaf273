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
