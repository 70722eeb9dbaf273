"""The pure stages, without MkDocs: a small district built in memory, and what the page data,
the people module and the Open Badges documents make of it.

Nothing here reads catalog/ or earners/ or runs a build: each test tells one user's story
about a district it can see whole, so a failure points at the stage that broke.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cairn.issue import files, ob2, ob3
from cairn.issue.keys import SigningKey
from cairn.model import (
    SECTIONS,
    Award,
    Credential,
    District,
    Duration,
    Earner,
    Evidence,
    Issuer,
    Revocation,
    Rubric,
    School,
    Section,
    Stack,
    Topic,
)
from cairn.pages import data, feeds
from cairn.people import Profile, experts_by_topic, profiles, shown_awards
from cairn.pipeline.cache import ContentCache
from cairn.urls import PATHS, Urls
from conftest import TEST_SIGNING_KEY

TODAY = dt.date(2025, 6, 1)  # the build date: what is expired is judged on it
SITE = "https://badges.example.org/pd/"  # under a path, so "under the site" means more than the host
ISSUER = Issuer(
    name="Riverside Unified School District",
    url="https://riverside.example.org/",
    email="badges@riverside.example.org",
    description="Micro-credentials for Riverside's educators.",
    site_url=SITE,
)
SHARING = data.Sharing(SITE, ISSUER.name)


# -- the district --------------------------------------------------------------------------


def award_id(tag: str) -> str:
    """A valid award id (26 lower-case base32 characters) that says which award it is."""
    assert set(tag) <= set("abcdefghijklmnopqrstuvwxyz234567"), tag
    return (tag + "a" * 26)[:26]


def salt(tag: str) -> str:
    return hashlib.md5(tag.encode()).hexdigest()  # 32 hex digits, as the loader wants


def credential(
    cid: str,
    stack: str,
    topics: tuple[str, ...],
    status: str = "active",
    expires_after: Duration | None = None,
) -> Credential:
    title = cid.replace("-", " ").title()
    sections = tuple(Section(name, name, f"{name} of {title}: what the earner shows.") for name in SECTIONS)
    return Credential(
        id=cid,
        title=title,
        summary=f"{title}, in one line.",
        stack=stack,
        level="foundational",
        topics=topics,
        estimated_hours=8,
        status=status,
        sections=sections,
        rubric=Rubric("Criterion", ("Developing", "Proficient"), (("Plan", ("Partial plan", "Complete plan")),)),
        body="\n\n".join(f"## {s.title}\n\n{s.markdown}" for s in sections),
        source=Path(f"catalog/{stack}/{cid}.md"),
        expires_after=expires_after,
    )


def award(
    tag: str,
    credential_id: str,
    issued: dt.date,
    *,
    status_index: int,
    revoked: Revocation | None = None,
    public: bool = True,
    expires: dt.date | None = None,
) -> Award:
    return Award(
        credential=credential_id,
        issued=issued,
        source=Path("earners/x.yml"),
        line=1,
        evidence=(Evidence("https://portfolio.example.org/" + tag, "A unit plan and student work."),),
        expires=expires,
        revoked=revoked,
        id=award_id(tag),
        salt=salt(tag),
        public=public,
        status_index=status_index,
    )


def earner(name: str, email: str, public: bool, school: str, slug: str | None, *awards: Award) -> Earner:
    return Earner(
        name=name,
        email=email,
        public=public,
        school=school,
        role="Teacher",
        bio=f"{name} teaches at Riverside.",
        awards=awards,
        source=Path(f"earners/{slug or 'someone'}.yml"),
        slug=slug,
    )


def make_district() -> District:
    credentials = [
        credential("pbl-launch", "pbl", ("pbl",), expires_after=Duration(2, "years")),
        credential("pbl-assess", "pbl", ("pbl",)),
        credential("pbl-exhibit", "pbl", ("pbl", "sel")),
        credential("pbl-legacy", "pbl", ("pbl",), status="retired"),
        credential("pbl-draft", "pbl", ("pbl",), status="draft"),
        credential("sel-circles", "sel", ("sel",)),
    ]
    order = [c.id for c in credentials]
    stacks = {
        "pbl": Stack(
            "pbl", "Project-Based Learning", "From launch to exhibition.", "#2a6f97", tuple(order[:5]), Path()
        ),
        "sel": Stack("sel", "Social-Emotional Learning", "Classroom community.", "#8f2d56", ("sel-circles",), Path()),
    }
    revocation = Revocation(dt.date(2025, 3, 1), "Evidence was not the earner's own work")
    earners = (
        # Public, with one award of each kind a profile must tell apart.
        earner(
            "Ada Lovelace",
            "Ada.Lovelace@Riverside.example.org",
            True,
            "lincoln",
            "ada-lovelace",
            award("adalaunch", "pbl-launch", dt.date(2021, 1, 10), status_index=1),  # expired in 2023
            award("adaassess", "pbl-assess", dt.date(2025, 2, 1), status_index=2),
            award("adalegacy", "pbl-legacy", dt.date(2022, 5, 5), status_index=3),  # a retired credential
            award("adaexhibit", "pbl-exhibit", dt.date(2025, 4, 1), status_index=4, public=False),
            award("adacircles", "sel-circles", dt.date(2024, 9, 1), status_index=5, revoked=revocation),
        ),
        # Never opted in: holds the whole PBL stack, so would top every list if shown.
        earner(
            "Priya Quietwater",
            "priya.quietwater@riverside.example.org",
            False,
            "lincoln",
            "priya-quietwater",
            award("priyalaunch", "pbl-launch", dt.date(2025, 1, 5), status_index=10),
            award("priyaassess", "pbl-assess", dt.date(2025, 1, 6), status_index=11),
            award("priyaexhibit", "pbl-exhibit", dt.date(2025, 1, 7), status_index=12),
            award("priyacircles", "sel-circles", dt.date(2024, 1, 7), status_index=13, revoked=revocation),
        ),
        # Public, holding only expired credentials on PBL: first by name, last by rank.
        earner(
            "Aaron Abbott",
            "aaron@riverside.example.org",
            True,
            "lincoln",
            "aaron-abbott",
            award("aaronlaunch", "pbl-launch", dt.date(2019, 3, 1), status_index=20),
            award("aaronlegacy", "pbl-legacy", dt.date(2019, 3, 2), status_index=21, expires=dt.date(2024, 3, 2)),
        ),
        # Public, one current PBL credential.
        earner(
            "Zoe Zimmer",
            "zoe@riverside.example.org",
            True,
            "lincoln",
            "zoe-zimmer",
            award("zoeassess", "pbl-assess", dt.date(2024, 8, 1), status_index=131_075),  # the second status list
        ),
        # Public, every active PBL credential: the stack is complete.
        earner(
            "Marisol Reyes",
            "marisol@riverside.example.org",
            True,
            "hayes",
            "marisol-reyes",
            award("marilaunch", "pbl-launch", dt.date(2025, 1, 1), status_index=30),
            award("mariassess", "pbl-assess", dt.date(2025, 2, 1), status_index=31),
            award("mariexhibit", "pbl-exhibit", dt.date(2025, 3, 1), status_index=32),
        ),
    )
    return District(
        topics={
            "pbl": Topic("pbl", "Project-Based Learning", "Students learn by working on real projects."),
            "sel": Topic("sel", "Social-Emotional Learning", "Self-awareness, relationships, decisions."),
        },
        stacks=stacks,
        credentials={c.id: c for c in credentials},
        schools={"lincoln": School("lincoln", "Lincoln Elementary"), "hayes": School("hayes", "Hayes Middle")},
        earners=earners,
    )


@pytest.fixture
def district() -> District:
    return make_district()


def person(district: District, name: str) -> Earner:
    return next(e for e in district.earners if e.name == name)


def find_award(district: District, tag: str) -> tuple[Earner, Award]:
    return next((e, a) for e in district.earners for a in e.awards if a.id == award_id(tag))


def profile_of(people: list[Profile], name: str) -> Profile:
    return next(p for p in people if p.earner.name == name)


def strings(value: Any, seen: set[int] | None = None, skip: tuple[type, ...] = ()) -> Iterator[str]:
    """Every string reachable from page data: dataclass fields (repr=False ones too, such as
    an earner's email), dict keys and values, sequence items; objects of the `skip` types left out."""
    seen = set() if seen is None else seen
    if isinstance(value, skip):
        return
    if isinstance(value, str):
        yield value
        return
    if value is None or isinstance(value, (bool, int, float, bytes, dt.date)):
        return
    if id(value) in seen:
        return
    seen.add(id(value))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from strings(getattr(value, f.name), seen, skip)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings(key, seen, skip)
            yield from strings(item, seen, skip)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            yield from strings(item, seen, skip)
    else:
        yield str(value)  # a Path, or a type this walk does not know: its text still counts


def everything_published(district: District, skip: tuple[type, ...] = ()) -> dict[str, list[str]]:
    """What the pure stages hand to templates and write as files, as text, by where it comes from."""
    people = profiles(district, TODAY)
    by_topic = experts_by_topic(district, people)
    urls = Urls(SITE)
    pages = [*data.site_pages(district, SHARING, people, by_topic), *(data.profile_page(p, SHARING) for p in people)]
    published = {
        page.src_uri: list(strings([page.title, page.description, page.markdown, page.tags, page.data], skip=skip))
        for page in pages
    }
    for page in data.standalone_pages(district, people, SHARING):
        published[page.path] = list(strings(page.context, skip=skip))
    published["home"] = list(strings(data.home_data(district), skip=skip))
    published["search"] = [s for p in people for s in strings(data.profile_search_entry(p), skip=skip)]
    published[PATHS.api_credentials()] = [json.dumps(feeds.credentials_feed(district, urls))]
    published[PATHS.api_experts()] = [json.dumps(feeds.experts_feed(by_topic, urls))]
    for path, content in files.verify_name_files(people, SITE):
        published[path] = [content.decode()]
    return published


# -- who appears where ---------------------------------------------------------------------


def test_an_earner_who_did_not_opt_in_appears_in_no_page_data_and_has_no_profile(district: District) -> None:
    priya = person(district, "Priya Quietwater")
    people = profiles(district, TODAY)
    assert "Priya Quietwater" not in [p.earner.name for p in people]
    assert "priya-quietwater" not in [p.slug for p in people]
    published = everything_published(district)
    # The walk reaches people: a public earner's name and award ids are found where expected.
    assert any("Ada Lovelace" in s for s in published[data.source_of(PATHS.earner("ada-lovelace"))])
    assert any(award_id("adaassess") in s for s in published[PATHS.verify_names(award_id("adaassess")[:2])])
    needles = {priya.name, priya.email, priya.slug or "", *(a.id or "" for a in priya.awards)}
    needles = {n.lower() for n in needles}
    found = {(where, n) for where, texts in published.items() for text in texts for n in needles if n in text.lower()}
    assert not found
    # Her awards still count, without naming her: four earners hold PBL Launch, three of them public.
    assert data.cards(district)["pbl-launch"].earners == 4


def test_a_public_profile_shows_neither_revoked_nor_hidden_awards(district: District) -> None:
    ada = profile_of(profiles(district, TODAY), "Ada Lovelace")
    page = data.profile_page(ada, SHARING)
    shown = [award_id(t) for t in ("adaassess", "adalegacy", "adalaunch")]  # newest first
    assert [b.award.id for b in ada.badges] == shown
    assert [a.id for a in shown_awards(ada.earner)] == [award_id(t) for t in ("adalaunch", "adaassess", "adalegacy")]
    assert list(page.data["shares"]) == shown
    assert page.src_uri == "earners/ada-lovelace/index.md"
    # Her revoked SEL badge gives her no SEL topic, and her hidden PBL Exhibit lists her nowhere.
    assert [t.id for t in ada.topics] == ["pbl"]
    # Templates get her whole Earner record (all her awards), and print its name, role and bio;
    # outside it, nothing a page or file is given points at a hidden or revoked award.
    published = everything_published(district, skip=(Earner,))
    assert any(award_id("adaassess") in t for t in published[data.source_of(PATHS.earner("ada-lovelace"))])
    for hidden in (award_id("adaexhibit"), award_id("adacircles")):
        assert not [where for where, texts in published.items() if any(hidden in t for t in texts)]
    pages = {p.src_uri: p for p in data.site_pages(district, SHARING, *_people_and_topics(district))}
    exhibit_holders = pages["credentials/pbl-exhibit/index.md"].data["holders"]
    assert [p.earner.name for p in exhibit_holders] == ["Marisol Reyes"]
    circles_holders = pages["credentials/sel-circles/index.md"].data["holders"]
    assert circles_holders == []


def _people_and_topics(district: District) -> tuple[list[Profile], list[Any]]:
    people = profiles(district, TODAY)
    return people, experts_by_topic(district, people)


# -- experts -------------------------------------------------------------------------------


def test_experts_on_a_topic_rank_current_credentials_before_expired_ones(district: District) -> None:
    by_topic = {entry.topic.id: entry for entry in experts_by_topic(district, profiles(district, TODAY))}
    pbl = by_topic["pbl"]
    ranked = [(e.profile.earner.name, e.current, e.expired, e.completed_stacks) for e in pbl.experts]
    assert ranked == [
        ("Marisol Reyes", 3, 0, 1),
        ("Ada Lovelace", 2, 1, 0),  # PBL Legacy never expires; PBL Launch did in January 2023
        ("Zoe Zimmer", 1, 0, 0),
        ("Aaron Abbott", 0, 2, 0),  # two credentials, both expired: below one current one
    ]
    # Grouped by school, each school's experts ranked alike; the topic page shows the ranking.
    assert [(s.name if s else None, [e.profile.earner.name for e in g]) for s, g in pbl.by_school] == [
        ("Hayes Middle", ["Marisol Reyes"]),
        ("Lincoln Elementary", ["Ada Lovelace", "Zoe Zimmer", "Aaron Abbott"]),
    ]
    pages = {p.src_uri: p for p in data.site_pages(district, SHARING, *_people_and_topics(district))}
    assert pages["topics/pbl/index.md"].data["experts"] == pbl.experts
    # Revoked and hidden awards make no one an SEL expert; Marisol's PBL Exhibit does.
    assert [e.profile.earner.name for e in by_topic["sel"].experts] == ["Marisol Reyes"]


def test_expired_is_judged_on_the_build_date(district: District) -> None:
    """In 2022 Aaron's PBL Launch (issued March 2019, valid 2 years) had expired; in 2020 it had not."""
    aaron = person(district, "Aaron Abbott")
    only_aaron = dataclasses.replace(district, earners=(aaron,))
    [then] = [e for e in experts_by_topic(only_aaron, profiles(only_aaron, dt.date(2020, 6, 1))) if e.topic.id == "pbl"]
    [now] = [e for e in experts_by_topic(only_aaron, profiles(only_aaron, TODAY)) if e.topic.id == "pbl"]
    assert [(e.current, e.expired) for e in then.experts] == [(2, 0)]
    assert [(e.current, e.expired) for e in now.experts] == [(0, 2)]
    badge = next(
        b for b in profile_of(profiles(district, TODAY), "Aaron Abbott").badges if b.credential.id == "pbl-launch"
    )
    assert (badge.expires, badge.expired) == (dt.date(2021, 3, 1), True)


# -- stacks --------------------------------------------------------------------------------


def test_a_profile_shows_stack_progress_as_n_of_m(district: District) -> None:
    people = profiles(district, TODAY)

    def progress(name: str) -> list[str]:
        page = data.profile_page(profile_of(people, name), SHARING)
        return [
            f"{p.stack.title}: {p.held} of {p.total}" + (" complete" if p.complete else "")
            for p in page.data["profile"].stacks
        ]

    # Ada: Launch (expired, still held) and Assess of the three active PBL credentials; her hidden
    # Exhibit does not count, the retired Legacy is not counted, the revoked SEL badge starts no stack.
    assert progress("Ada Lovelace") == ["Project-Based Learning: 2 of 3"]
    assert progress("Marisol Reyes") == ["Project-Based Learning: 3 of 3 complete"]
    assert progress("Aaron Abbott") == ["Project-Based Learning: 1 of 3"]
    # The stack page lists what it takes, drafts left out: the same four published credentials.
    pages = {p.src_uri: p for p in data.site_pages(district, SHARING, *_people_and_topics(district))}
    stack_cards = pages["stacks/pbl/index.md"].data["cards"]
    assert [(c.credential.id, c.position) for c in stack_cards] == [
        ("pbl-launch", 1),
        ("pbl-assess", 2),
        ("pbl-exhibit", 3),
        ("pbl-legacy", 4),
    ]


# -- Open Badges 2.0 -----------------------------------------------------------------------


def issued_files(district: District) -> dict[str, dict[str, Any]]:
    """The OB 2.0 files the build issues, parsed, by their path under site/."""
    made = list(files.ob2_shared_files(district, ISSUER))
    for someone in district.earners:
        made += files.ob2_award_files(district, ISSUER, someone)
    return {path: json.loads(content) for path, content in made}


def test_an_ob2_assertion_hashes_its_recipient_and_never_carries_the_email(district: District) -> None:
    documents = issued_files(district)
    assertion = documents[f"assertions/{award_id('adaassess')}.json"]
    expected = (
        "sha256$" + hashlib.sha256(("ada.lovelace@riverside.example.org" + salt("adaassess")).encode()).hexdigest()
    )
    assert assertion["recipient"] == {"type": "email", "hashed": True, "salt": salt("adaassess"), "identity": expected}
    assert assertion["issuedOn"] == "2025-02-01T00:00:00+00:00"
    assert assertion["evidence"] == [
        {
            "type": "Evidence",
            "id": "https://portfolio.example.org/adaassess",
            "narrative": "A unit plan and student work.",
        }
    ]
    # No earner's email, in any case, in any OB 2.0 file: assertions, BadgeClasses, issuer, revocations.
    text = json.dumps(documents).lower()
    assert [e.email for e in district.earners if e.email.lower() in text] == []
    assert documents["issuer.json"]["email"] == ISSUER.email  # the district's own contact address is


def test_ob2_urls_are_under_the_site_and_each_file_is_served_at_its_id(district: District) -> None:
    ada, assess = find_award(district, "adaassess")
    documents = issued_files(district)
    assertion = documents[PATHS.assertion(assess.id or "")]
    assert assertion["id"] == f"{SITE}assertions/{assess.id}.json" == Urls(SITE).assertion(assess.id or "")
    assert assertion["badge"] == f"{SITE}badges/pbl-assess.json" == Urls(SITE).badge_class("pbl-assess")
    assert assertion["image"] == f"{SITE}badges/pbl-assess.png"
    badge_class = documents[PATHS.badge_class("pbl-assess")]
    assert badge_class["id"] == assertion["badge"]
    assert badge_class["criteria"]["id"] == f"{SITE}credentials/pbl-assess/"
    assert badge_class["issuer"] == documents["issuer.json"]["id"] == f"{SITE}issuer.json"
    assert documents["issuer.json"]["revocationList"] == f"{SITE}revocations.json"
    # Every document with an id is served at it: the site's URL followed by its path.
    assert {path: d["id"] for path, d in documents.items()} == {path: SITE + path for path in documents}
    # Drafts get no BadgeClass; published credentials, retired ones included, do.
    assert sorted(p for p in documents if p.startswith("badges/")) == [
        f"badges/{c}.json" for c in ("pbl-assess", "pbl-exhibit", "pbl-launch", "pbl-legacy", "sel-circles")
    ]


def test_a_revoked_award_is_listed_with_its_date_and_reason_and_unlinked_from_the_email(district: District) -> None:
    documents = issued_files(district)
    revocations = documents[PATHS.revocations()]
    assert revocations["type"] == "RevocationList"
    assert revocations["issuer"] == f"{SITE}issuer.json"
    reason = f"Revoked on 2025-03-01: {ob2.PUBLIC_REVOCATION_REASON}"  # never the committee's reason
    assert revocations["revokedAssertions"] == sorted(
        [
            {"id": f"{SITE}assertions/{award_id('adacircles')}.json", "revocationReason": reason},
            {"id": f"{SITE}assertions/{award_id('priyacircles')}.json", "revocationReason": reason},
        ],
        key=lambda entry: entry["id"],
    )
    # The hosted assertion says so too, and keeps nothing else: no recipient, no evidence.
    ada, circles = find_award(district, "adacircles")
    revoked = documents[PATHS.assertion(circles.id or "")]
    assert (revoked["revoked"], revoked["revocationReason"]) == (True, reason)
    assert set(revoked) == {"@context", "type", "id", "revoked", "revocationReason"}
    # The list names no one.
    text = json.dumps(revocations).lower()
    assert not [e for e in district.earners if e.name.lower() in text or e.email.lower() in text]


# -- Open Badges 3.0 -----------------------------------------------------------------------


def ob3_credential(district: District, tag: str) -> dict[str, Any]:
    someone, chosen = find_award(district, tag)
    return ob3.open_badge_credential(
        chosen, someone, district.credentials[chosen.credential], district, ISSUER, ob3.did_web(SITE)
    )


def test_an_ob3_credential_carries_issue_date_status_entry_and_no_email(district: District) -> None:
    ada, assess = find_award(district, "adaassess")
    document = ob3_credential(district, "adaassess")
    assert document["validFrom"] == "2025-02-01T00:00:00Z"
    assert "validUntil" not in document  # PBL Assess does not expire
    assert document["issuer"]["id"] == "did:web:badges.example.org:pd"
    assert document["credentialSubject"]["achievement"]["id"] == f"{SITE}badges/pbl-assess.json"
    assert document["credentialStatus"] == {
        "id": f"{SITE}status/1.json#2",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "2",
        "statusListCredential": f"{SITE}status/1.json",
    }
    [identity] = document["credentialSubject"]["identifier"]
    assert identity["identityHash"] == ob2.hashed_recipient(ada.email, assess.salt or "")
    assert identity["identityHash"].startswith("sha256$") and identity["salt"] == assess.salt
    assert ada.email.lower() not in json.dumps(document).lower()
    # An index past the first list's 131,072 entries lands in the second list.
    zoe = ob3_credential(district, "zoeassess")["credentialStatus"]
    assert (zoe["statusListCredential"], zoe["statusListIndex"]) == (f"{SITE}status/2.json", "3")
    # An expiring credential's validUntil is its expiry.
    assert ob3_credential(district, "adalaunch")["validUntil"] == "2023-01-10T00:00:00Z"


def test_a_signed_ob3_credential_verifies_and_a_changed_one_does_not(district: District, tmp_path: Path) -> None:
    private = ob3.private_key_from_multibase(TEST_SIGNING_KEY)
    signer = files.Signer(SigningKey(private, "test"), ob3.did_web(SITE), ContentCache(tmp_path, enabled=False))
    document = ob3_credential(district, "adaassess")
    signed = signer.sign(document, document["validFrom"])
    [proof] = signed["proof"]
    assert proof["type"] == "DataIntegrityProof" and proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof["created"] == document["validFrom"]
    # A verifier finds the key through the issuer's DID document, as published.
    did_document = ob3.did_document(signer.did, [signer.key.public_multibase])
    method = next(m for m in did_document["verificationMethod"] if m["id"] == proof["verificationMethod"])
    assert proof["verificationMethod"] in did_document["assertionMethod"]
    public = ob3.public_key_from_multibase(method["publicKeyMultibase"])
    assert ob3.verify_proof(signed, public)

    changed = copy.deepcopy(signed)
    changed["credentialSubject"]["achievement"]["name"] = "PBL Mastery"
    assert not ob3.verify_proof(changed, public)
    backdated = {**signed, "validFrom": "2020-02-01T00:00:00Z"}
    assert not ob3.verify_proof(backdated, public)
    other_proof = {**signed, "proof": [{**proof, "created": "2020-02-01T00:00:00Z"}]}
    assert not ob3.verify_proof(other_proof, public)
    someone_else = ob3.public_key_from_multibase(ob3.public_multibase(ob3.Ed25519PrivateKey.generate().public_key()))
    assert not ob3.verify_proof(signed, someone_else)
    assert signed["credentialSubject"] == document["credentialSubject"]  # signing added a proof, nothing else
    assert json.dumps(signed).lower().count(person(district, "Ada Lovelace").email.lower()) == 0
