"""Every Open Badges 3.0 credential Cairn issues passes 1EdTech's official JSON Schema for an
AchievementCredential (committed in tests/schemas/: no network), milestones included: the
public /ob3/ copies and every credential in the earners' private packages."""

from __future__ import annotations

import copy
import json
import zipfile
from pathlib import Path

import pytest
from jsonschema import Draft201909Validator

SCHEMA = Path(__file__).parent / "schemas" / "ob_v3p0_achievementcredential.json"


@pytest.fixture(scope="module")
def validator() -> Draft201909Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    Draft201909Validator.check_schema(schema)
    return Draft201909Validator(schema)


def issued(sample_site: Path) -> dict[str, dict]:
    """Every signed credential of the sample's build, by where it was found."""
    found = {str(p.relative_to(sample_site)): json.loads(p.read_bytes()) for p in (sample_site / "ob3").glob("*.json")}
    for package in sorted((sample_site.parent / "build" / "credentials").glob("*.zip")):
        with zipfile.ZipFile(package) as opened:
            for name in opened.namelist():
                if name.endswith(".json"):
                    found[f"{package.name}:{name}"] = json.loads(opened.read(name))
    return found


def problems(validator: Draft201909Validator, document: dict) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


def test_every_credential_the_sample_issues_passes_the_official_schema(sample_site, validator) -> None:
    credentials = issued(sample_site)
    kinds = {c["credentialSubject"]["achievement"]["achievementType"] for c in credentials.values()}
    assert kinds == {"MicroCredential", "ext:Milestone"}, "micro-credentials and milestones are both checked"
    failing = {where: found for where, c in credentials.items() if (found := problems(validator, c))}
    assert not failing, json.dumps(failing, indent=1)[:3000]


def test_the_schema_check_can_fail(sample_site, validator) -> None:
    """The same check refuses a credential without an issuer or with an achievement type the
    schema does not know, so a pass above means something."""
    credential = next(iter(issued(sample_site).values()))
    without_issuer = copy.deepcopy(credential)
    del without_issuer["issuer"]
    assert problems(validator, without_issuer)
    wrong_type = copy.deepcopy(credential)
    wrong_type["credentialSubject"]["achievement"]["achievementType"] = "Milestone"  # not ext:Milestone
    assert problems(validator, wrong_type)
