"""What `check` says is what is wrong, once: one mistake gives one message, with what was meant."""

from __future__ import annotations

from pathlib import Path

import pytest
from cairn.commands.cli import main
from conftest import run_cli


def errors(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return [line for line in capsys.readouterr().err.splitlines() if ": warning:" not in line][:-1]


def test_one_yaml_mistake_in_the_schools_file_is_one_error_not_one_per_earner(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schools = project / "earners" / "_schools.yml"
    schools.write_text(schools.read_text(encoding="utf-8").replace("name:", "name: [", 1), encoding="utf-8")
    assert run_cli(project, "check") == 1
    found = errors(capsys)
    assert len(found) == 1, "\n".join(found)
    assert found[0].startswith("earners/_schools.yml:")


def test_a_misspelt_school_is_told_what_was_meant(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ana = project / "earners" / "ana-ruiz.yml"
    ana.write_text(ana.read_text(encoding="utf-8").replace("school: lincoln-ms", "school: lincon-ms"), encoding="utf-8")
    assert run_cli(project, "check") == 1
    assert errors(capsys) == ["earners/ana-ruiz.yml:7: unknown school 'lincon-ms' (did you mean 'lincoln-ms'?)"]


@pytest.mark.parametrize("command", [["check"], ["build", "--strict"]])
def test_the_config_file_may_follow_the_command(
    project: Path, command: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The README says every command takes -f; people type it after the command."""
    monkeypatch.chdir(tmp_path)  # no mkdocs.yml here
    assert main([*command, "-f", str(project / "mkdocs.yml")]) == 0


def test_ids_writes_nothing_while_check_rejects_an_award(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A new award without an id, beside one naming a credential that does not exist: `ids`
    spends no id and no status index until the record is right."""
    ana = project / "earners" / "ana-ruiz.yml"
    status = project / "earners" / "_status-list.yml"
    text = ana.read_text(encoding="utf-8").rstrip("\n")
    ana.write_text(
        text + "\n  - credential: exit-tickets\n    issued: 2025-01-10\n"
        "  - credential: exit-tikets\n    issued: 2025-01-11\n",
        encoding="utf-8",
    )
    before = (ana.read_bytes(), status.read_bytes())
    assert run_cli(project, "ids") == 1
    err = capsys.readouterr().err
    assert "unknown credential 'exit-tikets' (did you mean 'exit-tickets'?)" in err
    assert "nothing was written" in err
    assert (ana.read_bytes(), status.read_bytes()) == before
    # Corrected, the same command gives both awards their ids.
    ana.write_text(ana.read_text(encoding="utf-8").replace("exit-tikets", "exit-tickets"), encoding="utf-8")
    assert run_cli(project, "ids") == 0
    assert run_cli(project, "check") == 0


def test_a_mis_indented_line_is_reported_at_that_line(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ana = project / "earners" / "ana-ruiz.yml"
    lines = ana.read_text(encoding="utf-8").split("\n")
    wrong = next(i for i, line in enumerate(lines) if line.startswith("    id: "))
    lines[wrong] = lines[wrong][1:]  # one space short
    ana.write_text("\n".join(lines), encoding="utf-8")
    assert run_cli(project, "check") == 1
    found = errors(capsys)
    assert len(found) == 1 and found[0].startswith(f"earners/ana-ruiz.yml:{wrong + 1}: YAML syntax error"), found


def test_a_key_written_twice_is_one_error_not_a_missing_name_and_email(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A second `evidence:` under one award made the whole file look empty: 'name' is missing,
    'email' is missing, 'found nothing', besides the one real mistake."""
    path = project / "earners" / "olivia-martin.yml"
    text = path.read_text(encoding="utf-8")
    twice = "  - credential: wait-time\n    evidence:\n      narrative: x\n"
    path.write_text(text.replace("  - credential: wait-time\n", twice, 1), encoding="utf-8")
    assert run_cli(project, "check") == 1
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("earners/")]
    assert len(lines) == 1 and "'evidence' appears twice here (keep one of the two)" in lines[0], lines
