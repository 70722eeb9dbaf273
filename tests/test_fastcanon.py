"""The fast canonicaliser gives pyld's RDFC-1.0 N-Quads byte for byte, and is fast where it can be."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import functools
import hashlib
import importlib.util
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cairn.issue import fastcanon, ob3
from cairn.model import Issuer
from cairn.sources.load import Sources, load_district
from conftest import REPO, TEST_SIGNING_KEY
from pyld import jsonld
from test_ob3 import ALUMNI, W3C_METHOD

Document = dict[str, Any]
ISSUER = Issuer(
    name="Sample District",
    url="https://district.example.org/",
    email="badges@example.org",
    description="A sample district.",
    site_url="http://127.0.0.1:8000/",
)
METHOD_KEY = ob3.public_multibase(ob3.private_key_from_multibase(TEST_SIGNING_KEY).public_key())


def pyld(document: Document) -> str:
    """The reference: pyld itself, as ob3.canonical_nquads calls it (not through fastcanon)."""
    return jsonld.normalize(
        document, {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": ob3.document_loader}
    )


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    fastcanon.clear_cache()
    for name in fastcanon.stats:
        fastcanon.stats[name] = 0


def district_documents(root: Path, issuer: Issuer = ISSUER) -> list[Document]:
    """Every award's credential and its proof options, as issue.ob3_files builds them, then
    two status list credentials."""
    district, problems = load_district(
        Sources(catalog=root / "catalog", earners=root / "earners", root=root), dt.date.today()
    )
    assert not problems.errors, problems.errors
    did = ob3.did_web(issuer.site_url)
    method = f"{did}#{METHOD_KEY}"
    documents = []
    for earner in district.earners:
        for award in earner.awards:
            credential = district.credentials[award.credential]
            document = ob3.open_badge_credential(award, earner, credential, district, issuer, did)
            documents += [document, ob3.proof_options(document, method, document["validFrom"])]
    for number, revoked in ((1, {0, 5, 131_071}), (2, set())):
        documents.append(
            ob3.status_list_credential(issuer.site_url, number, revoked, did, issuer.name, "2024-06-01T00:00:00Z")
        )
    return documents


def assert_all_fast_and_exact(documents: list[Document]) -> None:
    for document in documents:
        fast = fastcanon.fast_canonical_nquads(document)
        assert fast is not None, f"fell back on an ordinary document: {document.get('id')}"
        assert fast == pyld(document), document.get("id")


def test_every_sample_district_document_is_canonicalised_exactly_on_the_fast_path() -> None:
    documents = district_documents(REPO)
    assert len(documents) > 100
    assert_all_fast_and_exact(documents)
    # Another issuer: a site under a path, a port, no contact email.
    other = Issuer("Other ISD", "https://isd.example/", "", "About.", "https://host.example:8443/badges/")
    assert_all_fast_and_exact(district_documents(REPO, other))


@pytest.fixture(scope="module")
def generated_documents(tmp_path_factory: pytest.TempPathFactory) -> list[Document]:
    spec = importlib.util.spec_from_file_location("bench_generate", REPO / "bench" / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path_factory.mktemp("generated") / "district"
    module.generate(credentials=30, earners=200, awards=1500, seed=11, out=out)
    return district_documents(out)


def test_every_generated_district_document_is_canonicalised_exactly(generated_documents: list[Document]) -> None:
    assert len(generated_documents) > 2900
    results = [fastcanon.canonical_nquads(d) for d in generated_documents]
    assert results == [pyld(d) for d in generated_documents]
    # The fast path was taken: every document, with few shapes learnt.
    assert fastcanon.stats["slow"] == 0 and fastcanon.stats["fast"] == len(generated_documents)
    assert fastcanon.stats["shapes"] < 100


# -- hostile values ------------------------------------------------------------------------


@functools.cache
def sample_documents() -> list[Document]:
    return district_documents(REPO)


def base_credential() -> Document:
    """A real credential with every optional part: alignment, tags, evidence, validUntil."""
    document = copy.deepcopy(next(d for d in sample_documents() if "alignment" in str(d)))
    document["validUntil"] = "2027-05-31T00:00:00Z"
    achievement = document["credentialSubject"]["achievement"]
    achievement["tag"] = ["Formative assessment", "Classroom discourse"]
    achievement["alignment"] = [alignment(0), alignment(1)]
    document["evidence"] = [
        {"type": ["Evidence"], "id": "https://example.org/portfolio/1", "narrative": "Two lessons."},
        {"type": ["Evidence"], "narrative": "Observed by the coach."},
    ]
    return document


def alignment(number: int) -> Document:
    return {
        "type": ["Alignment"],
        "targetName": f"Standard {number}",
        "targetUrl": f"https://standards.example.org/{number}",
        "targetFramework": "Example Framework",
        "targetCode": f"{number}.a",
    }


def altered(document: Document, path: tuple[str | int, ...], value: Any) -> Document:
    changed = copy.deepcopy(document)
    target = changed
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return changed


ACHIEVEMENT = ("credentialSubject", "achievement")
LITERAL_PATHS: list[tuple[str | int, ...]] = [
    ("name",),
    ("validFrom",),
    ("issuer", "name"),
    ("issuer", "url"),
    ("credentialSubject", "identifier", 0, "identityHash"),
    ("credentialSubject", "identifier", 0, "salt"),
    (*ACHIEVEMENT, "name"),
    (*ACHIEVEMENT, "description"),
    (*ACHIEVEMENT, "criteria", "narrative"),
    (*ACHIEVEMENT, "tag", 0),
    (*ACHIEVEMENT, "alignment", 0, "targetName"),
    (*ACHIEVEMENT, "alignment", 1, "targetUrl"),
    ("evidence", 0, "narrative"),
    ("credentialStatus", "statusListIndex"),
]
IRI_PATHS: list[tuple[str | int, ...]] = [
    ("id",),
    ("issuer", "id"),
    (*ACHIEVEMENT, "id"),
    (*ACHIEVEMENT, "criteria", "id"),
    (*ACHIEVEMENT, "image", "id"),
    ("evidence", 0, "id"),
    ("credentialStatus", "id"),
    ("credentialStatus", "statusListCredential"),
]
CONTROL = "".join(chr(c) for c in range(0x20)) + "\x7f"
HOSTILE_STRINGS = {
    "quotes": "She said \"hello\" and 'bye'",
    "backslashes": "C:\\path\\to\\n\\file \\\\ \\",
    "escaped quote": '\\"',
    "newlines": "line one\nline two\n",
    "carriage returns": "a\rb\r\nc",
    "tabs": "a\tb\t",
    "control characters": CONTROL,
    "unicode separators": "\u2028\u2029\x85\xa0\ufeff",
    "non-ascii": "Nguyễn, Núñez, Siobhán, Œuvre, straße",
    "astral plane": "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🎓👩🏽‍🏫",
    "empty": "",
    "html": '<b>bold</b> &amp; <script>alert("x")</script>',
    "n-quads injection": '"^^<http://example.org/x> .\n<a> <b> <c> .',
    "datatype lookalike": '"^^<x>',
    "very long": "long " * 40_000,
    "marker text": "urn:cairn-slot:0",
    "blank node text": "_:b0",
    "compact iri text": "obi:x",
    "keyword text": "@id",
    "braces": "{0} {} {{",
}


@pytest.mark.parametrize("value", list(HOSTILE_STRINGS.values()), ids=list(HOSTILE_STRINGS))
def test_hostile_strings_in_literals_are_escaped_exactly_as_pyld_does(value: str) -> None:
    base = base_credential()
    assert fastcanon.fast_canonical_nquads(base) == pyld(base)
    for path in LITERAL_PATHS:
        document = altered(base, path, value)
        fast = fastcanon.fast_canonical_nquads(document)
        assert fast is not None, path  # literals never need pyld
        assert fast == pyld(document), path


PLAIN_IRIS = [
    "did:example:123456789abcdefghi",
    "https://example.org/a/b?c=d&e=f#g",
    "http://127.0.0.1:8000/x%20y/(z)",
    "urn:isbn:0451450523",
    "urn:cairn-slot:0",
    "https://purl.imsglobal.org/spec/vc/ob/vocab.html#Achievement",
]
UNUSUAL_IRIS = [
    "obi:x",
    "xsd:string",
    "schema:name",
    "_:b0",
    "_:c14n0",
    "relative/path",
    "",
    "https://exa mple.org/",
    "https://example.org/\n",
    "http://example.org/<y>",
    'http://example.org/"y"',
    "HTTP://EXAMPLE.ORG/",
    "https://例え.jp/",
    "mailto:someone@example.org",
    "id",
    "type",
    "Achievement",
    "name",
    "@id",
    "@vocab",
    "//example.org/x",
    "#fragment",
]


@pytest.mark.parametrize("value", PLAIN_IRIS)
def test_plain_absolute_iris_take_the_fast_path(value: str) -> None:
    base = base_credential()
    fastcanon.canonical_nquads(base)
    for path in IRI_PATHS:
        document = altered(base, path, value)
        fast = fastcanon.fast_canonical_nquads(document)
        assert fast is not None, path
        assert fast == pyld(document), path


@pytest.mark.parametrize("value", UNUSUAL_IRIS)
def test_iris_pyld_might_rewrite_go_to_pyld(value: str) -> None:
    base = base_credential()
    fastcanon.canonical_nquads(base)
    for path in IRI_PATHS:
        document = altered(base, path, value)
        assert fastcanon.fast_canonical_nquads(document) is None, path
        assert fastcanon.canonical_nquads(document) == pyld(document), path


def set_list(path: tuple[str | int, ...], items: list[Any]) -> Callable[[Document], Document]:
    return lambda document: altered(document, path, items)


def without(*path: str) -> Callable[[Document], Document]:
    def change(document: Document) -> Document:
        changed = copy.deepcopy(document)
        target = changed
        for step in path[:-1]:
            target = target[step]
        del target[path[-1]]
        return changed

    return change


STRUCTURAL_CHANGES: dict[str, Callable[[Document], Document]] = {
    "no validUntil": without("validUntil"),
    "no evidence": without("evidence"),
    "no alignment": without(*ACHIEVEMENT, "alignment"),
    "no tag": without(*ACHIEVEMENT, "tag"),
    "no credentialStatus": without("credentialStatus"),
    "no issuer email": without("issuer", "email"),
    "no achievement id": without(*ACHIEVEMENT, "id"),
    "no tags": set_list((*ACHIEVEMENT, "tag"), []),
    "one tag": set_list((*ACHIEVEMENT, "tag"), ["Literacy"]),
    "five tags": set_list((*ACHIEVEMENT, "tag"), [f"Topic {i}" for i in range(5)]),
    "no alignments": set_list((*ACHIEVEMENT, "alignment"), []),
    "one alignment": set_list((*ACHIEVEMENT, "alignment"), [alignment(7)]),
    "five alignments": set_list((*ACHIEVEMENT, "alignment"), [alignment(i) for i in range(5)]),
    "no evidence items": set_list(("evidence",), []),
    "one evidence item": set_list(("evidence",), [{"type": ["Evidence"], "narrative": "Only this."}]),
    "five evidence items": set_list(
        ("evidence",), [{"type": ["Evidence"], "id": f"https://example.org/e/{i}"} for i in range(5)]
    ),
    "five identifiers": set_list(
        ("credentialSubject", "identifier"),
        [
            {"type": "IdentityObject", "identityHash": f"h{i}", "identityType": "emailAddress", "hashed": i == 0}
            for i in range(5)
        ],
    ),
    "number name": lambda d: altered(d, ("name",), 5),
    "float name": lambda d: altered(d, ("name",), 1.5),
    "huge integer": lambda d: altered(d, ("name",), 10**22),
    "boolean name": lambda d: altered(d, ("name",), True),
    "null name": lambda d: altered(d, ("name",), None),
    "string hashed": lambda d: altered(d, ("credentialSubject", "identifier", 0, "hashed"), "true"),
    "number status index": lambda d: altered(d, ("credentialStatus", "statusListIndex"), 74),
    "numbers as tags": set_list((*ACHIEVEMENT, "tag"), [1, True, 1.0, "1"]),
    "an unknown term": lambda d: {**d, "nickname": "Al"},
    "a named graph (a signed proof)": lambda d: {
        **d,
        "proof": [{"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "proofValue": "z1"}],
    },
    "an inline context making did: a prefix": lambda d: {
        **d,
        "@context": [*d["@context"], {"did": "https://example.org/did-terms#"}],
    },
    "an inline context making urn: a prefix": lambda d: altered(
        {**d, "@context": [*d["@context"], {"urn": "https://example.org/urn-terms#"}]},
        ("evidence", 0, "id"),
        "urn:isbn:0451450523",
    ),
    "a context pyld refuses": lambda d: {**d, "@context": [*d["@context"], {"https://example.org/a": "urn:x:b"}]},
}


def outcome(canonicalise: Callable[[Document], str], document: Document) -> str:
    """The N-Quads, or the error pyld raised (fastcanon must raise the same one)."""
    try:
        return canonicalise(document)
    except jsonld.JsonLdError as error:
        return f"error: {error}"


@pytest.mark.parametrize("change", list(STRUCTURAL_CHANGES.values()), ids=list(STRUCTURAL_CHANGES))
def test_other_shapes_are_exact_too(change: Callable[[Document], Document]) -> None:
    document = change(base_credential())
    # Twice: the first call learns the shape, the second uses what was learnt.
    assert outcome(fastcanon.canonical_nquads, document) == outcome(pyld, document)
    assert outcome(fastcanon.canonical_nquads, document) == outcome(pyld, document)


def test_non_string_values_are_part_of_the_shape() -> None:
    base = base_credential()
    hashed = ("credentialSubject", "identifier", 0, "hashed")
    for value in (True, False, 1, 0, 1.0, None, "true"):
        for path in (hashed, ("name",)):
            document = altered(base, path, value)
            assert fastcanon.canonical_nquads(document) == pyld(document), (path, value)


def test_a_prefix_from_an_inline_context_is_not_taken_for_a_scheme() -> None:
    # Learnt with no did: IRI at all, so the template alone must know did: is now a prefix.
    context = [*ob3.CREDENTIAL_CONTEXT, {"did": "https://example.org/did-terms#"}]
    learnt = altered({**base_credential(), "@context": context}, ("issuer", "id"), "https://district.example.org/")
    assert fastcanon.fast_canonical_nquads(learnt) == pyld(learnt)
    document = altered(learnt, ("issuer", "id"), "did:web:district.example.org")
    assert fastcanon.fast_canonical_nquads(document) is None
    assert fastcanon.canonical_nquads(document) == pyld(document)
    assert "<https://example.org/did-terms#web:district.example.org>" in pyld(document)


def test_literals_pyld_rewrites_go_to_pyld() -> None:
    # pyld writes a string typed xsd:double as a canonical double, and @json as JSON text.
    terms = {
        "score": {"@id": "https://example.org/score", "@type": "http://www.w3.org/2001/XMLSchema#double"},
        "data": {"@id": "https://example.org/data", "@type": "@json"},
    }
    base = {**base_credential(), "@context": [*ob3.CREDENTIAL_CONTEXT, terms]}
    for key in terms:
        learnt = {**base, key: "not a number"}
        assert fastcanon.canonical_nquads(learnt) == pyld(learnt)
        for value in ("1.5", "1", "-0", "1e3", "x"):
            document = {**base, key: value}
            assert fastcanon.fast_canonical_nquads(document) is None, key
            assert fastcanon.canonical_nquads(document) == pyld(document), (key, value)


def test_a_template_that_does_not_reproduce_pyld_is_never_used(monkeypatch: pytest.MonkeyPatch) -> None:
    build = fastcanon.build_template

    def broken(document: Document) -> fastcanon.Template:
        template = build(document)
        return dataclasses.replace(template, quads=template.quads[1:])

    monkeypatch.setattr(fastcanon, "build_template", broken)
    base = base_credential()
    for name in ("Any name", "Another name"):
        document = altered(base, ("name",), name)
        assert fastcanon.fast_canonical_nquads(document) is None
        assert fastcanon.canonical_nquads(document) == pyld(document)


def test_lists_of_plain_shapes_take_the_fast_path() -> None:
    for name in ("no tags", "one tag", "five tags", "one alignment", "five alignments", "five evidence items"):
        document = STRUCTURAL_CHANGES[name](base_credential())
        assert fastcanon.fast_canonical_nquads(document) == pyld(document), name


def test_equal_tags_become_one_quad_as_in_pyld() -> None:
    base = base_credential()
    for tags in (["Same", "Same"], ["A", "B", "A"], ["", "", ""]):
        # Learn the shape from distinct tags, then give it equal ones.
        fastcanon.canonical_nquads(altered(base, (*ACHIEVEMENT, "tag"), [f"t{i}" for i in range(len(tags))]))
        document = altered(base, (*ACHIEVEMENT, "tag"), tags)
        fast = fastcanon.fast_canonical_nquads(document)
        assert fast is not None and fast == pyld(document), tags
        assert fast.count("<https://schema.org/keywords>") == len(set(tags))


def test_identical_blank_nodes_fall_back_to_pyld() -> None:
    base = base_credential()
    fastcanon.canonical_nquads(base)
    twins = altered(base, (*ACHIEVEMENT, "alignment"), [alignment(3), alignment(3)])
    assert fastcanon.fast_canonical_nquads(twins) is None  # equal first-degree hashes
    slow = fastcanon.stats["slow"]
    assert fastcanon.canonical_nquads(twins) == pyld(twins)
    assert fastcanon.stats["slow"] == slow + 1
    # The same shape with different alignments is fast again.
    assert fastcanon.fast_canonical_nquads(base) == pyld(base)


def test_quads_that_meet_by_chance_go_to_pyld() -> None:
    base = base_credential()
    fastcanon.canonical_nquads(base)
    # Two evidence items with one id are one node to pyld; equal ids elsewhere merge nodes.
    cases = [
        altered(base, ("evidence", 1, "narrative"), "Two lessons."),
        altered(altered(base, ("evidence", 0, "id"), base["id"]), ("evidence", 0, "narrative"), base["name"]),
        altered(base, (*ACHIEVEMENT, "image", "id"), base[ACHIEVEMENT[0]][ACHIEVEMENT[1]]["criteria"]["id"]),
    ]
    shared = {"type": ["Evidence"], "id": "https://example.org/same", "narrative": "Same."}
    cases.append(altered(base, ("evidence",), [shared, copy.deepcopy(shared)]))
    for document in cases:
        assert fastcanon.canonical_nquads(document) == pyld(document)
    assert fastcanon.fast_canonical_nquads(cases[-1]) is None


def test_vocabulary_terms_in_proof_options_are_part_of_the_shape() -> None:
    document = base_credential()
    method = f"{ob3.did_web(ISSUER.site_url)}#{METHOD_KEY}"
    for purpose in (
        "assertionMethod",
        "authentication",
        "https://w3id.org/security#assertionMethod",
        "capabilityInvocation",
        "notATerm",
        "obi:x",
        "urn:cairn-slot:0",
        "",
    ):
        options = {**ob3.proof_options(document, method, "2024-01-01T00:00:00Z"), "proofPurpose": purpose}
        assert fastcanon.canonical_nquads(options) == pyld(options), purpose
        assert fastcanon.canonical_nquads(options) == pyld(options), purpose
    options = ob3.proof_options(document, method, "2024-01-01T00:00:00Z")
    later = {**options, "created": "2025-02-03T04:05:06Z"}
    assert fastcanon.fast_canonical_nquads(later) == pyld(later)


def test_the_w3c_vc_di_eddsa_test_vector() -> None:
    for _ in range(2):  # learn, then use
        assert hashlib.sha256(fastcanon.canonical_nquads(ALUMNI).encode()).hexdigest() == (
            "517744132ae165a5349155bef0bb0cf2258fff99dfe1dbd914b938d775a36017"
        )
        options = ob3.proof_options(ALUMNI, W3C_METHOD, "2023-02-24T23:36:38Z")
        assert hashlib.sha256(fastcanon.canonical_nquads(options).encode()).hexdigest() == (
            "bea7b7acfbad0126b135104024a5f1733e705108f42d59668b05c0c50004c6b0"
        )
    assert fastcanon.stats["fast"] == 4


def test_ob3_canonical_nquads_is_the_reference() -> None:
    base = base_credential()
    assert ob3.canonical_nquads(base) == pyld(base) == fastcanon.pyld_canonical_nquads(base)


def test_a_full_cache_starts_again(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fastcanon, "MAX_SHAPES", 2)
    documents = [change(base_credential()) for change in list(STRUCTURAL_CHANGES.values())[:5]]
    for document in documents * 2:
        assert fastcanon.canonical_nquads(document) == pyld(document)
    assert len(fastcanon._shapes) <= 2


# -- randomised --------------------------------------------------------------------------------

ALPHABET = "abcXYZ 019\"'\\\n\r\t\x00\x01\x1f\x7f\x85\u2028éß€𝔘🎓<>{}&^@_:#/"
RANDOM_IRIS = PLAIN_IRIS + UNUSUAL_IRIS


def random_text(rng: random.Random) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.choice((0, 1, 3, 12, 40))))


def random_document(rng: random.Random, base: Document) -> Document:
    document = copy.deepcopy(base)
    achievement = document["credentialSubject"]["achievement"]
    pool = ["Literacy", "Literacy", "Sel", random_text(rng)]
    achievement["tag"] = [rng.choice(pool) for _ in range(rng.choice((0, 1, 2, 5)))]
    # Now and then two equal alignments: equal blank nodes, which only pyld can order.
    achievement["alignment"] = [alignment(rng.randrange(12)) for _ in range(rng.choice((0, 1, 2, 3)))]
    document["evidence"] = document["evidence"][: rng.randrange(3)]
    if rng.random() < 0.3:
        del document["validUntil"]
    for path in LITERAL_PATHS:
        if rng.random() < 0.5:
            try:
                document = altered(document, path, random_text(rng))
            except (IndexError, KeyError):
                pass  # that list is shorter in this document
    for path in IRI_PATHS:
        if rng.random() < 0.08:
            try:
                document = altered(document, path, rng.choice(RANDOM_IRIS))
            except (IndexError, KeyError):
                pass
    return document


def test_random_documents_are_canonicalised_exactly() -> None:
    rng = random.Random(20240611)
    base = base_credential()
    fast = 0
    for _ in range(300):
        document = random_document(rng, base)
        expected = pyld(document)
        assert fastcanon.canonical_nquads(document) == expected, document
        fast += fastcanon.fast_canonical_nquads(document) is not None
    assert 150 < fast < 300  # most documents, not all, were on the fast path
