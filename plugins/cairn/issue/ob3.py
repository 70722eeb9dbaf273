"""Open Badges 3.0: signed OpenBadgeCredentials, the issuer's did:web document, status lists.

Signing follows the W3C Data Integrity `eddsa-rdfc-2022` cryptosuite: the document and
the proof options are canonicalised with RDFC-1.0 (URDNA2015), each hashed with SHA-256,
and the two hashes signed with Ed25519. Every JSON-LD context is loaded from the copies
bundled in `contexts/`; nothing is fetched. A document with a term no context defines is
refused, because the canonicaliser would silently drop it and the proof would cover less
than the document shows.
"""

from __future__ import annotations

import base64
import copy
import gzip
import hashlib
import json
import uuid
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from typing import Any
from urllib.parse import quote, urlsplit

import base58
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pyld import jsonld

from cairn.issue.ob2 import credits_available, expiry, hashed_recipient, recognition_lines
from cairn.model import Award, Credential, District, Earner, Issuer
from cairn.urls import Urls

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
DID_V1 = "https://www.w3.org/ns/did/v1"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
CREDENTIAL_CONTEXT = [VC_V2, OB_V3]
STATUS_LIST_SIZE = 131_072  # entries per list: 16 KB of bits, so one index reveals nothing
_UNDEFINED = "urn:cairn:undefined-term#"

BUNDLED_CONTEXTS = {
    VC_V2: "credentials-v2.jsonld",
    OB_V3: "ob-v3p0-3.0.3.json",
    DID_V1: "did-v1.jsonld",
    MULTIKEY_V1: "multikey-v1.jsonld",
    "https://w3id.org/security/data-integrity/v2": "data-integrity-v2.jsonld",
    "https://www.w3.org/ns/credentials/examples/v2": "credentials-examples-v2.jsonld",
}
_ED25519_PUB = b"\xed\x01"
_ED25519_PRIV = b"\x80\x26"


class SigningRefused(ValueError):
    pass


_context_cache: dict[str, Any] = {}


def document_loader(url: str, options: Any = None) -> dict[str, Any]:
    """pyld's loader: bundled contexts only; any other URL is an error, never a download."""
    name = BUNDLED_CONTEXTS.get(url)
    if name is None:
        raise jsonld.JsonLdError(
            f"context {url} is not bundled with Cairn", "jsonld.LoadDocumentError", code="loading document failed"
        )
    if url not in _context_cache:
        text = (resources.files("cairn.issue") / "contexts" / name).read_text(encoding="utf-8")
        _context_cache[url] = json.loads(text)
    # "static" lets pyld keep the resolved context across calls instead of re-reading it each time.
    return {"contextUrl": None, "documentUrl": url, "document": copy.deepcopy(_context_cache[url]), "tag": "static"}


def canonical_nquads(document: dict[str, Any]) -> str:
    """RDFC-1.0 canonical N-Quads: pyld's exact output (asked for URDNA2015, not its default
    URGNA2012), made ~50 times faster for document shapes seen before by fastcanon.py, which
    falls back to pyld whenever it cannot be sure."""
    from . import fastcanon  # it imports this module

    return fastcanon.canonical_nquads(document)


def _shape(value: Any) -> Any:
    """What decides whether terms are defined: the keys, and the values of type and @context
    (type-scoped contexts); other values do not matter."""
    if isinstance(value, dict):
        return tuple(
            sorted(
                (
                    k,
                    value[k]
                    if k in ("type", "@type", "@context") and not isinstance(value[k], dict)
                    else _shape(value[k]),
                )
                for k in value
            )
        )
    if isinstance(value, list):
        return tuple(sorted({json.dumps(_shape(v)) for v in value}))
    return None


_checked_shapes: dict[str, list[str]] = {}


def undefined_terms(document: dict[str, Any]) -> list[str]:
    """Terms no context defines; checked once per document shape. fastcanon's shape key holds
    every key and the types and contexts verbatim, so it decides this too, and costs a third
    of _shape's; _shape covers what fastcanon does not handle."""
    from . import fastcanon  # it imports this module

    tokens = fastcanon.shape_key(document)
    shape = "f\x00" + "\x00".join(tokens) if tokens is not None else "j" + json.dumps(_shape(document))
    if shape not in _checked_shapes:
        _checked_shapes[shape] = _undefined_terms(document)
    return _checked_shapes[shape]


def _undefined_terms(document: dict[str, Any]) -> list[str]:
    """Terms no context defines. A catch-all @vocab, put before the document's own contexts for
    this check only, catches them (a context with its own @vocab still overrides it)."""
    probe = dict(document)
    contexts = probe["@context"] if isinstance(probe["@context"], list) else [probe["@context"]]
    probe["@context"] = [{"@vocab": _UNDEFINED}, *contexts]
    expanded = json.dumps(jsonld.expand(probe, {"documentLoader": document_loader}))
    found = set()
    start = expanded.find(_UNDEFINED)
    while start >= 0:
        end = min(i for i in (expanded.find('"', start), len(expanded)) if i >= 0)
        found.add(expanded[start + len(_UNDEFINED) : end])
        start = expanded.find(_UNDEFINED, end)
    return sorted(found)


# -- keys ----------------------------------------------------------------------------------


def public_multibase(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return "z" + base58.b58encode(_ED25519_PUB + raw).decode("ascii")


def public_key_from_multibase(value: str) -> Ed25519PublicKey:
    raw = base58.b58decode(value[1:]) if value.startswith("z") else b""
    if not raw.startswith(_ED25519_PUB) or len(raw) != 34:
        raise ValueError(f"{value!r} is not an Ed25519 Multikey")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def private_key_from_multibase(value: str) -> Ed25519PrivateKey:
    raw = base58.b58decode(value[1:]) if value.startswith("z") else b""
    if not raw.startswith(_ED25519_PRIV) or len(raw) != 34:
        raise ValueError("not an Ed25519 secret Multikey")
    return Ed25519PrivateKey.from_private_bytes(raw[2:])


# -- did:web -------------------------------------------------------------------------------


def did_web(site_url: str) -> str:
    """did:web for the site: the host (a port encoded as %3A), then the path segments."""
    parts = urlsplit(site_url)
    segments = [quote(parts.netloc, safe="")] + [quote(s, safe="") for s in parts.path.strip("/").split("/") if s]
    return "did:web:" + ":".join(segments)


def did_document(did: str, public_keys: list[str]) -> dict[str, Any]:
    """The current key first, then retired ones, which stay so old credentials still verify."""
    methods = [f"{did}#{key}" for key in public_keys]
    return {
        "@context": [DID_V1, MULTIKEY_V1],
        "id": did,
        "verificationMethod": [
            {"id": method, "type": "Multikey", "controller": did, "publicKeyMultibase": key}
            for method, key in zip(methods, public_keys, strict=True)
        ],
        "assertionMethod": methods,
    }


# -- signing -------------------------------------------------------------------------------


def _hash_data(document: dict[str, Any], options: dict[str, Any]) -> bytes:
    for target in (document, options):
        terms = undefined_terms(target)
        if terms:
            raise SigningRefused("no JSON-LD context defines " + ", ".join(terms))
    return (
        hashlib.sha256(canonical_nquads(options).encode()).digest()
        + hashlib.sha256(canonical_nquads(document).encode()).digest()
    )


def proof_options(document: dict[str, Any], verification_method: str, created: str) -> dict[str, Any]:
    return {
        "@context": document["@context"],
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
    }


def sign(document: dict[str, Any], key: Ed25519PrivateKey, verification_method: str, created: str) -> dict[str, Any]:
    """The document with one eddsa-rdfc-2022 DataIntegrityProof, as a list under `proof`."""
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    options = proof_options(unsigned, verification_method, created)
    signature = key.sign(_hash_data(unsigned, options))
    proof = {k: v for k, v in options.items() if k != "@context"}
    proof["proofValue"] = "z" + base58.b58encode(signature).decode("ascii")
    return {**unsigned, "proof": [proof]}


def verify_proof(document: dict[str, Any], public_key: Ed25519PublicKey) -> bool:
    proofs = document.get("proof")
    proof = (proofs[0] if isinstance(proofs, list) and proofs else proofs) or {}
    value = proof.get("proofValue", "")
    if proof.get("cryptosuite") != "eddsa-rdfc-2022" or not value.startswith("z"):
        return False
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    options = {"@context": unsigned["@context"], **{k: v for k, v in proof.items() if k != "proofValue"}}
    try:
        public_key.verify(base58.b58decode(value[1:]), _hash_data(unsigned, options))
    except Exception:  # noqa: BLE001 (any failure is "does not verify")
        return False
    return True


# -- documents -----------------------------------------------------------------------------


_BASE32 = "abcdefghijklmnopqrstuvwxyz234567"


def credential_id(award: Award) -> str:
    """A URN from the whole award id: stable, not a URL that may not be hosted, and never the
    same for two awards.

    An id `build.py ids` made is 26 base32 characters holding 128 random bits, the last
    character's two spare bits zero: those 128 bits are the UUID, exactly as credentials have
    been issued so far, so no published credential id changes. Two such ids give two UUIDs.
    Every other id (kept from an earlier system, or one whose spare bits are not zero, which
    the old rule let share a UUID with its neighbour) is hashed: the first 128 bits of its
    SHA-256 with the UUIDv8 version and variant bits set; two ids meet there only by a 2^-122
    coincidence, as they could meet a generated id's UUID.
    """
    award_id = award.id or ""
    if len(award_id) == 26 and all(c in _BASE32 for c in award_id) and _BASE32.index(award_id[-1]) % 4 == 0:
        return f"urn:uuid:{uuid.UUID(bytes=base64.b32decode(award_id.upper() + '======'))}"
    raw = bytearray(hashlib.sha256(award_id.encode("utf-8")).digest()[:16])
    raw[6] = (raw[6] & 0x0F) | 0x80  # version 8: custom
    raw[8] = (raw[8] & 0x3F) | 0x80  # the RFC 9562 variant
    return f"urn:uuid:{uuid.UUID(bytes=bytes(raw))}"


# OB 3.0 `achievementType` by Credential.kind. The official schema takes a value of its enumeration
# or an extension named "ext:..."; the enumeration has MicroCredential but nothing for a milestone
# (Award, Certificate or a degree would each claim something a district milestone is not).
ACHIEVEMENT_TYPES = {"micro-credential": "MicroCredential", "milestone": "ext:Milestone"}


def _number(amount: Decimal) -> int | float:
    """A whole amount as an integer: JSON-LD turns Python's 1.0 into "1.0E0" but JavaScript's 1
    into "1", so a float would make the proof unverifiable by JavaScript verifiers."""
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def _timestamp(day: Any) -> str:
    return f"{day.isoformat()}T00:00:00Z"


@dataclass(frozen=True)
class StatusEntry:
    index: int

    @property
    def list_number(self) -> int:
        return self.index // STATUS_LIST_SIZE + 1

    @property
    def position(self) -> int:
        return self.index % STATUS_LIST_SIZE


def open_badge_credential(
    award: Award, earner: Earner, credential: Credential, district: District, issuer: Issuer, did: str
) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential of one award."""
    urls = Urls(issuer.site_url)
    achievement: dict[str, Any] = {
        "id": urls.badge_class(credential.id),
        "type": ["Achievement"],
        "name": credential.title,
        "description": credential.summary,
        "achievementType": ACHIEVEMENT_TYPES[credential.kind],
        "criteria": {
            "id": urls.credential(credential.id),
            "narrative": "\n\n".join(
                [s.markdown for s in credential.sections[4:6] if s.markdown] + recognition_lines(district, credential)
            ),
        },
        "image": {"id": urls.badge_image(credential.id), "type": "Image"},
    }
    credits = credits_available(district, credential)
    if credits is not None:
        achievement["creditsAvailable"] = _number(credits)
    if credential.topics:
        achievement["tag"] = [district.topics[t].label for t in credential.topics]
    if credential.alignment:
        achievement["alignment"] = [
            {
                "type": ["Alignment"],
                "targetName": a.name,
                "targetUrl": a.url,
                "targetFramework": a.framework,
                "targetCode": a.code,
            }
            for a in credential.alignment
        ]
    issuer_profile: dict[str, Any] = {"id": did, "type": ["Profile"], "name": issuer.name, "url": issuer.url}
    if issuer.email:
        issuer_profile["email"] = issuer.email
    document: dict[str, Any] = {
        "@context": CREDENTIAL_CONTEXT,
        "id": credential_id(award),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": issuer_profile,
        "validFrom": _timestamp(award.issued),
        "name": credential.title,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": hashed_recipient(earner.email, award.salt or ""),
                    "identityType": "emailAddress",
                    "hashed": True,
                    "salt": award.salt,
                }
            ],
            "achievement": achievement,
        },
    }
    expires = expiry(award, credential)
    if expires:
        document["validUntil"] = _timestamp(expires)
    if award.evidence:
        document["evidence"] = [
            {
                "type": ["Evidence"],
                **({"id": e.url} if e.url else {}),
                **({"narrative": e.narrative} if e.narrative else {}),
            }
            for e in award.evidence
        ]
    if award.status_index is not None:
        entry = StatusEntry(award.status_index)
        list_url = urls.status_list(entry.list_number)
        document["credentialStatus"] = {
            "id": f"{list_url}#{entry.position}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(entry.position),
            "statusListCredential": list_url,
        }
    return document


def encoded_bitstring(revoked_positions: set[int]) -> str:
    """GZIP-compressed bitstring, first index in the most significant bit, as multibase base64url."""
    bits = bytearray(STATUS_LIST_SIZE // 8)
    for position in revoked_positions:
        bits[position // 8] |= 0x80 >> (position % 8)
    # mtime=0: the same list gives the same bytes on every build.
    compressed = gzip.compress(bytes(bits), compresslevel=9, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode("ascii").rstrip("=")


def status_list_credential(
    site_url: str, number: int, revoked_positions: set[int], did: str, issuer_name: str, valid_from: str
) -> dict[str, Any]:
    url = Urls(site_url).status_list(number)
    return {
        "@context": [VC_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": {"id": did, "name": issuer_name},
        "validFrom": valid_from,
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded_bitstring(revoked_positions),
        },
    }
