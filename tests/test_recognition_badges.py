"""What a credential counts for travels in its Open Badges files: an OB 3.0 achievement says
whether it is a micro-credential or a milestone and how many credits it is worth; an OB 2.0
BadgeClass says the same in its tags and criteria; a milestone's files say how it is earned.
Nothing of money and nothing of a private scheme reaches them: they are public, and they are
delivered to earners. A changed scheme reaches every file that shows it on the next build."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from cairn.issue import ob2, ob3
from cairn.model import District, Issuer
from cairn.pipeline.cache import CatalogDigests
from cairn.sources.load import Sources, load_district
from cairn.urls import Urls
from conftest import REPO, copy_project, run_cli, unpack_credentials
from test_rebuild import fresh_build_of, tree

SITE = "https://badges.example.org/pd/"
ISSUER = Issuer("Maple Valley USD", "https://example.org/", "pd@example.org", "The district.", SITE)

# The official Open Badges 3.0 JSON Schema (1EdTech, ob_v3p0_achievementcredential_schema.json,
# $defs/Achievement/properties/achievementType): one of its enumeration, or an extension that
# follows its naming convention. No package ships the schema (tests/referee/ob3/README.md).
ACHIEVEMENT_TYPES = (
    "Achievement ApprenticeshipCertificate Assessment Assignment AssociateDegree Award Badge BachelorDegree "
    "Certificate CertificateOfCompletion Certification CommunityService Competency Course CoCurricular Degree "
    "Diploma DoctoralDegree Fieldwork GeneralEducationDevelopment JourneymanCertificate LearningProgram License "
    "Membership ProfessionalDoctorate QualityAssuranceCredential MasterCertificate MasterDegree MicroCredential "
    "ResearchDoctorate SecondarySchoolDiploma"
).split()
EXTENSION_TYPE = re.compile(r"(ext:)[a-z|A-Z|0-9|.|-|_]+")


def district_of(project: Path) -> District:
    district, problems = load_district(Sources(project / "catalog", project / "earners", project), dt.date.today())
    assert not problems.errors, [str(p) for p in problems.errors]
    return district


@pytest.fixture(scope="module")
def sample() -> District:
    return district_of(REPO)


def achievement(district: District, credential_id: str) -> dict[str, Any]:
    """The achievement of the first award of the credential, as its OB 3.0 credential carries it."""
    earner, award = next((e, a) for e in district.earners for a in e.awards if a.credential == credential_id)
    credential = district.credentials[credential_id]
    document = ob3.open_badge_credential(award, earner, credential, district, ISSUER, ob3.did_web(SITE))
    assert not ob3.undefined_terms(document)  # every term is one the OB 3.0 context defines
    return document["credentialSubject"]["achievement"]


def badge_class(district: District, credential_id: str) -> dict[str, Any]:
    return ob2.badge_class(district.credentials[credential_id], district, Urls(SITE))


def links(project: Path) -> list[dict[str, str]]:
    with open(project / "build" / "award-links.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# -- Open Badges 3.0 ------------------------------------------------------------------------


def test_a_micro_credential_says_so_and_carries_the_ceus_it_is_worth(sample: District) -> None:
    hinge = achievement(sample, "hinge-questions")  # proficient, 15 hours: 1.5 CEU, 50 points, $400
    assert hinge["achievementType"] == "MicroCredential"
    assert hinge["creditsAvailable"] == 1.5
    assert hinge["criteria"]["narrative"].endswith("\n\nCounts for: 1.5 CEU · 50 points")
    # A whole number of credits is written as one (1, not 1.0): JSON-LD signs 1.0 from Python as
    # "1.0E0" and 1 from JavaScript as "1", and the referee's signature check would fail.
    wait_time = achievement(sample, "wait-time")
    assert json.dumps(wait_time["creditsAvailable"]) == "1"


def test_a_milestone_says_it_is_one_and_how_it_is_earned(sample: District) -> None:
    associate = achievement(sample, "district-associate")
    assert associate["achievementType"] == "ext:Milestone"
    assert associate["criteria"]["narrative"] == "Earned by reaching 150 District degree points."
    assert "creditsAvailable" not in associate  # a milestone earns only what its own spec says
    practitioner = achievement(sample, "formative-assessment-practitioner")
    assert practitioner["criteria"]["narrative"] == (
        "Earned by holding any 5 credentials of the Formative Assessment stack, current on the same day."
    )


def test_every_achievement_type_is_one_the_official_schema_accepts(sample: District) -> None:
    types = {achievement(sample, c.id)["achievementType"] for c in sample.published if sample.earner_count(c.id)}
    assert types == {"MicroCredential", "ext:Milestone"}
    assert all(t in ACHIEVEMENT_TYPES or EXTENSION_TYPE.search(t) for t in types)


# -- Open Badges 2.0 ------------------------------------------------------------------------


def test_a_badge_class_tags_and_states_what_the_credential_counts_for(sample: District) -> None:
    hinge = badge_class(sample, "hinge-questions")
    assert hinge["tags"] == ["Formative assessment", "Classroom discourse", "micro-credential", "1.5 CEU", "50 points"]
    assert hinge["criteria"]["narrative"].startswith("## Submission Criteria\n\n")
    assert hinge["criteria"]["narrative"].endswith("\n\nCounts for: 1.5 CEU · 50 points\n")


def test_a_milestones_badge_class_states_its_rule(sample: District) -> None:
    bachelor = badge_class(sample, "district-bachelor")
    assert bachelor["tags"] == ["milestone"]
    assert bachelor["criteria"]["narrative"] == "Earned by reaching 300 District degree points.\n"
    practitioner = badge_class(sample, "formative-assessment-practitioner")
    assert practitioner["tags"] == ["Formative assessment", "milestone"]
    assert "any 5 credentials of the Formative Assessment stack" in practitioner["criteria"]["narrative"]


# -- What never reaches them ----------------------------------------------------------------


def test_pay_is_never_in_a_badge_file_though_the_catalog_shows_it(sample: District) -> None:
    """The base-pay scheme is `show: catalog`, but a badge file is about a person: the BadgeClass
    is what a verifier shows beside an earner's assertion, and the achievement is inside their
    credential. Together they would say what that person is paid."""
    for credential in sample.published:
        files = [badge_class(sample, credential.id)]
        if sample.earner_count(credential.id):
            files.append(achievement(sample, credential.id))
        text = json.dumps(files)
        assert "USD" not in text and "Base-pay" not in text and "pay" not in json.dumps(files[0]["tags"])


def test_a_private_scheme_is_in_no_badge_file_and_the_next_credits_scheme_gives_the_credits(
    tmp_path: Path,
) -> None:
    """The committee keeps CEUs private and adds state licensure hours to the catalog: the credits
    an achievement carries are the first credits scheme the catalog shows, in file order."""
    project = copy_project(tmp_path / "district")
    recognition = project / "catalog" / "_recognition.yml"
    edit(recognition, "per_hour: 0.1\n  show: profiles", "per_hour: 0.1\n  show: private")
    text = recognition.read_text(encoding="utf-8")
    licensure = "- id: hours\n  label: Licensure hours\n  kind: credits\n  unit: hours\n  per_hour: 1\n"
    licensure += "  show: catalog\n"
    recognition.write_text(text + "\n" + licensure, encoding="utf-8")
    district = district_of(project)

    hinge = achievement(district, "hinge-questions")
    assert hinge["creditsAvailable"] == 15
    assert hinge["criteria"]["narrative"].endswith("Counts for: 50 points · 15 hours")
    assert badge_class(district, "hinge-questions")["tags"][-2:] == ["50 points", "15 hours"]
    for credential in district.published:
        assert "CEU" not in json.dumps(badge_class(district, credential.id))


def test_a_milestone_of_a_private_scheme_does_not_tell_its_threshold(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "district")
    points = "    advanced: 75\n  show: "
    edit(project / "catalog" / "_recognition.yml", points + "profiles", points + "private")
    district = district_of(project)
    narrative = badge_class(district, "district-associate")["criteria"]["narrative"]
    assert narrative == "Earned by reaching a total of points the district sets.\n"
    assert achievement(district, "district-associate")["criteria"]["narrative"] == narrative.strip()


# -- The built site ---------------------------------------------------------------------------


def test_the_built_badge_files_carry_no_money(sample_site: Path) -> None:
    project = sample_site.parent
    files = [*sample_site.glob("badges/*.json"), *sample_site.glob("ob3/*.json")]
    files += unpack_credentials(project).glob("*.json")
    assert len(files) > 100
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert "USD" not in text and "Base-pay" not in text, path


def test_a_changed_scheme_reaches_the_badge_files_and_pages_that_show_it(project: Path, tmp_path: Path) -> None:
    """The committee doubles the CEUs per hour: on the next build the BadgeClass and every signed
    credential of a credential worth CEUs say so, and the whole site is what a fresh build of the
    same files gives (profiles show CEU totals)."""
    assert run_cli(project, "build") == 0
    award = next(r for r in links(project) if r["credential_id"] == "hinge-questions" and r["ob3_credential_url"])
    public = project / "site" / "ob3" / award["ob3_credential_file"]  # an award on a public profile
    assert json.loads(public.read_text("utf-8"))["credentialSubject"]["achievement"]["creditsAvailable"] == 1.5

    edit(project / "catalog" / "_recognition.yml", "per_hour: 0.1", "per_hour: 0.2")
    assert run_cli(project, "build") == 0

    badge = json.loads((project / "site" / "badges" / "hinge-questions.json").read_text("utf-8"))
    assert "3 CEU" in badge["tags"]
    for signed in (public, unpack_credentials(project) / public.name):
        assert json.loads(signed.read_text("utf-8"))["credentialSubject"]["achievement"]["creditsAvailable"] == 3
    assert tree(project / "site") == fresh_build_of(project, tmp_path / "fresh")


def test_a_changed_pay_amount_leaves_every_badge_file_as_it_was(project: Path) -> None:
    """Pay is in no badge file, so a new pay table re-signs nothing."""
    assert run_cli(project, "build") == 0
    before = {p.name: p.read_bytes() for p in unpack_credentials(project).glob("*.json")}
    badges = {p.name: p.read_bytes() for p in (project / "site" / "badges").glob("*.json")}
    edit(project / "catalog" / "_recognition.yml", "proficient: 400", "proficient: 450")
    assert run_cli(project, "build") == 0
    assert {p.name: p.read_bytes() for p in unpack_credentials(project).glob("*.json")} == before
    assert {p.name: p.read_bytes() for p in (project / "site" / "badges").glob("*.json")} == badges


def test_a_new_threshold_remakes_every_public_profile_and_a_new_pay_table_none(project: Path) -> None:
    """Every profile shows the next milestone of each scheme profiles show ("140 of 300 points
    toward District Bachelor"); none shows pay. What a profile is made from says so."""
    recognition = project / "catalog" / "_recognition.yml"

    def profile_digests() -> list[str]:
        district = district_of(project)
        digests = CatalogDigests(district, {})
        return [digests.for_profile(e) for e in district.earners]

    before = profile_digests()
    edit(recognition, "proficient: 400", "proficient: 450")
    assert profile_digests() == before
    edit(recognition, "at: 300", "at: 320")
    after = profile_digests()
    assert all(a != b for a, b in zip(after, before, strict=True))
