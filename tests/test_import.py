"""A committee imports its awards spreadsheet (issue 16, item 3): every wrong row reported at
once as FILE:row: column, nothing written until all are right; then the earner files written
(comments kept), ids given, and the awards on the built site. Re-importing changes nothing;
a run killed midway leaves every file whole, and running it again finishes the job."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import yaml
from conftest import REPO, run_cli
from openpyxl import Workbook

HEADINGS = [
    "Name",
    "Email Address",
    "School",
    "Role",
    "Credential",
    "Date Issued",
    "Evidence URL",
    "Evidence Narrative",
    "Expires",
    "Public",
]
# The sample's active credentials and schools; some named by title or by an old id, as a
# committee's sheet does.
CREDENTIALS = [
    "wait-time",
    "Exit Tickets",
    "hinge-questions",
    "peer-feedback",
    "scrum-boards",  # the old id of project-sprints
    "driving-questions",
    "morning-meetings",
    "Emotion Check-Ins",
    "funds-of-knowledge",
    "unplugged-algorithms",
]
SCHOOLS = ["lincoln-ms", "roosevelt-es", "Washington High School", "cesar-chavez-es", ""]


def earner_bytes(project: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((project / "earners").iterdir()) if p.is_file()}


def awards_sheet() -> list[list[object]]:
    """200 awards: 40 new people with 5 each, the first two rows for people already in the sample."""
    rows: list[list[object]] = []
    for person in range(40):
        for n in range(5):
            credential = CREDENTIALS[(person + n * 3) % len(CREDENTIALS)]
            issued = dt.date(2024, 1 + n * 2, 1 + person % 28)
            rows.append(
                [
                    f"Teacher {person:02d} Example",
                    f"teacher{person:02d}@example.org",
                    SCHOOLS[person % len(SCHOOLS)],
                    "Grade 4 teacher" if person % 2 else "",
                    credential,
                    issued if n % 2 else issued.isoformat(),  # a date cell, or text
                    f"https://example.org/portfolio/{person}/{n}" if n != 4 else "",
                    "Three lessons: observer's notes, with tallies." if n in (1, 4) else "",
                    (issued + dt.timedelta(days=3 * 365)).isoformat() if n == 3 else "",
                    ["yes", "no", "TRUE", "0", ""][person % 5],
                ]
            )
    rows[0][:2] = ["Ana Ruiz", "Ana.Ruiz@example.org"]  # a person in earners/ already, matched by email
    rows[1][:2] = ["Ana Ruiz", "ana.ruiz@example.org"]
    return rows


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADINGS)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def write_csv(path: Path, rows: list[list[object]], headings: list[str] = HEADINGS) -> Path:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(headings)
        writer.writerows(rows)
    return path


def imported(project: Path) -> dict[tuple[str, str, str], list[dict[str, object]]]:
    """Every award in earners/, by (email in lower case, credential, issued)."""
    found: dict[tuple[str, str, str], list[dict[str, object]]] = {}
    for path in (project / "earners").glob("[!_]*.yml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for award in data.get("awards", []):
            found.setdefault((data["email"].lower(), award["credential"], str(award["issued"])), []).append(award)
    return found


def test_a_200_row_spreadsheet_with_5_mistakes_is_fixed_imported_and_built(project, tmp_path, capsys):
    rows = awards_sheet()
    good = [list(row) for row in rows]
    rows[9][4] = "wait-tme"  # sheet row 11: a typo in the credential
    rows[49][1] = "teacher09.example.org"  # row 51: not an email
    rows[99][5] = "2031-02-30"  # row 101: no such day
    rows[149][2] = "Lincoln Middle"  # row 151: not a school's id or name
    rows[198][6] = "portfolio/39/3"  # row 200: not a web address
    sheet = write_xlsx(tmp_path / "awards.xlsx", rows)
    before = earner_bytes(project)

    assert run_cli(project, "import", str(sheet)) == 1
    err = capsys.readouterr().err
    assert f"{sheet}:11: Credential: unknown credential 'wait-tme' (did you mean 'wait-time'?" in err
    assert f"{sheet}:51: Email Address: 'teacher09.example.org' is not an email address" in err
    assert f"{sheet}:101: Date Issued: 2031-02-30 is not a real date (check the month and day)" in err
    assert f"{sheet}:151: School: unknown school 'Lincoln Middle' (did you mean 'Lincoln Middle School'?" in err
    assert f"{sheet}:200: Evidence URL: 'portfolio/39/3' is not a web address" in err
    assert "5 problem(s): nothing was written" in err
    assert earner_bytes(project) == before
    assert run_cli(project, "import", str(sheet), "--apply") == 1
    assert earner_bytes(project) == before

    sheet = write_xlsx(tmp_path / "awards.xlsx", good)  # the committee fixes the five cells
    assert run_cli(project, "import", str(sheet)) == 0
    out = capsys.readouterr().out
    assert "would create earners/teacher-00-example.yml: Teacher 00 Example, 3 awards" in out  # rows 2-3: Ana's
    assert "would add to earners/ana-ruiz.yml: 2 awards" in out
    assert "40 earner(s) created, 200 award(s) added, 0 unchanged (200 row(s)" in out
    assert "nothing was written" in out
    assert earner_bytes(project) == before  # a dry run by default

    assert run_cli(project, "import", str(sheet), "--apply") == 0
    assert run_cli(project, "check") == 0
    awards = imported(project)
    for row in good:
        issued = row[5] if isinstance(row[5], str) else row[5].isoformat()
        credential = {"Exit Tickets": "exit-tickets", "scrum-boards": "project-sprints"}.get(
            str(row[4]), "emotion-check-ins" if row[4] == "Emotion Check-Ins" else str(row[4])
        )
        assert len(awards[(str(row[1]).lower(), credential, issued)]) == 1, row

    assert run_cli(project, "build") == 0
    site = project / "site"
    for row in good:
        issued = row[5] if isinstance(row[5], str) else row[5].isoformat()
        key = next(k for k in awards if k[0] == str(row[1]).lower() and k[2] == issued)
        award = awards[key][0]
        assertion = json.loads((site / "assertions" / f"{award['id']}.json").read_text(encoding="utf-8"))
        assert assertion["badge"].endswith(f"/badges/{key[1]}.json")
        assert assertion["issuedOn"].startswith(issued)
    public = (site / "earners" / "teacher-05-example" / "index.html").read_text(encoding="utf-8")
    assert "Teacher 05 Example" in public  # public: yes
    assert not (site / "earners" / "teacher-01-example").exists()  # public: no
    assert "teacher05@example.org" not in public


def test_importing_the_same_file_again_changes_nothing(project, tmp_path, capsys):
    sheet = write_csv(tmp_path / "awards.csv", awards_sheet()[:20])
    assert run_cli(project, "import", str(sheet), "--apply") == 0
    after = earner_bytes(project)
    capsys.readouterr()
    assert run_cli(project, "import", str(sheet), "--apply") == 0
    assert "0 earner(s) created, 0 award(s) added, 20 unchanged" in capsys.readouterr().out
    assert earner_bytes(project) == after


def test_awards_are_added_to_an_earners_file_with_its_comments_and_layout_kept(project, tmp_path):
    path = project / "earners" / "ana-ruiz.yml"
    original = path.read_text(encoding="utf-8").splitlines()
    sheet = write_csv(
        tmp_path / "awards.csv",
        [
            [
                "",
                "ANA.RUIZ@example.org",
                "",
                "",
                "morning meetings and advisory circles",
                "2026-02-03",
                "",
                "Notes: with # and 'quotes'",
            ],
            ["", "ana.ruiz@example.org", "", "", "wait-time", "2025-03-14", "", ""],  # already hers
        ],
        HEADINGS[:8],
    )
    assert run_cli(project, "import", str(sheet), "--apply") == 0
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[: len(original)] == original  # every line, comment and blank as it was
    added = yaml.safe_load("\n".join(lines[len(original) :]))
    assert added[0]["credential"] == "morning-meetings"
    assert added[0]["evidence"] == {"narrative": "Notes: with # and 'quotes'"}
    assert set(added[0]) >= {"id", "salt", "status_index"}
    assert run_cli(project, "check") == 0


def test_new_files_are_named_after_the_earner_uniquely_and_never_for_a_device(project, tmp_path, capsys):
    sheet = write_csv(
        tmp_path / "awards.csv",
        [
            ["Con", "con@example.org", "", "", "wait-time", "2025-01-01", "", "", "", "yes"],
            ["Ana Ruiz", "other.ana@example.org", "", "", "wait-time", "2025-01-01", "", "", "", "no"],
            ["Ana  Ruiz", "third.ana@example.org", "", "", "wait-time", "2025-01-01", "", "", "", "no"],
        ],
    )
    assert run_cli(project, "import", str(sheet), "--apply") == 0
    out = capsys.readouterr().out
    assert "created earners/con-2.yml: Con" in out
    assert "created earners/ana-ruiz-2.yml: Ana Ruiz" in out
    assert "created earners/ana-ruiz-3.yml" in out
    assert run_cli(project, "check") == 0


def test_headings_and_values_in_the_forms_committees_use(project, tmp_path, capsys):
    headings = ["E-mail", "Full Name", "Micro-credential", "Issue Date", "Opt-in", "Timestamp", "Evidence Link"]
    rows = [["new.person@example.org", "New Person", "WAIT TIME", "2025-05-05 00:00:00", "Y", "x", ""]]
    sheet = tmp_path / "form.csv"
    sheet.write_text(
        ";".join(headings) + "\n" + "\n".join(";".join(r) for r in rows) + "\n", encoding="utf-8-sig"
    )  # Excel's CSV in much of Europe: semicolons and a byte-order mark
    assert run_cli(project, "import", str(sheet), "--apply") == 0
    captured = capsys.readouterr()
    assert "note: column 'Timestamp' is not imported" in captured.err
    text = (project / "earners" / "new-person.yml").read_text(encoding="utf-8")
    assert "credential: wait-time\n" in text and "public: true\n" in text and "slug: new-person\n" in text


def test_a_missing_column_and_a_new_person_without_a_name_are_reported(project, tmp_path, capsys):
    sheet = write_csv(tmp_path / "a.csv", [["x@example.org", "wait-time"]], ["Email", "Credential"])
    assert run_cli(project, "import", str(sheet)) == 1
    assert f"{sheet}:1: issued: the column is missing (add a column headed 'issued')" in capsys.readouterr().err
    sheet = write_csv(
        tmp_path / "b.csv", [["x@example.org", "wait-time", "2025-01-01"]], ["Email", "Credential", "Issued"]
    )
    assert run_cli(project, "import", str(sheet)) == 1
    assert f"{sheet}:2: name: empty (a person not yet in earners/ needs a name" in capsys.readouterr().err


def test_a_row_check_would_refuse_is_refused_at_its_column(project, tmp_path, capsys):
    """What only the loader's own rules catch (here a control character pasted into a name)."""
    sheet = write_csv(tmp_path / "a.csv", [["Bad\x07Name", "b@example.org", "", "", "wait-time", "2025-01-01"]])
    assert run_cli(project, "import", str(sheet)) == 1
    assert f"{sheet}:2: Name: holds the control character U+0007" in capsys.readouterr().err


def test_an_old_xls_or_a_broken_workbook_is_refused_with_what_to_do(project, tmp_path, capsys):
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    assert run_cli(project, "import", str(tmp_path / "old.xls")) == 1
    assert "save the sheet as .xlsx or as CSV UTF-8" in capsys.readouterr().err
    (tmp_path / "broken.xlsx").write_bytes(b"not a zip")
    assert run_cli(project, "import", str(tmp_path / "broken.xlsx")) == 1
    assert "broken.xlsx:1: not readable as an .xlsx workbook" in capsys.readouterr().err


# --- a run killed midway ----------------------------------------------------------------------

# Runs a command and SIGKILLs it right after the 3rd earner file is renamed into place,
# recording beforehand what each renamed file was to hold. The command's code is not changed.
DRIVER = textwrap.dedent(
    """
    import json, os, signal, sys
    from pathlib import Path
    from cairn.commands.cli import main

    project, log = Path(sys.argv[1]), Path(sys.argv[2])
    real_replace, renamed = os.replace, []

    def replace(source, target):
        target = Path(target)
        if target.parent.name == "earners" and not target.name.startswith("_"):
            renamed.append(target.name)
            intended = json.loads(log.read_text()) if log.exists() else {}
            intended[target.name] = Path(source).read_bytes().decode("utf-8")
            log.write_text(json.dumps(intended))
        real_replace(source, target)
        if len(renamed) == 3:
            os.kill(os.getpid(), signal.SIGKILL)

    os.replace = replace
    sys.exit(main(["--config-file", str(project / "mkdocs.yml"), *sys.argv[3:]]))
    """
)


def run_killed(project: Path, tmp_path: Path, *args: str) -> dict[str, bytes]:
    driver, log = tmp_path / "driver.py", tmp_path / "intended.json"
    driver.write_text(DRIVER, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO / "plugins")}
    result = subprocess.run([sys.executable, str(driver), str(project), str(log), *args], env=env, capture_output=True)
    assert result.returncode == -9, result.stderr.decode()
    return {name: text.encode("utf-8") for name, text in json.loads(log.read_text()).items()}


def assert_whole(project: Path, before: dict[str, bytes], intended: dict[str, bytes]) -> None:
    assert len(intended) == 3
    for name, data in earner_bytes(project).items():
        if name == "_status-list.yml":
            continue
        assert data in (before.get(name), intended.get(name)), f"{name} is half-written"
    for name in set(before) - set(intended) - {"_status-list.yml"}:
        assert (project / "earners" / name).read_bytes() == before[name]


def test_an_import_killed_midway_leaves_every_file_whole_and_a_rerun_finishes(project, tmp_path, capsys):
    rows = awards_sheet()[:30]  # Ana and 5 new people
    sheet = write_xlsx(tmp_path / "awards.xlsx", rows)
    before = earner_bytes(project)
    intended = run_killed(project, tmp_path, "import", str(sheet), "--apply")
    assert_whole(project, before, intended)
    assert any(before.get(name) != data for name, data in intended.items())

    assert run_cli(project, "import", str(sheet), "--apply") == 0
    assert run_cli(project, "check") == 0
    for name, data in intended.items():  # what the killed run finished is kept as it was
        assert (project / "earners" / name).read_bytes() == data
    awards = imported(project)
    assert sum(len(v) for k, v in awards.items() if k[0].startswith("teacher")) == 28
    assert all(len(v) == 1 for v in awards.values())


def test_ids_killed_midway_leaves_every_file_whole_and_never_gives_an_index_twice(project, tmp_path):
    """`ids` wrote the status lists' counter after the earner files: killed between, the next
    run gave out the same indices again."""
    for path in sorted((project / "earners").glob("[!_]*.yml"))[:6]:
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        kept = [line for line in lines if not line.strip().startswith(("id:", "salt:", "status_index:"))]
        path.write_text("".join(kept), encoding="utf-8")
    before = earner_bytes(project)
    intended = run_killed(project, tmp_path, "ids")
    assert_whole(project, before, intended)
    assert run_cli(project, "ids") == 0
    assert run_cli(project, "check") == 0  # every award has its own status index


def test_an_import_with_nothing_new_says_so(project, tmp_path, capsys):
    sheet = write_csv(
        tmp_path / "awards.csv", [["Ana Ruiz", "ana.ruiz@example.org", "", "", "wait-time", "2025-03-14"]]
    )
    assert run_cli(project, "import", str(sheet), "--apply") == 0
    assert "0 earner(s) created, 0 award(s) added, 1 unchanged (1 row(s) in" in capsys.readouterr().out


def test_a_file_typed_by_hand_is_completed_and_a_broken_one_stops_the_import(project, tmp_path, capsys):
    """A person whose file `check` rejects is still matched by email, never taken for someone new."""
    earners = project / "earners"
    (earners / "new-hire.yml").write_text(
        "name: New Hire\nemail: new.hire@example.org\nawards:\n  - credential: wait-time\n    issued: 2025-01-01\n",
        encoding="utf-8",
    )  # typed by hand: no id yet
    sheet = write_csv(tmp_path / "a.csv", [["New Hire", "NEW.HIRE@example.org", "", "", "exit-tickets", "2025-02-02"]])
    assert run_cli(project, "import", str(sheet), "--apply") == 0
    assert "added to earners/new-hire.yml: 1 award" in capsys.readouterr().out
    assert run_cli(project, "check") == 0  # both awards given ids

    (earners / "new-hire.yml").write_text(
        (earners / "new-hire.yml").read_text(encoding="utf-8").replace("school", "x") + "school: nowhere\n",
        encoding="utf-8",
    )
    before = earner_bytes(project)
    sheet = write_csv(tmp_path / "b.csv", [["New Hire", "new.hire@example.org", "", "", "peer-feedback", "2025-03-03"]])
    assert run_cli(project, "import", str(sheet), "--apply") == 1
    err = capsys.readouterr().err
    assert "earners/new-hire.yml:" in err and "unknown school 'nowhere'" in err
    assert earner_bytes(project) == before


def test_rows_refused_for_one_cause_are_one_message(project, tmp_path, capsys):
    # A stack with no completion milestone: a draft there is no problem of the catalog's own.
    spec = project / "catalog" / "project-based-learning" / "driving-questions.md"
    spec.write_text(spec.read_text(encoding="utf-8").replace("status: active", "status: draft"), encoding="utf-8")
    row = ["Ann Lee", "", "", "", "driving-questions", "2025-01-01", "", "", "", ""]
    rows = [[row[0], f"ann{n}@example.org", *row[2:]] for n in range(30)]
    sheet = write_xlsx(tmp_path / "awards.xlsx", rows)
    assert run_cli(project, "import", str(sheet)) == 1
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith(str(sheet))]
    assert lines == [
        f"{sheet}:2: Credential: 'driving-questions' is a draft and cannot be awarded "
        "(set 'status: active' in its spec first; the same in rows 3, 4, 5, 6, 7 and 24 more)"
    ]
