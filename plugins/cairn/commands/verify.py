"""`python build.py verify`: check a badge the way an outside verifier would, with a plain verdict.

A badge is followed from its assertion to its BadgeClass, Issuer and revocation list.
Documents under our own site_url are read from the built site/ folder; anything else
over HTTP, because a verifier must see what the public sees.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from cairn.issue.bake import PNG_SIGNATURE, NotABadge, unbake_png
from cairn.issue.ob2 import hashed_recipient
from cairn.urls import Urls

MAX_DOCUMENT_BYTES = 1024 * 1024
_REVOKED = re.compile(r"^Revoked on (\d{4}-\d{2}-\d{2}): (.*)$", re.DOTALL)


@dataclass(frozen=True)
class Verdict:
    status: str  # valid, revoked, expired, not ours, tampered, not issued to this email, not found, invalid
    detail: str
    facts: tuple[tuple[str, str], ...] = ()

    @property
    def valid(self) -> bool:
        return self.status == "valid"

    def report(self) -> str:
        lines = [f"{self.status.upper()}: {self.detail}" if self.detail else self.status.upper()]
        lines += [f"  {name}: {value}" for name, value in self.facts]
        return "\n".join(lines)


class _Failed(Exception):
    def __init__(self, status: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


class _Credential(Exception):
    """The input is an Open Badges 3.0 credential, not an OB 2.0 assertion."""

    def __init__(self, document: dict[str, Any]) -> None:
        super().__init__("credential")
        self.document = document


@dataclass(frozen=True)
class Fetcher:
    site_url: str
    site_dir: Path

    def json(self, url: str) -> dict[str, Any]:
        data = self.bytes(url)
        try:
            document = json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise _Failed("invalid", f"{url} is not JSON") from None
        if not isinstance(document, dict):
            raise _Failed("invalid", f"{url} is not a JSON object")
        return document

    def bytes(self, url: str) -> bytes:
        if url.startswith(self.site_url):
            relative = urlsplit(url[len(self.site_url) :]).path
            root = self.site_dir.resolve()
            path = (root / relative).resolve()
            if path.is_dir():
                path = path / "index.html"
            if not path.is_relative_to(root) or not path.is_file():
                raise _Failed("not found", f"{url} does not exist in the built site ({self.site_dir})")
            return path.read_bytes()
        if urlsplit(url).scheme not in ("http", "https"):
            raise _Failed("invalid", f"'{url}' is not a web address")
        request = urllib.request.Request(url, headers={"Accept": "application/ld+json, application/json"})
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                data = response.read(MAX_DOCUMENT_BYTES + 1)
        except urllib.error.HTTPError as error:
            raise _Failed("not found", f"{url} answered HTTP {error.code}") from None
        except (urllib.error.URLError, OSError) as error:
            raise _Failed("not found", f"{url} could not be fetched ({getattr(error, 'reason', error)})") from None
        if len(data) > MAX_DOCUMENT_BYTES:
            raise _Failed("invalid", f"{url} is larger than {MAX_DOCUMENT_BYTES:,} bytes")
        return data


def _date(value: Any) -> dt.date | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def _read_input(badge: str, fetcher: Fetcher) -> tuple[str, dict[str, Any] | None]:
    """The assertion URL, and the assertion as carried by the input when it carries one."""
    path = Path(badge)
    if badge.startswith(("http://", "https://")):
        return badge, None
    if not path.is_file():
        raise _Failed("not found", f"'{badge}' is neither a file nor a web address")
    data = path.read_bytes()[: 20 * 1024 * 1024]
    if data.startswith(PNG_SIGNATURE):
        try:
            text = unbake_png(data).strip()
        except NotABadge:
            try:
                text = unbake_png(data, "openbadgecredential").strip()
            except NotABadge as error:
                raise _Failed("invalid", str(error).replace("'openbadgecredential'", "Open Badges")) from None
    else:
        text = data.decode("utf-8", errors="replace").strip()
    if text.startswith(("http://", "https://")):
        return text, None
    try:
        carried = json.loads(text)
    except json.JSONDecodeError:
        raise _Failed("invalid", "the badge holds neither an assertion URL nor an assertion") from None
    if isinstance(carried, dict) and "VerifiableCredential" in (carried.get("type") or []):
        raise _Credential(carried)
    if not isinstance(carried, dict) or not isinstance(carried.get("id"), str):
        raise _Failed("invalid", "the assertion has no id")
    return carried["id"], carried


def verify_badge(badge: str, site_url: str, site_dir: Path, email: str | None, today: dt.date) -> Verdict:
    fetcher = Fetcher(site_url, site_dir)
    facts: list[tuple[str, str]] = []
    try:
        try:
            url, carried = _read_input(badge, fetcher)
        except _Credential as found:
            return _verify_credential(found.document, fetcher, email, today)
        facts.append(("assertion", url))
        # Another issuer's badge is checked against its own site, fetched over HTTP.
        ours = url.startswith(site_url)
        parts = urlsplit(url)
        home = site_url if ours else f"{parts.scheme}://{parts.netloc}/"
        hosted = fetcher.json(url)
        if carried is not None and carried != hosted:
            raise _Failed("tampered", "the badge's assertion differs from the one hosted at its id")
        _check_assertion(hosted, url, home, fetcher, facts, email, today)
        if not ours:
            raise _Failed("not ours", f"a valid badge, but from {parts.netloc}, not this district's site {site_url}")
    except _Failed as failure:
        return Verdict(failure.status, failure.detail, tuple(facts))
    return Verdict("valid", "the badge is authentic, current and not revoked", tuple(facts))


def _check_assertion(
    assertion: dict[str, Any],
    url: str,
    site_url: str,
    fetcher: Fetcher,
    facts: list[tuple[str, str]],
    email: str | None,
    today: dt.date,
) -> None:
    if assertion.get("type") != "Assertion" or assertion.get("id") != url:
        raise _Failed("tampered", f"the document at {url} is not the assertion with that id")
    if (assertion.get("verification") or {}).get("type") not in ("hosted", "HostedBadge"):
        raise _Failed("invalid", "the assertion is not a hosted badge")
    badge_url = assertion.get("badge")
    if not isinstance(badge_url, str) or not badge_url.startswith(site_url):
        raise _Failed("tampered", f"the assertion's badge {badge_url} is not on the issuer's site {site_url}")
    badge = fetcher.json(badge_url)
    if badge.get("type") != "BadgeClass" or badge.get("id") != badge_url:
        raise _Failed("tampered", f"{badge_url} is not the BadgeClass with that id")
    issuer_url = badge.get("issuer")
    if not isinstance(issuer_url, str) or not issuer_url.startswith(site_url):
        raise _Failed("tampered", f"the badge's issuer {issuer_url} is not on {site_url}")
    issuer = fetcher.json(issuer_url)
    if issuer.get("type") not in ("Issuer", "Profile") or issuer.get("id") != issuer_url:
        raise _Failed("tampered", f"{issuer_url} is not the issuer profile with that id")
    facts += [
        ("credential", str(badge.get("name"))),
        ("criteria", str((badge.get("criteria") or {}).get("id"))),
        ("issuer", str(issuer.get("name"))),
        ("issued", str(assertion.get("issuedOn"))),
    ]
    issued = _date(assertion.get("issuedOn"))
    if issued is None or issued > today:
        raise _Failed("invalid", f"issuedOn {assertion.get('issuedOn')} is not a past date")

    reason = assertion.get("revocationReason") if assertion.get("revoked") is True else None
    revocation_url = issuer.get("revocationList")
    if isinstance(revocation_url, str):
        listed = fetcher.json(revocation_url).get("revokedAssertions") or []
        for entry in listed:
            entry_id = entry.get("id") if isinstance(entry, dict) else entry
            if entry_id == url:
                reason = (entry.get("revocationReason") if isinstance(entry, dict) else None) or reason or ""
                break
    if reason is not None or assertion.get("revoked") is True:
        match = _REVOKED.match(reason or "")
        raise _Failed("revoked", f"revoked on {match.group(1)}: {match.group(2)}" if match else f"revoked: {reason}")
    expires = _date(assertion.get("expires"))
    if expires is not None:
        facts.append(("expires", expires.isoformat()))
        if expires <= today:
            raise _Failed("expired", f"expired on {expires.isoformat()}")
    if email is not None:
        recipient = assertion.get("recipient") or {}
        identity = recipient.get("identity")
        salt = recipient.get("salt") or ""
        expected = hashed_recipient(email, salt) if recipient.get("hashed") else email.strip().lower()
        if identity != expected:
            raise _Failed("not issued to this email", f"the badge was not issued to {email}")
        facts.append(("recipient", f"{email} (matches)"))


def _did_document_url(did: str, site_url: str) -> str:
    """did:web resolution; our own DID is read where our build wrote it."""
    from cairn.issue.ob3 import did_web

    if did == did_web(site_url):
        return Urls(site_url).did_document()
    segments = [unquote(part) for part in did.removeprefix("did:web:").split(":")]
    path = "/".join(segments[1:])
    return Urls(f"https://{segments[0]}/" + (f"{path}/" if path else "")).did_document()


def _verify_credential(document: dict[str, Any], fetcher: Fetcher, email: str | None, today: dt.date) -> Verdict:
    """An Open Badges 3.0 credential: signature against the issuer's did:web key, status bit, dates."""
    from cairn.issue.ob3 import did_web, public_key_from_multibase, verify_proof

    facts: list[tuple[str, str]] = []
    try:
        issuer = document.get("issuer") or {}
        did = issuer.get("id") if isinstance(issuer, dict) else issuer
        achievement = (document.get("credentialSubject") or {}).get("achievement") or {}
        facts += [
            ("credential", str(achievement.get("name"))),
            ("issuer", str(issuer.get("name") if isinstance(issuer, dict) else did)),
            ("issued", str(document.get("validFrom"))),
        ]
        if not isinstance(did, str) or not did.startswith("did:web:"):
            raise _Failed("invalid", f"the issuer {did} is not a did:web identifier")
        proofs = document.get("proof")
        proof = (proofs[0] if isinstance(proofs, list) and proofs else proofs) or {}
        method = proof.get("verificationMethod", "")
        did_document = fetcher.json(_did_document_url(did, fetcher.site_url))
        keys = {m.get("id"): m.get("publicKeyMultibase") for m in did_document.get("verificationMethod") or []}
        if (
            not method.startswith(did + "#")
            or method not in keys
            or method not in (did_document.get("assertionMethod") or [])
        ):
            raise _Failed("tampered", f"the proof's key {method} is not an assertion key of {did}")
        if not verify_proof(document, public_key_from_multibase(keys[method])):
            raise _Failed(
                "tampered", "the signature does not match the credential: it was altered or not signed by its issuer"
            )
        ours = did == did_web(fetcher.site_url)
        status = document.get("credentialStatus")
        if isinstance(status, dict) and status.get("type") == "BitstringStatusListEntry":
            listing = fetcher.json(status["statusListCredential"])
            listing_issuer = listing.get("issuer")
            listing_did = listing_issuer.get("id") if isinstance(listing_issuer, dict) else listing_issuer
            list_method = ((listing.get("proof") or [{}])[0] or {}).get("verificationMethod", "")
            if (
                listing_did != did
                or list_method not in keys
                or not verify_proof(listing, public_key_from_multibase(keys[list_method]))
            ):
                raise _Failed("invalid", "the status list is not signed by the credential's issuer")
            if _bit(listing["credentialSubject"]["encodedList"], int(status["statusListIndex"])):
                raise _Failed("revoked", "revoked by its issuer (status list)")
        valid_until = _date(document.get("validUntil"))
        if valid_until is not None:
            facts.append(("expires", valid_until.isoformat()))
            if valid_until <= today:
                raise _Failed("expired", f"expired on {valid_until.isoformat()}")
        valid_from = _date(document.get("validFrom"))
        if valid_from is None or valid_from > today:
            raise _Failed("invalid", f"validFrom {document.get('validFrom')} is not a past date")
        if email is not None:
            identifiers = (document.get("credentialSubject") or {}).get("identifier") or []
            if not any(i.get("identityHash") == hashed_recipient(email, i.get("salt") or "") for i in identifiers):
                raise _Failed("not issued to this email", f"the badge was not issued to {email}")
            facts.append(("recipient", f"{email} (matches)"))
        if not ours:
            raise _Failed("not ours", f"a valid credential, but issued by {did}, not this district")
    except _Failed as failure:
        return Verdict(failure.status, failure.detail, tuple(facts))
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        return Verdict("invalid", f"the credential is malformed ({error})", tuple(facts))
    return Verdict(
        "valid", "an Open Badges 3.0 credential: signature, issuer key, status and dates all check out", tuple(facts)
    )


def _bit(encoded: str, index: int) -> bool:
    import base64
    import gzip

    if not encoded.startswith("u"):
        raise ValueError("encodedList is not multibase base64url")
    data = base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4))
    bits = gzip.decompress(data)
    return bool(bits[index // 8] & (0x80 >> (index % 8)))
