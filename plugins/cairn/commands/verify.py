"""`python build.py verify`: check a badge the way an outside verifier would, with a plain verdict.

A badge is followed from its assertion to its BadgeClass, Issuer and revocation list.
Documents under our own site_url are read from the built site/ folder; anything else
over HTTP, because a verifier must see what the public sees.

The input is a stranger's: every read is bounded (the file, each HTTP answer in bytes and in
time, what a PNG inflates to, a status list, how deep JSON nests), and whatever it holds, the
answer is a verdict, never a traceback. What the report prints from it is shown with its
control characters escaped, so it cannot drive the terminal.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
import unicodedata
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.client import HTTPMessage
from pathlib import Path
from typing import IO, Any
from urllib.parse import unquote, urlsplit

from cairn.issue.bake import PNG_SIGNATURE, BadgeTooLarge, NotABadge, unbake_png
from cairn.issue.ob2 import hashed_recipient
from cairn.urls import Urls

MAX_DOCUMENT_BYTES = 1024 * 1024  # one JSON document: an assertion, a badge, a DID document, a status list
MAX_INPUT_BYTES = 20 * 1024 * 1024  # the file given on the command line
MAX_DEPTH = 64  # JSON nesting: Open Badges documents are under 10 levels deep
MAX_STATUS_LIST_BYTES = 16 * 1024 * 1024  # an inflated status list: 134 million entries
FETCH_SECONDS = 20.0  # one HTTP answer, from asking to its last byte
_REVOKED = re.compile(r"^Revoked on (\d{4}-\d{2}-\d{2}): (.*)$", re.DOTALL)


def _shown(text: str) -> str:
    """Text from a badge as the report prints it: control and format characters (escape
    sequences, bidi overrides) written out as \\x.. or \\u...."""
    return "".join(
        (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}") if unicodedata.category(c) in ("Cc", "Cf") else c
        for c in text
    )


@dataclass(frozen=True)
class Verdict:
    status: str  # valid, revoked, expired, not ours, tampered, not issued to this email, not found, invalid
    detail: str
    facts: tuple[tuple[str, str], ...] = ()

    @property
    def valid(self) -> bool:
        return self.status == "valid"

    def report(self) -> str:
        lines = [f"{self.status.upper()}: {_shown(self.detail)}" if self.detail else self.status.upper()]
        lines += [f"  {name}: {_shown(value)}" for name, value in self.facts]
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


def _parse_json(data: bytes | str, what: str) -> Any:
    """JSON, refused when nested deeper than any badge is (the parser would recurse)."""
    try:
        document = json.loads(data)
    except RecursionError:
        raise _Failed("invalid", f"{what} is nested too deeply to be a badge") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _Failed("invalid", f"{what} is not JSON") from None
    level, todo = 0, [document]
    while todo:
        level += 1
        if level > MAX_DEPTH:
            raise _Failed("invalid", f"{what} is nested more than {MAX_DEPTH} levels deep: no badge is")
        todo = [
            child
            for value in todo
            for child in (value.values() if isinstance(value, dict) else value if isinstance(value, list) else ())
            if isinstance(child, (dict, list))
        ]
    return document


class _NoOtherSchemes(urllib.request.HTTPRedirectHandler):
    """Redirects stay on http and https (urllib would follow one to ftp)."""

    def redirect_request(  # noqa: PLR0913 (the stdlib's signature)
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        if urlsplit(newurl).scheme not in ("http", "https"):
            raise _Failed("invalid", f"{req.full_url} redirects to '{newurl}', not a web address")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_opener = urllib.request.build_opener(_NoOtherSchemes)


@dataclass(frozen=True)
class Fetcher:
    site_url: str
    site_dir: Path

    def json(self, url: str) -> dict[str, Any]:
        document = _parse_json(self.bytes(url), url)
        if not isinstance(document, dict):
            raise _Failed("invalid", f"{url} is not a JSON object")
        return document

    def bytes(self, url: str) -> bytes:
        too_large = _Failed("invalid", f"{url} is larger than {MAX_DOCUMENT_BYTES:,} bytes")
        if url.startswith(self.site_url):
            relative = urlsplit(url[len(self.site_url) :]).path
            root = self.site_dir.resolve()
            path = (root / relative).resolve()
            if path.is_dir():
                path = path / "index.html"
            if not path.is_relative_to(root) or not path.is_file():
                raise _Failed("not found", f"{url} does not exist in the built site ({self.site_dir})")
            if path.stat().st_size > MAX_DOCUMENT_BYTES:
                raise too_large
            return path.read_bytes()
        if urlsplit(url).scheme not in ("http", "https"):
            raise _Failed("invalid", f"'{url}' is not a web address")
        request = urllib.request.Request(url, headers={"Accept": "application/ld+json, application/json"})
        deadline = time.monotonic() + FETCH_SECONDS
        slow = _Failed("not found", f"{url} did not answer within {FETCH_SECONDS:g} seconds")
        try:
            with _opener.open(request, timeout=FETCH_SECONDS) as response:
                declared = response.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > MAX_DOCUMENT_BYTES:
                    raise too_large
                parts, size = [], 0
                while part := response.read1(65536):
                    size += len(part)
                    if size > MAX_DOCUMENT_BYTES:
                        raise too_large
                    if time.monotonic() > deadline:
                        raise slow
                    parts.append(part)
        except urllib.error.HTTPError as error:
            raise _Failed("not found", f"{url} answered HTTP {error.code}") from None
        except TimeoutError:
            raise slow from None
        except (urllib.error.URLError, OSError, ValueError) as error:
            raise _Failed("not found", f"{url} could not be fetched ({getattr(error, 'reason', error)})") from None
        return b"".join(parts)


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
    try:
        with path.open("rb") as file:
            data = file.read(MAX_INPUT_BYTES + 1)
    except OSError as error:
        raise _Failed("not found", f"'{badge}' cannot be read ({error.strerror or error})") from None
    if len(data) > MAX_INPUT_BYTES:
        raise _Failed("invalid", f"'{badge}' is over {MAX_INPUT_BYTES:,} bytes: no badge is that large")
    if data.startswith(PNG_SIGNATURE):
        try:
            text = unbake_png(data).strip()
        except BadgeTooLarge as error:
            raise _Failed("invalid", str(error)) from None
        except NotABadge:
            try:
                text = unbake_png(data, "openbadgecredential").strip()
            except BadgeTooLarge as error:
                raise _Failed("invalid", str(error)) from None
            except NotABadge as error:
                raise _Failed("invalid", str(error).replace("'openbadgecredential'", "Open Badges")) from None
    else:
        text = data.decode("utf-8", errors="replace").strip()
    if text.startswith(("http://", "https://")):
        return text, None
    try:
        carried = _parse_json(text, "the badge")
    except _Failed as failure:
        if failure.detail == "the badge is not JSON":
            raise _Failed("invalid", "the badge holds neither an assertion URL nor an assertion") from None
        raise
    if isinstance(carried, dict) and "VerifiableCredential" in (carried.get("type") or []):
        raise _Credential(carried)
    if not isinstance(carried, dict) or not isinstance(carried.get("id"), str):
        raise _Failed("invalid", "the assertion has no id")
    return carried["id"], carried


def verify_badge(badge: str, site_url: str, site_dir: Path, email: str | None, today: dt.date) -> Verdict:
    """The verdict on any input: a hostile one gets INVALID and why, never an exception."""
    try:
        return _verify_badge(badge, site_url, site_dir, email, today)
    except (RecursionError, MemoryError):
        return Verdict("invalid", "the badge is too large or too deeply nested to check")
    except Exception as error:  # noqa: BLE001 (no input may end the command with a traceback)
        return Verdict("invalid", f"the badge could not be checked ({type(error).__name__}: {error})")


def _verify_badge(badge: str, site_url: str, site_dir: Path, email: str | None, today: dt.date) -> Verdict:
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
        _check_assertion(hosted, carried, url, home, fetcher, facts, email, today)
        if not ours:
            raise _Failed("not ours", f"a valid badge, but from {parts.netloc}, not this district's site {site_url}")
    except _Failed as failure:
        return Verdict(failure.status, failure.detail, tuple(facts))
    return Verdict("valid", "the badge is authentic, current and not revoked", tuple(facts))


def _revoked(reason: Any) -> _Failed:
    match = _REVOKED.match(reason) if isinstance(reason, str) else None
    if match:
        return _Failed("revoked", f"revoked on {match.group(1)}: {match.group(2)}")
    return _Failed("revoked", f"revoked: {reason}" if isinstance(reason, str) and reason else "revoked")


def _listed_reason(fetcher: Fetcher, revocation_url: str, url: str) -> str | None:
    """The reason the revocation list at `revocation_url` gives for `url` ("" when none); None if unlisted."""
    listed = fetcher.json(revocation_url).get("revokedAssertions") or []
    for entry in listed if isinstance(listed, list) else []:
        entry_id = entry.get("id") if isinstance(entry, dict) else entry
        if entry_id == url:
            reason = entry.get("revocationReason") if isinstance(entry, dict) else None
            return reason if isinstance(reason, str) else ""
    return None


def _check_assertion(
    assertion: dict[str, Any],
    carried: dict[str, Any] | None,
    url: str,
    site_url: str,
    fetcher: Fetcher,
    facts: list[tuple[str, str]],
    email: str | None,
    today: dt.date,
) -> None:
    if assertion.get("type") != "Assertion" or assertion.get("id") != url:
        raise _Failed("tampered", f"the document at {url} is not the assertion with that id")
    # A revoked assertion keeps only its id and why (Open Badges 2.0): its issuer's word, even
    # against a copy that still holds the rest.
    if assertion.get("revoked") is True:
        raise _revoked(assertion.get("revocationReason"))
    ours = site_url == fetcher.site_url
    if ours:
        reason = _listed_reason(fetcher, Urls(site_url).revocations(), url)
        if reason is not None:
            raise _revoked(reason)
    if carried is not None and carried != assertion:
        raise _Failed("tampered", "the badge's assertion differs from the one hosted at its id")
    if not isinstance(assertion.get("verification"), dict) or assertion["verification"].get("type") not in (
        "hosted",
        "HostedBadge",
    ):
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
    criteria = badge.get("criteria")
    facts += [
        ("credential", str(badge.get("name"))),
        ("criteria", str(criteria.get("id") if isinstance(criteria, dict) else None)),
        ("issuer", str(issuer.get("name"))),
        ("issued", str(assertion.get("issuedOn"))),
    ]
    issued = _date(assertion.get("issuedOn"))
    if issued is None or issued > today:
        raise _Failed("invalid", f"issuedOn {assertion.get('issuedOn')} is not a past date")

    revocation_url = issuer.get("revocationList")
    if isinstance(revocation_url, str) and not ours:
        reason = _listed_reason(fetcher, revocation_url, url)
        if reason is not None:
            raise _revoked(reason)
    expires = _date(assertion.get("expires"))
    if expires is not None:
        facts.append(("expires", expires.isoformat()))
        if expires <= today:
            raise _Failed("expired", f"expired on {expires.isoformat()}")
    if email is not None:
        recipient = assertion.get("recipient")
        recipient = recipient if isinstance(recipient, dict) else {}
        identity = recipient.get("identity")
        salt = recipient.get("salt")
        salt = salt if isinstance(salt, str) else ""
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
    """The status bit at `index`, inflating the gzipped list only as far as that bit."""
    import base64
    import zlib

    needed = index // 8 + 1
    if index < 0 or needed > MAX_STATUS_LIST_BYTES:
        raise ValueError(f"statusListIndex {index} is outside any status list")
    if not encoded.startswith("u"):
        raise ValueError("encodedList is not multibase base64url")
    data = base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4))
    try:
        bits = zlib.decompressobj(wbits=31).decompress(data, needed)  # 31: gzip
    except zlib.error as error:
        raise ValueError(f"the status list cannot be decompressed ({error})") from None
    if len(bits) < needed:
        raise ValueError(f"the status list has no entry {index}")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))
