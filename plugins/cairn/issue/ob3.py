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
import re
import uuid
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from base58 import b58decode
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from cairn.issue.base58 import b58encode
from cairn.issue.ob2 import credits_available, expiry, hashed_recipient, recognition_lines
from cairn.model import Award, Credential, District, Earner, Issuer
from cairn.urls import Urls

if TYPE_CHECKING:
    from cairn.issue.fastcanon import Walked

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


def pyld() -> Any:
    """pyld's jsonld module, imported when first needed (a tenth of every command's start-up)."""
    from pyld import jsonld

    return jsonld


def document_loader(url: str, options: Any = None) -> dict[str, Any]:
    """pyld's loader: bundled contexts only; any other URL is an error, never a download."""
    name = BUNDLED_CONTEXTS.get(url)
    if name is None:
        raise pyld().JsonLdError(
            f"context {url} is not bundled with Cairn", "jsonld.LoadDocumentError", code="loading document failed"
        )
    if url not in _context_cache:
        text = (resources.files("cairn.issue") / "contexts" / name).read_text(encoding="utf-8")
        _context_cache[url] = json.loads(text)
    # "static" lets pyld keep the resolved context across calls instead of re-reading it each time.
    return {"contextUrl": None, "documentUrl": url, "document": copy.deepcopy(_context_cache[url]), "tag": "static"}


def canonical_nquads(document: dict[str, Any], walked: Walked | None = None) -> str:
    """RDFC-1.0 canonical N-Quads: pyld's exact output (asked for URDNA2015, not its default
    URGNA2012), made ~50 times faster for document shapes seen before by fastcanon.py, which
    falls back to pyld whenever it cannot be sure. `walked`: fastcanon.walk(document), when
    the caller has it already."""
    from . import fastcanon  # it imports this module

    return fastcanon.canonical_nquads(document, walked)


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


_checked_shapes: dict[tuple[str, ...] | str, list[str]] = {}


def undefined_terms(document: dict[str, Any], walked: Walked | None = None) -> list[str]:
    """Terms no context defines; checked once per document shape. fastcanon's shape key holds
    every key and the types and contexts verbatim, so it decides this too, and costs a third
    of _shape's; _shape covers what fastcanon does not handle (a string key, never a tuple).
    `walked`: fastcanon.walk(document), when the caller has it already."""
    from . import fastcanon  # it imports this module

    walked = walked or fastcanon.walk(document)
    shape = walked[0] if walked is not None else "j" + json.dumps(_shape(document))
    if shape not in _checked_shapes:
        _checked_shapes[shape] = _undefined_terms(document)
    return _checked_shapes[shape]


def _undefined_terms(document: dict[str, Any]) -> list[str]:
    """Terms no context defines. A catch-all @vocab, put before the document's own contexts for
    this check only, catches them (a context with its own @vocab still overrides it)."""
    probe = dict(document)
    contexts = probe["@context"] if isinstance(probe["@context"], list) else [probe["@context"]]
    probe["@context"] = [{"@vocab": _UNDEFINED}, *contexts]
    expanded = json.dumps(pyld().expand(probe, {"documentLoader": document_loader}))
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
    return "z" + b58encode(_ED25519_PUB + raw)


def public_key_from_multibase(value: str) -> Ed25519PublicKey:
    raw = b58decode(value[1:]) if value.startswith("z") else b""
    if not raw.startswith(_ED25519_PUB) or len(raw) != 34:
        raise ValueError(f"{value!r} is not an Ed25519 Multikey")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def private_key_from_multibase(value: str) -> Ed25519PrivateKey:
    raw = b58decode(value[1:]) if value.startswith("z") else b""
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


# The hash of proof options by their walk (shape and strings: the whole document). A build's
# options differ only in `created`, the award's day, so most are hashed already.
_options_hashes: dict[tuple[tuple[str, ...], tuple[str, ...]], bytes] = {}
MAX_OPTIONS_HASHES = 4096


def _hash_data(document: dict[str, Any], options: dict[str, Any]) -> bytes:
    from . import fastcanon  # it imports this module

    # Each walked once, for both the check of its terms and its canonical form.
    walked = [fastcanon.walk(document), fastcanon.walk(options)]
    for target, target_walked in zip((document, options), walked, strict=True):
        terms = undefined_terms(target, target_walked)
        if terms:
            raise SigningRefused("no JSON-LD context defines " + ", ".join(terms))
    options_walked = walked[1]
    key = (options_walked[0], tuple(options_walked[1])) if options_walked is not None else None
    options_hash = _options_hashes.get(key) if key is not None else None
    if options_hash is None:
        options_hash = hashlib.sha256(canonical_nquads(options, options_walked).encode()).digest()
        if key is not None:
            if len(_options_hashes) >= MAX_OPTIONS_HASHES:
                _options_hashes.clear()
            _options_hashes[key] = options_hash
    return options_hash + hashlib.sha256(canonical_nquads(document, walked[0]).encode()).digest()


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
    proof["proofValue"] = "z" + b58encode(signature)
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
        public_key.verify(b58decode(value[1:]), _hash_data(unsigned, options))
    except Exception:  # noqa: BLE001 (any failure is "does not verify")
        return False
    return True


# -- documents -----------------------------------------------------------------------------


_BASE32 = "abcdefghijklmnopqrstuvwxyz234567"
# 26 base32 characters, the last one's two spare bits zero (its value a multiple of 4).
_GENERATED_ID = re.compile(f"[{_BASE32}]{{25}}[{_BASE32[::4]}]")
_AS_INT_DIGITS = str.maketrans(_BASE32, "0123456789abcdefghijklmnopqrstuv")


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
    if _GENERATED_ID.fullmatch(award_id):
        # The 130 bits as a number (int() reads base 32 in its own alphabet), less the spare two,
        # written as str(uuid.UUID(int=...)) writes it.
        hex_ = f"{int(award_id.translate(_AS_INT_DIGITS), 32) >> 2:032x}"
        return f"urn:uuid:{hex_[:8]}-{hex_[8:12]}-{hex_[12:16]}-{hex_[16:20]}-{hex_[20:]}"
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


def achievement(credential: Credential, district: District, urls: Urls) -> dict[str, Any]:
    """The credential as an OB 3.0 Achievement: the same in every award of it."""
    document: dict[str, Any] = {
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
        document["creditsAvailable"] = _number(credits)
    if credential.topics:
        document["tag"] = [district.topics[t].label for t in credential.topics]
    if credential.alignment:
        document["alignment"] = [
            {
                "type": ["Alignment"],
                "targetName": a.name,
                "targetUrl": a.url,
                "targetFramework": a.framework,
                "targetCode": a.code,
            }
            for a in credential.alignment
        ]
    return document


def issuer_profile(issuer: Issuer, did: str) -> dict[str, Any]:
    profile: dict[str, Any] = {"id": did, "type": ["Profile"], "name": issuer.name, "url": issuer.url}
    if issuer.email:
        profile["email"] = issuer.email
    return profile


SharedParts = dict[tuple[str, str], dict[str, Any]]


def open_badge_credential(
    award: Award,
    earner: Earner,
    credential: Credential,
    district: District,
    issuer: Issuer,
    did: str,
    shared: SharedParts | None = None,
) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential of one award.

    `shared`, a dict the caller keeps across awards of one district, issuer and did, holds the
    parts every award of a credential has alike (its achievement, the issuer's profile), made
    once rather than once an award, which makes a document about three times cheaper to make.
    Documents made with it share those dicts, so they must not be changed in place (signing
    and writing them does not)."""
    urls = Urls(issuer.site_url)
    shared = {} if shared is None else shared
    shown = shared.get(("achievement", credential.id))
    if shown is None:
        shown = shared[("achievement", credential.id)] = achievement(credential, district, urls)
    profile = shared.get(("issuer", did))
    if profile is None:
        profile = shared[("issuer", did)] = issuer_profile(issuer, did)
    document: dict[str, Any] = {
        "@context": CREDENTIAL_CONTEXT,
        "id": credential_id(award),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": profile,
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
            "achievement": shown,
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
