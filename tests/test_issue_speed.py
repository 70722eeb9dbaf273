"""Issuing an award got cheaper (issue 19) without changing what anyone receives: the faster
base58, credential ids, shared achievements, remembered proof options and canonical terms, and
the directly written delivery zip give exactly what the slower ways gave."""

from __future__ import annotations

import base64
import copy
import dataclasses
import datetime as dt
import hashlib
import io
import json
import random
import uuid
import zipfile
from pathlib import Path
from typing import Any

import base58 as base58_package
import pytest
from cairn.issue import bake, fastcanon, ob3
from cairn.issue import files as issue
from cairn.issue.base58 import b58encode
from cairn.issue.keys import SigningKey
from cairn.issue.storedzip import _zipfile_archive, stored_zip
from cairn.model import District
from cairn.pipeline.cache import ContentCache
from cairn.sources.load import Sources, load_district
from conftest import REPO, TEST_SIGNING_KEY
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from test_fastcanon import ISSUER, base_credential, pyld, random_document

KEY = ob3.private_key_from_multibase(TEST_SIGNING_KEY)
DID = ob3.did_web(ISSUER.site_url)
METHOD = f"{DID}#{ob3.public_multibase(KEY.public_key())}"
BASE32 = "abcdefghijklmnopqrstuvwxyz234567"


@pytest.fixture(autouse=True)
def fresh_caches() -> None:
    fastcanon.clear_cache()
    ob3._options_hashes.clear()


def sample_district() -> District:
    district, problems = load_district(
        Sources(catalog=REPO / "catalog", earners=REPO / "earners", root=REPO), dt.date.today()
    )
    assert not problems.errors, problems.errors
    return district


# -- base58 ------------------------------------------------------------------------------------


def test_signatures_are_written_in_base58_exactly_as_the_base58_package_writes_them() -> None:
    rng = random.Random(19)
    values = [bytes(rng.randrange(256) for _ in range(rng.choice((1, 2, 7, 32, 34, 64, 65, 100)))) for _ in range(3000)]
    # Leading zero bytes are "1"s; a value of zeros only, or nothing, has no other digit.
    values += [b"", b"\0", b"\0" * 5, b"\0\0\x01", b"\0" + bytes(range(1, 64)), b"\xff" * 64, b"\x01", b"\x39"]
    for value in values:
        assert b58encode(value) == base58_package.b58encode(value).decode("ascii"), value.hex()
        assert base58_package.b58decode(b58encode(value)) == value


def test_a_public_key_keeps_its_multikey_text() -> None:
    # The DID document's key and every verificationMethod are written with the new encoder.
    raw = KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert ob3.public_multibase(KEY.public_key()) == "z" + base58_package.b58encode(b"\xed\x01" + raw).decode()
    assert ob3.public_key_from_multibase(ob3.public_multibase(KEY.public_key())) == KEY.public_key()


# -- credential ids ----------------------------------------------------------------------------


def earlier_credential_id(award_id: str) -> str:
    """The rule as first written: base32-decode a generated id; hash any other (UUIDv8)."""
    generated = len(award_id) == 26 and all(c in BASE32 for c in award_id) and BASE32.index(award_id[-1]) % 4 == 0
    if generated:
        return f"urn:uuid:{uuid.UUID(bytes=base64.b32decode(award_id.upper() + '======'))}"
    raw = bytearray(hashlib.sha256(award_id.encode("utf-8")).digest()[:16])
    raw[6] = (raw[6] & 0x0F) | 0x80
    raw[8] = (raw[8] & 0x3F) | 0x80
    return f"urn:uuid:{uuid.UUID(bytes=bytes(raw))}"


def test_every_award_keeps_the_credential_id_it_was_first_issued_with() -> None:
    rng = random.Random(20)
    generated = ["".join(rng.choice(BASE32) for _ in range(26)) for _ in range(3000)]
    others = ["".join(rng.choice(BASE32 + "A09-_é\n") for _ in range(rng.choice((25, 26, 27)))) for _ in range(3000)]
    edges = ["a" * 26, "7" * 26, "a" * 25 + "4", "a" * 25 + "b", generated[0] + "\n", generated[0].upper(), ""]
    award = sample_district().earners[0].awards[0]
    for award_id in generated + others + edges:
        assert ob3.credential_id(dataclasses.replace(award, id=award_id)) == earlier_credential_id(award_id)


# -- delivery packages ---------------------------------------------------------------------------


def test_a_delivery_package_is_the_zip_that_zipfile_writes() -> None:
    entries = [
        ("2a3b4c5d6e7f2a3b4c5d6e7f2a.json", b'{"a":1}\n'),
        ("2a3b4c5d6e7f2a3b4c5d6e7f2a.png", bake.PNG_SIGNATURE + bytes(range(256)) * 40),
        ("empty.json", b""),
        ("kept-from-the-old-system-ñ.json", "é".encode()),  # a name zipfile flags as UTF-8
    ]
    package = stored_zip(entries)
    assert package == _zipfile_archive(entries)
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        assert archive.testzip() is None
        assert [(i.filename, archive.read(i)) for i in archive.infolist()] == entries
        for info in archive.infolist():
            # Stored, no clock in the output, made on Unix, readable by all.
            assert info.compress_type == zipfile.ZIP_STORED
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
            assert (info.create_system, info.external_attr >> 16) == (3, 0o644)
    assert stored_zip([]) == _zipfile_archive([])


def test_a_package_past_the_classic_zip_limits_is_still_a_zip() -> None:
    # More entries than the classic end record counts: zipfile writes the Zip64 records.
    entries = [(f"{n}.json", b"") for n in range(0x10000)]
    with zipfile.ZipFile(io.BytesIO(stored_zip(entries))) as archive:
        assert len(archive.infolist()) == 0x10000
        assert archive.infolist()[-1].filename == "65535.json"


# -- credentials -----------------------------------------------------------------------------


def test_credentials_made_with_shared_parts_are_those_made_one_by_one() -> None:
    district = sample_district()
    shared: ob3.SharedParts = {}
    for earner in district.earners:
        for award in earner.awards:
            credential = district.credentials[award.credential]
            alone = ob3.open_badge_credential(award, earner, credential, district, ISSUER, DID)
            assert ob3.open_badge_credential(award, earner, credential, district, ISSUER, DID, shared) == alone
    assert ("achievement", district.earners[0].awards[0].credential) in shared


def test_every_packaged_credential_is_the_one_signed_on_its_own(tmp_path: Path) -> None:
    """What earner_files packs (the JSON, and the PNG baked with it) is byte for byte what
    signing that one award's credential alone gives, and it verifies."""
    district = sample_district()
    signer = issue.Signer(SigningKey(KEY, "test"), DID, ContentCache(tmp_path, enabled=False))
    earners = [e for e in district.earners if e.awards]
    # The smallest PNG head bake_png takes: what matters here is what is baked into it.
    badges = {c.id: bake.PNG_SIGNATURE + b"\0\0\0\rIHDR" + bytes(17) for c in district.published}
    made = issue.earner_files(earners, district, ISSUER, signer, badges)
    checked = 0
    for earner, files in zip(earners, made, strict=True):
        (_, package), *_ = files.private
        archive = zipfile.ZipFile(io.BytesIO(package))
        for award in earner.awards:
            document = ob3.open_badge_credential(
                award, earner, district.credentials[award.credential], district, ISSUER, DID
            )
            expected = issue.json_bytes(ob3.sign(document, KEY, METHOD, document["validFrom"]))
            assert archive.read(f"{award.id}.json") == expected
            baked = archive.read(f"{award.id}.png")
            assert bake.unbake_png(baked, "openbadgecredential") == expected.decode().rstrip("\n")
            assert ob3.verify_proof(json.loads(expected), KEY.public_key())
            checked += 1
    assert checked == sum(len(e.awards) for e in earners) > 10


def test_remembered_proof_options_stand_only_for_the_same_options() -> None:
    district = sample_district()
    earner = next(e for e in district.earners if len(e.awards) >= 2)
    first, second = (
        ob3.open_badge_credential(a, earner, district.credentials[a.credential], district, ISSUER, DID)
        for a in earner.awards[:2]
    )
    # Two documents on each of two days: the second of a day signed with its options' hash remembered.
    days = ("2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z")
    signed = [ob3.sign(document, KEY, METHOD, day) for day in days for document in (first, second)]
    for document in signed:
        assert ob3.verify_proof(document, KEY.public_key())
    # A proof moved to another day no longer verifies, though that day's options are remembered.
    moved = copy.deepcopy(signed[0])
    moved["proof"][0]["created"] = "2024-02-01T00:00:00Z"
    assert not ob3.verify_proof(moved, KEY.public_key())
    # Nor does one naming another key, or made for another purpose.
    for field, value in (("verificationMethod", f"{DID}#other"), ("proofPurpose", "authentication")):
        changed = copy.deepcopy(signed[1])
        changed["proof"][0][field] = value
        assert not ob3.verify_proof(changed, KEY.public_key())


def test_a_document_with_an_undefined_term_is_refused_even_after_its_options_were_remembered() -> None:
    document = base_credential()
    ob3.sign(document, KEY, METHOD, "2024-01-01T00:00:00Z")
    document["credentialSubject"]["favouriteColour"] = "blue"
    with pytest.raises(ob3.SigningRefused, match="favouriteColour"):
        ob3.sign(document, KEY, METHOD, "2024-01-01T00:00:00Z")


# -- canonical forms -----------------------------------------------------------------------------


def test_the_signing_walk_reads_documents_as_the_template_walk_does() -> None:
    """Both walks must give one order of strings, or a template would be filled wrongly."""
    rng = random.Random(21)
    base = base_credential()
    for document in [base, *(random_document(rng, base) for _ in range(200))]:
        tokens: list[str] = []
        strings: list[str] = []
        fastcanon._walk(document, tokens, strings, None, ())
        assert fastcanon.walk(document) == (tuple(tokens), strings)


def test_a_string_seen_as_a_literal_is_not_taken_for_the_same_string_as_an_iri() -> None:
    # "ex:thing" is a fine narrative but not an IRI pyld keeps as it is: it must go to pyld.
    def with_evidence(narrative: str, url: str) -> dict[str, Any]:
        document = base_credential()
        document["evidence"][0].update({"id": url, "narrative": narrative})
        return document

    documents = [
        with_evidence("ex:thing", "https://example.org/1"),
        with_evidence("https://example.org/2", "ex:thing"),
        with_evidence("https://example.org/2", "https://example.org/2"),
        with_evidence("ex:thing", "https://example.org/1"),
    ]
    for document in documents * 2:
        assert fastcanon.canonical_nquads(document) == pyld(document)
    assert fastcanon.fast_canonical_nquads(documents[1]) is None


def test_a_full_memory_of_literal_terms_starts_again(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fastcanon, "MAX_LITERAL_SIZE", 2000)
    rng = random.Random(22)
    base = base_credential()
    for _ in range(40):
        document = random_document(rng, base)
        assert fastcanon.canonical_nquads(document) == pyld(document)
        walked = fastcanon.walk(document)
        assert walked is not None
        # Past the limit by one document's strings at most, never by more.
        assert fastcanon._literal_size <= 2000 + sum(len(text) + 64 for text in walked[1])
        assert sum(len(text) + 64 for text in fastcanon._literal_terms) == fastcanon._literal_size
