"""Award ids typed into earner files by the committee: ids copied from an earlier system, ids
made up by hand, ids that differ only where the Open Badges 3.0 id used to stop reading.

`check` must accept exactly the ids the build can use, refuse the ones that would break the
promise that an assertion URL cannot be guessed (each with file, line and what to do), and keep
an explicit way to carry over an id an earlier system already published. No two awards may share
an Open Badges 3.0 credential id, and no published one may change.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import uuid
from pathlib import Path

import yaml
from conftest import REPO, run_cli, unpack_credentials

SALT = "00112233445566778899aabbccddeeff"
NEXT_INDEX = "# reserved by the test\nnext_index: 100000\n"


def write_earner(project: Path, *ids: str, legacy: tuple[str, ...] = ()) -> Path:
    """A new earner whose awards carry the given ids, written as a committee member would;
    the ids in `legacy` are marked as kept from an earlier system."""
    awards = "".join(
        f"  - credential: wait-time\n    issued: 2024-05-01\n    id: {award_id}\n"
        + ("    id_legacy: true\n" if award_id in legacy else "")
        + f"    salt: {SALT[:-2]}{n:02d}\n    status_index: {90000 + n}\n"
        for n, award_id in enumerate(ids)
    )
    path = project / "earners" / "new-hire.yml"
    path.write_text(f"name: New Hire\nemail: new.hire@example.org\nawards:\n{awards}", encoding="utf-8")
    (project / "earners" / "_status-list.yml").write_text(NEXT_INDEX, encoding="utf-8")
    return path


def line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1) if needle in line)


def ob3_ids(project: Path) -> dict[str, str]:
    """award id -> the `id` of its signed Open Badges 3.0 credential, from the private packages."""
    unpacked = unpack_credentials(project)
    return {p.stem: json.loads(p.read_text(encoding="utf-8"))["id"] for p in unpacked.glob("*.json")}


def todays_ob3_id(award_id: str) -> str:
    """How credential ids were derived until now (the first 16 bytes of the base32-decoded id)."""
    raw = base64.b32decode(award_id.upper() + "=" * (-len(award_id) % 8))
    return f"urn:uuid:{uuid.UUID(bytes=raw[:16].ljust(16, bytes(1)))}"


def test_an_id_from_an_earlier_system_is_refused_by_check_not_by_a_crash_in_build(project: Path, capsys) -> None:
    """A legacy id, a UUID and a 26-character id with digits base32 lacks used to pass `check`,
    then stop the build late with a binascii traceback."""
    for award_id in ("legacy-2019-ana-0001", "3f2504e0-4f89-11d3-9a0c-0305e82c3301", "0123456789abcdefghijklmnop"):
        path = write_earner(project, award_id)
        capsys.readouterr()

        assert run_cli(project, "check") == 1, award_id
        report = capsys.readouterr().err
        line = line_of(path, f"id: {award_id}")
        assert f"earners/new-hire.yml:{line}: award id '{award_id}' is not one Cairn makes" in report, report
        assert "python build.py ids" in report and "id_legacy: true" in report, report

        assert run_cli(project, "build") == 1, award_id
        report = capsys.readouterr().err
        assert "Traceback" not in report and "binascii" not in report, report
        assert f"earners/new-hire.yml:{line}:" in report


def test_a_legacy_id_kept_with_id_legacy_true_keeps_its_url(project: Path, capsys) -> None:
    """The documented way to keep an id an earlier system published: the URL stays the same, and
    the credential id comes from the whole id."""
    legacy = "legacy-2019-ana-0001"
    write_earner(project, legacy, legacy=(legacy,))
    capsys.readouterr()

    assert run_cli(project, "build") == 0, capsys.readouterr().err

    site_url = re.search(r"^site_url:\s*(\S+)", (project / "mkdocs.yml").read_text(encoding="utf-8"), re.M)[1]
    assertion = json.loads((project / "site" / "assertions" / f"{legacy}.json").read_text(encoding="utf-8"))
    assert assertion["id"] == f"{site_url}assertions/{legacy}.json"
    raw = bytearray(hashlib.sha256(legacy.encode("utf-8")).digest()[:16])  # a UUIDv8 of the whole id
    raw[6], raw[8] = (raw[6] & 0x0F) | 0x80, (raw[8] & 0x3F) | 0x80
    assert ob3_ids(project)[legacy] == f"urn:uuid:{uuid.UUID(bytes=bytes(raw))}"
    # An id marked legacy still has to be a safe file name and URL part.
    unsafe = "Legacy/../../x-2019-0001-aaaa"
    write_earner(project, unsafe, legacy=(unsafe,))
    capsys.readouterr()
    assert run_cli(project, "check") == 1
    assert "is not valid" in capsys.readouterr().err


def test_no_two_awards_share_an_ob3_id_and_no_published_one_changes(project: Path, capsys) -> None:
    """Ids that agree on their first 26 characters, or differ only in the last character's two
    unused bits, used to get one urn:uuid between them."""
    generated = "kn5ssgjokjhntgiijydjxlrc3i"  # an id `build.py ids` wrote (from the sample)
    twins = [generated[:-1] + "j", generated[:-1] + "k"]  # same first 128 bits, both accepted today
    longer = [generated + "aaaaaa", generated + "bbbbbb"]  # 32 characters, the same first 16 bytes
    write_earner(project, *twins, *longer, legacy=tuple(longer))
    capsys.readouterr()

    assert run_cli(project, "build") == 0, capsys.readouterr().err

    ids = ob3_ids(project)
    made = [ids[a] for a in (*twins, *longer)]
    assert len(set(made)) == 4, made
    assert len(set(ids.values())) == len(ids), "two awards share one Open Badges 3.0 id"
    # Every id in the sample was made by `build.py ids`: its published credential id is unchanged.
    for path in sorted((REPO / "earners").glob("[!_]*.yml")):
        for award in yaml.safe_load(path.read_text(encoding="utf-8"))["awards"]:
            assert ids[award["id"]] == todays_ob3_id(award["id"]), award["id"]


def test_hand_written_ids_without_randomness_are_refused(project: Path, capsys) -> None:
    """An assertion URL of an earner who is not public is listed nowhere: only chance keeps it
    private, so an id must carry the randomness `build.py ids` puts in. The ids a person types
    are refused; 300 ids that `build.py ids` makes all pass."""
    typed = [
        "aaaaaaaaaaaaaaaaaaaa",
        "aaaaaaaaaaaaaaaaaaaaaaaaaa",
        "abcdefghijklmnopqrstuvwxyz",
        "plantedplantedplantedplant",
        "aabbccddeeffgghhiijjkkllmm",
        "zyxwvutsrqponmlkjihgfedcba",
        "ab2ab2ab2ab2ab2ab2ab2ab2ab",
    ]
    path = write_earner(project, *typed)
    capsys.readouterr()

    assert run_cli(project, "check") == 1
    report = capsys.readouterr().err
    for award_id in typed:
        line = line_of(path, f"id: {award_id}")
        found = [r for r in report.splitlines() if r.startswith(f"earners/new-hire.yml:{line}: award id '{award_id}'")]
        assert found and "python build.py ids" in found[0], (award_id, report)

    many = "".join(f"  - credential: exit-tickets\n    issued: 2024-05-{1 + n % 28:02d}\n" for n in range(300))
    path.write_text(f"name: New Hire\nemail: new.hire@example.org\nawards:\n{many}", encoding="utf-8")
    assert run_cli(project, "ids") == 0
    made = [a["id"] for a in yaml.safe_load(path.read_text(encoding="utf-8"))["awards"]]
    assert len(set(made)) == 300 and all(re.fullmatch(r"[a-z2-7]{26}", a) for a in made)
    capsys.readouterr()
    assert run_cli(project, "check") == 0, capsys.readouterr().err
