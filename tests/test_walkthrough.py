"""README's walk-through (issue 16, "Done when"): a new district, from an empty folder, gets a
key, approves its example credential, lists its schools, imports a 200-row spreadsheet with 5
wrong cells (all 5 reported at once, nothing written), fixes them, imports, checks and builds.
Every step is what a committee member types: a real `python build.py` process in the
district's own folder, and the hand edits the README asks for made as text edits."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import yaml
from conftest import REPO
from openpyxl import Workbook

FIRST = ["Ana", "Ben", "Chloe", "Dev", "Elif", "Femi", "Grace", "Hiro", "Ines", "Jonas"]
FIRST += ["Kofi", "Lena", "Marta", "Nils", "Omar", "Priya", "Quinn", "Rosa", "Sami", "Tariq"]
LAST = ["Ruiz", "Okafor", "Nguyen", "Haddad", "Kowalski", "Tanaka", "Mensah", "Fischer", "Lindqvist", "Moreau"]
HEADINGS = ["Timestamp", "Full Name", "Email Address", "School", "Role", "Micro-credential", "Date Issued"]
HEADINGS += ["Evidence Link", "Evidence Narrative", "Expires", "Public Profile"]
# What the committee types into earners/_schools.yml, in place of its `{}`: the file's own
# commented example, filled in.
SCHOOLS = """\
lincoln-ms:
  name: Lincoln Middle School
cesar-chavez-es:
  name: César Chávez Elementary School
pine-ridge-hs:
  name: Pine Ridge High School
"""
# How a committee's sheet names them: by id or by name.
SCHOOL_CELLS = ["lincoln-ms", "César Chávez Elementary School", "Pine Ridge High School", "", "pine-ridge-hs"]


def cairn(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`python build.py ARGS` typed in folder, with no signing key in the environment (the
    district's own key is the one `python build.py key` makes)."""
    environment = {k: v for k, v in os.environ.items() if k != "CAIRN_SIGNING_KEY"}
    environment["PYTHONPATH"] = str(REPO / "plugins")
    return subprocess.run(
        [sys.executable, "build.py", *args],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{path.name} no longer holds {old!r}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def awards_sheet() -> list[list[object]]:
    """This year's approvals: 200 teachers, one Wait Time award each, typed the way a form
    export and a committee's hands type them (the id or the title, date cells or ISO text)."""
    rows: list[list[object]] = []
    for n in range(200):
        first, last = FIRST[n % 20], LAST[n // 20]
        issued = dt.date(2025, 1 + n % 12, 1 + n % 28)
        rows.append(
            [
                f"2025-{1 + n % 12:02d}-01 09:{n % 60:02d}",  # the form's timestamp: skipped
                f"{first} {last}",
                f"{first.lower()}.{last.lower()}@pineridge.org",
                SCHOOL_CELLS[n % 5],
                ["Grade 4 teacher", "Science teacher", ""][n % 3],
                ["wait-time", "Wait Time", "WAIT TIME"][n % 3],
                issued if n % 2 else issued.isoformat(),
                f"https://portfolio.pineridge.org/{n}" if n % 4 else "",
                "Two lessons, with an observer's tally sheet." if n % 4 == 0 else "",
                (issued + dt.timedelta(days=2 * 365)).isoformat() if n % 10 == 3 else "",
                ["yes", "no", "", "Yes", "n"][n % 7 % 5],
            ]
        )
    return rows


def write_xlsx(path: Path, rows: list[list[object]]) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADINGS)
    for row in rows:
        sheet.append(row)
    book.save(path)


def earner_files(district: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((district / "earners").iterdir())}


def everything_in(site: Path) -> bytes:
    return b"\n".join(p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file())


def test_a_new_district_imports_its_spreadsheet_and_publishes_it(tmp_path: Path) -> None:
    # From an empty folder, with Cairn installed from its checkout: its `cairn` command.
    command = Path(sys.executable).parent / "cairn"
    assert command.exists(), f"{command} is missing: pip install -e {REPO} (make test does)"
    init = subprocess.run(
        [str(command), "init", "pine-ridge", "--name", "Pine Ridge USD"]
        + ["--site-url", "https://badges.pineridge.org/", "--issuer-email", "pd@pineridge.org"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO / "plugins")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert init.returncode == 0, init.stderr
    district = tmp_path / "pine-ridge"
    key = cairn(district, "key")
    assert key.returncode == 0, key.stderr
    assert "public key: z6Mk" in key.stdout and (district / "keys" / "ob3-signing-key.pem").is_file()

    # The sheet arrives before the committee has approved anything: every row is refused, each
    # with what to do, and nothing is written.
    rows = awards_sheet()
    write_xlsx(district / "awards.xlsx", rows)
    refused = cairn(district, "import", "awards.xlsx")
    assert refused.returncode == 1
    first_row = [line for line in refused.stderr.splitlines() if line.startswith("awards.xlsx:2: ")]
    assert len(first_row) == 2, refused.stderr
    assert first_row[0].startswith(
        "awards.xlsx:2: School: unknown school 'lincoln-ms' "
        "(use a school's id or name from earners/_schools.yml, or add it there"
    )
    assert first_row[1].startswith(
        "awards.xlsx:2: Micro-credential: 'wait-time' is a draft and cannot be awarded "
        "(set 'status: active' in its spec first"
    )
    assert earner_files(district) == {"_schools.yml": (district / "earners" / "_schools.yml").read_bytes()}

    # The hand edits: approve the example credential, list the district's schools.
    edit(district / "catalog" / "formative-assessment" / "wait-time.md", "\nstatus: draft\n", "\nstatus: active\n")
    edit(district / "earners" / "_schools.yml", "\n{}\n", "\n" + SCHOOLS)
    checked = cairn(district, "check")
    assert checked.returncode == 0 and "ok: 1 credentials, 0 earners" in checked.stderr, checked.stderr

    # Five wrong cells, of five kinds: all reported at once, at their sheet row and heading.
    good = [list(row) for row in rows]
    rows[10][5] = "Wait Tme"  # sheet row 12
    rows[46][2] = "grace.fischer.pineridge.org"  # row 48
    rows[93][6] = "2025-02-30"  # row 95
    rows[141][3] = "Lincoln Middle"  # row 143
    rows[199][10] = "maybe"  # row 201
    write_xlsx(district / "awards.xlsx", rows)
    before = earner_files(district)
    dry = cairn(district, "import", "awards.xlsx")
    assert dry.returncode == 1
    problems = [line for line in dry.stderr.splitlines() if line.startswith("awards.xlsx:")]
    expected = [
        "awards.xlsx:12: Micro-credential: unknown credential 'Wait Tme' (did you mean 'Wait Time'?",
        "awards.xlsx:48: Email Address: 'grace.fischer.pineridge.org' is not an email address",
        "awards.xlsx:95: Date Issued: 2025-02-30 is not a real date (check the month and day)",
        "awards.xlsx:143: School: unknown school 'Lincoln Middle' (did you mean 'Lincoln Middle School'?",
        "awards.xlsx:201: Public Profile: 'maybe' is not yes or no",
    ]
    assert len(problems) == 5, dry.stderr
    for line, start in zip(problems, expected, strict=True):
        assert line.startswith(start), line
    assert "5 problem(s): nothing was written" in dry.stderr and "Traceback" not in dry.stderr
    assert "note: column 'Timestamp' is not imported" in dry.stderr
    assert earner_files(district) == before
    assert cairn(district, "import", "awards.xlsx", "--apply").returncode == 1
    assert earner_files(district) == before

    # The committee fixes the five cells; the dry run says what would change, and writes nothing.
    write_xlsx(district / "awards.xlsx", good)
    dry = cairn(district, "import", "awards.xlsx")
    assert dry.returncode == 0, dry.stderr
    assert "would create earners/ana-ruiz.yml: Ana Ruiz, 1 award" in dry.stdout
    assert "200 earner(s) created, 200 award(s) added, 0 unchanged (200 row(s) in awards.xlsx)" in dry.stdout
    assert earner_files(district) == before

    applied = cairn(district, "import", "awards.xlsx", "--apply")
    assert applied.returncode == 0, applied.stderr
    imported = earner_files(district)
    assert "Next: python build.py check, then build" in applied.stdout
    checked = cairn(district, "check")
    assert checked.returncode == 0 and "ok: 1 credentials, 200 earners" in checked.stderr, checked.stderr
    built = cairn(district, "build")
    assert built.returncode == 0, built.stderr

    # What the public sees: the opted-in earners' profiles, each award's OB 2.0 assertion and
    # signed OB 3.0 credential; of everyone else, nothing but unlisted assertion URLs.
    site = district / "site"
    earners = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in (district / "earners").glob("[!_]*.yml")]
    public = [e for e in earners if e["public"]]
    hidden = [e for e in earners if not e["public"]]
    opted_in = {str(row[2]) for row in good if str(row[10]).lower() == "yes"}
    assert len(earners) == 200 and {e["email"] for e in public} == opted_in and len(public) > 40
    for earner in public:
        profile = (site / "earners" / earner["slug"] / "index.html").read_text(encoding="utf-8")
        assert earner["name"] in profile and "Wait Time" in profile
        (award,) = earner["awards"]
        assertion = json.loads((site / "assertions" / f"{award['id']}.json").read_text(encoding="utf-8"))
        assert assertion["badge"] == "https://badges.pineridge.org/badges/wait-time.json"
        assert assertion["recipient"]["identity"].startswith("sha256$")
        signed = json.loads((site / "ob3" / f"{award['id']}.json").read_text(encoding="utf-8"))
        assert signed["proof"][0]["verificationMethod"].startswith("did:web:badges.pineridge.org#")
    for earner in hidden:
        (award,) = earner["awards"]
        assert (site / "assertions" / f"{award['id']}.json").is_file()
        assert not (site / "ob3" / f"{award['id']}.json").exists()  # in their package, in build/
        assert "slug" not in earner
    published = everything_in(site)
    assert b"@pineridge.org" not in published.replace(b"pd@pineridge.org", b"")
    leaked = [e["name"] for e in hidden if e["name"].encode("utf-8") in published]
    assert leaked == []
    assert len(list((district / "build" / "credentials").glob("*.zip"))) == 200  # one package each

    # The same sheet imported again changes nothing.
    again = cairn(district, "import", "awards.xlsx", "--apply")
    assert again.returncode == 0, again.stderr
    assert "0 earner(s) created, 0 award(s) added, 200 unchanged" in again.stdout
    assert earner_files(district) == imported
