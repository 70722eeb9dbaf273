"""A PD planner opens the private planner from the build's private folder: who holds what, who has
not, who can lead, checked against the earner records themselves; none of it reaches site/."""

from __future__ import annotations

import csv
import datetime as dt
import html
import os
import re
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from conftest import REPO, copy_project, run_cli

DAY = dt.date(2026, 12, 1)  # the build's day (SOURCE_DATE_EPOCH below)
EPOCH = str(int(dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC).timestamp()))


# -- the records, read by hand ----------------------------------------------------------------


def front_matter(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])


def catalog() -> dict[str, dict]:
    specs = {}
    for path in (REPO / "catalog").rglob("*.md"):
        meta = front_matter(path)
        specs[meta.get("id", path.stem)] = meta
    return specs


def records() -> list[dict]:
    found = []
    for path in sorted((REPO / "earners").glob("[!_]*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data["key"] = path.stem
        found.append(data)
    return found


def lapses(award: dict, spec: dict) -> dt.date | None:
    if award.get("expires"):
        return award["expires"]
    after = spec.get("expires_after")
    if not after:
        return None
    years = int(after.split()[0])
    assert after.split()[1].startswith("year"), after
    issued = award["issued"]
    return issued.replace(year=issued.year + years)


def current_on(topic: str, person: dict, specs: dict[str, dict]) -> list[str]:
    """The credentials on `topic` the person holds current on DAY."""
    held = []
    for award in person.get("awards") or []:
        spec = specs[award["credential"]]
        if award.get("revoked") or topic not in (spec.get("topics") or []) or award["issued"] > DAY:
            continue
        end = lapses(award, spec)
        if end is None or DAY < end:
            held.append(award["credential"])
    return held


# -- the built planner ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The sample district built on DAY, and its planner made; yields the project folder."""
    project = copy_project(tmp_path_factory.mktemp("planner"))
    before = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    try:
        assert run_cli(project, "build") == 0  # the site (and HR's report), then the planner beside it
        assert run_cli(project, "planner") == 0
    finally:
        if before is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = before
    yield project


class Rows(HTMLParser):
    """Each table's body rows: (the table's id, the row's data-* attributes, its header cell's text)."""

    def __init__(self) -> None:
        super().__init__()
        self.table = ""
        self.rows: list[tuple[str, dict[str, str], str]] = []
        self.row: dict[str, str] | None = None
        self.head: list[str] | None = None
        self.meta: list[dict[str, str | None]] = []
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "meta":
            self.meta.append(found)
        if tag in ("script", "img", "link", "iframe") and found.get("src"):
            self.sources.append(str(found["src"]))
        if tag == "link" and found.get("href") and found.get("rel") != "icon":
            self.sources.append(str(found["href"]))
        if tag == "table":
            self.table = str(found.get("id"))
        elif tag == "tr":
            self.row = {k[5:]: str(v) for k, v in found.items() if k.startswith("data-")}
        elif tag == "th" and self.row is not None and found.get("scope") == "row":
            self.head = []

    def handle_data(self, data: str) -> None:
        if self.head is not None:
            self.head.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "th" and self.head is not None and self.row is not None:
            self.rows.append((self.table, self.row, "".join(self.head).strip()))
            self.head = None
        elif tag == "tr":
            self.row = None


def parsed(path: Path) -> Rows:
    rows = Rows()
    rows.feed(path.read_text(encoding="utf-8"))
    return rows


def names(page: Rows, table: str, **data: str) -> set[str]:
    return {
        name
        for tid, attrs, name in page.rows
        if tid == table and all(attrs.get(key) == value for key, value in data.items())
    }


# -- the planner's questions, against the records ---------------------------------------------


def test_who_at_lincoln_has_nothing_current_on_sel_is_what_the_records_say(built: Path) -> None:
    specs = catalog()
    lincoln = [p for p in records() if p.get("school") == "lincoln-ms"]
    expected = {p["name"] for p in lincoln if not current_on("sel", p, specs)}
    leaders = {p["name"] for p in lincoln if current_on("sel", p, specs)}
    assert expected and leaders, "the sample should have both at Lincoln"
    page = parsed(built / "build" / "planner" / "topics" / "sel.html")
    assert names(page, "without-sel", school="lincoln-ms") == expected
    assert names(page, "experts-sel", school="lincoln-ms") == leaders
    # Beatriz Santos's restorative-conversations (2024-09-20, expires after 2 years) has lapsed.
    assert "Beatriz Santos" in expected
    with (built / "build" / "planner" / "csv" / "without-sel.csv").open(encoding="utf-8", newline="") as rows:
        beatriz = next(r for r in csv.DictReader(rows) if r["Person"] == "Beatriz Santos")
    assert beatriz["Held one"] == "lapsed"


def test_the_staff_matrix_counts_everyone_public_or_not_with_their_current_credentials(built: Path) -> None:
    specs = catalog()
    people = records()
    with (built / "build" / "planner" / "csv" / "staff-by-topic.csv").open(encoding="utf-8", newline="") as rows:
        matrix = {r["Person"]: r for r in csv.DictReader(rows)}
    assert set(matrix) == {p["name"] for p in people}
    assert 70 <= len(people) <= 90 and sum(1 for p in people if not p.get("public")) > 40
    for person in people:
        count = len(current_on("pbl", person, specs))
        assert matrix[person["name"]]["Project-based learning"] == (str(count) if count else ""), person["name"]


def test_each_person_has_a_page_with_what_they_hold_have_started_and_lack(built: Path) -> None:
    page = (built / "build" / "planner" / "people" / "beatriz-santos.html").read_text(encoding="utf-8")
    assert "<h1>Beatriz Santos</h1>" in page
    rows = re.findall(r'<th scope="row">([^<]*)</th>\n<td>([^<]*)</td>\n<td>([^<]*)</td>', page)
    status = {html.unescape(title): state for title, _, state in rows}
    specs = catalog()
    title = {cid: spec["title"] for cid, spec in specs.items()}
    assert status[title["culturally-sustaining-texts"]] == "holds"
    assert status[title["restorative-conversations"]] == "expired"  # issued 2024-09-20, two years
    assert status[title["funds-of-knowledge"]] == "lacks (stack started)"
    # A stack she has not started is named, not listed credential by credential.
    not_started = page.split("Stacks not started:")[1]
    assert title["wait-time"] not in status and "Formative Assessment (5 credentials)" in not_started
    assert not (built / "build" / "planner" / "csv" / "person-beatriz-santos.csv").exists()


def test_equity_shows_each_group_with_its_size_and_marks_the_group_under_k(built: Path) -> None:
    people = records()
    administrators = sum(1 for p in people if p.get("role") == "Principal")
    assert administrators < 5, "the sample needs a role group under k"
    with (built / "build" / "planner" / "csv" / "equity-by-role-group.csv").open(encoding="utf-8", newline="") as f:
        rows = {r["Role group"]: r for r in csv.DictReader(f)}
    assert rows["Administrators"]["Staff"] == str(administrators)
    assert rows["All staff"]["Staff"] == str(len(people))
    page = (built / "build" / "planner" / "equity.html").read_text(encoding="utf-8")
    assert page.count("small group: fewer than 5") == 1
    assert "n&nbsp;=&nbsp;" in page


# -- privacy and form --------------------------------------------------------------------------


def test_nothing_of_the_planner_reaches_the_site(built: Path) -> None:
    hidden = [p["name"] for p in records() if not p.get("public")]
    site = built / "site"
    assert not list(site.rglob("planner*")) and not list(site.rglob("*staff-by-topic*"))
    for path in site.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".json", ".js", ".xml", ".csv", ".txt"):
            text = path.read_text(encoding="utf-8", errors="replace")
            assert "PD planner" not in text or path.suffix != ".html" or "Private." not in text, path
            for name in hidden:
                assert name not in text, f"{name} (not public) is in {path}"


def test_every_planner_file_is_private_and_every_page_noindex_and_self_contained(built: Path) -> None:
    folder = built / "build" / "planner"
    assert (built / "build").stat().st_mode & 0o777 == 0o700
    pages = list(folder.rglob("*.html"))
    assert len(pages) > 80
    for path in folder.rglob("*"):
        if path.is_file():
            assert path.stat().st_mode & 0o777 == 0o600, path
    for path in pages:
        page = parsed(path)
        assert {"name": "robots", "content": "noindex"} in page.meta, path
        assert page.sources == [], f"{path} loads {page.sources}"
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"""(?:href|src)=["'](?:https?:)?//""", text), path
        assert "fetch(" not in text and "XMLHttpRequest" not in text


def test_what_people_typed_is_escaped_in_pages_and_kept_as_text_in_csv(project: Path, monkeypatch) -> None:
    (project / "earners" / "eve-example.yml").write_text(
        'name: \'=HYPERLINK("http://x.example","<script>alert(1)</script>")\'\nemail: eve@example.net\n'
        "public: false\nschool: lincoln-ms\nrole: '@Grade <b>5</b> teacher'\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    assert run_cli(project, "planner") == 0
    planner = project / "build" / "planner"
    page = (planner / "topics" / "sel.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>5</b>" not in page
    with (planner / "csv" / "without-sel.csv").open(encoding="utf-8", newline="") as rows:
        eve = next(r for r in csv.reader(rows) if "HYPERLINK" in r[0])
    assert eve[0].startswith("'=") and eve[2].startswith("'@")
    assert (planner / "people" / "eve-example.html").is_file()


@pytest.mark.parametrize("place", ["site/private", "content/private"])
def test_a_private_folder_that_would_be_published_is_refused(project: Path, place: str, capsys) -> None:
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    assert "      private_dir: build\n" in text
    config.write_text(text.replace("      private_dir: build\n", f"      private_dir: {place}\n"), encoding="utf-8")
    for command in ("build", "planner"):
        assert run_cli(project, command) == 1
    err = capsys.readouterr().err
    assert f"cairn private_dir '{place}'" in err or f"site_dir 'site' holds the private folder '{place}'" in err, err
    assert not (project / place / "planner").exists() and not (project / "site" / "private").exists()


# -- settings ----------------------------------------------------------------------------------


def set_options(project: Path, options: str) -> None:
    config = project / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("  - cairn:\n", f"  - cairn:\n{options}", 1), encoding="utf-8"
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ("      insights_min_group: 1\n", "cairn insights_min_group 1 should be a whole number of at least 2"),
        ("      school_year_starts: 13\n", "cairn school_year_starts 13 should be the month a school year starts in"),
    ],
)
def test_a_wrong_insights_setting_is_named_with_its_fix(project: Path, options: str, message: str, capsys) -> None:
    set_options(project, options)
    assert run_cli(project, "check") == 1
    assert message in capsys.readouterr().err


def test_a_school_year_starting_in_september_counts_august_in_the_year_before(project: Path, monkeypatch) -> None:
    set_options(project, "      school_year_starts: 9\n")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    assert run_cli(project, "planner") == 0
    with (project / "build" / "planner" / "csv" / "uptake-by-school-year-and-topic.csv").open(encoding="utf-8") as f:
        years = [r[0] for r in csv.reader(f)][1:]
    # Nadia Rahman's exit tickets, 2024-08-30: in 2023–24 when years start in September.
    assert "2023–24" in years
    page = (project / "build" / "planner" / "uptake.html").read_text(encoding="utf-8")
    assert "school years start on 1 September" in page


def test_check_reports_a_mistake_in_the_role_groups_file(project: Path, capsys) -> None:
    (project / "earners" / "_roles.yml").write_text("coach: [coach]\nother: [counselor]\n", encoding="utf-8")
    assert run_cli(project, "check") == 1
    err = capsys.readouterr().err
    assert "earners/_roles.yml:2: 'other' is the group of roles that match no phrase" in err, err


# -- serve --private ---------------------------------------------------------------------------


def start_private_server(project: Path, address: str = "127.0.0.1:0") -> tuple[subprocess.Popen, str]:
    server = subprocess.Popen(
        [
            sys.executable,
            str(REPO / "build.py"),
            "-f",
            str(project / "mkdocs.yml"),
            "serve",
            "--private",
            "--address",
            address,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO / "plugins")},
    )
    assert server.stdout is not None
    line = server.stdout.readline()
    found = re.search(r"http://127\.0\.0\.1:\d+/", line)
    if found is None:
        server.kill()
        pytest.fail(f"serve --private printed {line!r}; stderr: {server.stderr.read() if server.stderr else ''}")
    return server, found.group(0)


def test_serve_private_serves_the_planner_on_127_0_0_1_only(built: Path) -> None:
    server, url = start_private_server(built)
    try:
        with urllib.request.urlopen(url + "topics/sel.html", timeout=30) as answer:
            assert answer.headers["X-Robots-Tag"] == "noindex"
            assert "Who has not" in answer.read().decode("utf-8")
        # Only the planner's folder: not the award links beside it.
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(url + "../award-links.csv", timeout=30)
        # Another site's name for this address (DNS rebinding) is refused.
        request = urllib.request.Request(url, headers={"Host": "evil.example:80"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        assert refused.value.code == 421
    finally:
        server.terminate()
        server.wait(timeout=30)
    outside = subprocess.run(
        [sys.executable, str(REPO / "build.py"), "-f", str(built / "mkdocs.yml"), "serve", "--private",
         "--address", "0.0.0.0:8123"],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO / "plugins")}, timeout=60,
    )  # fmt: skip
    assert outside.returncode == 2
    assert "served on this computer only: give 127.0.0.1:<port>" in outside.stderr


def test_the_planner_is_made_whole_by_its_command_and_a_build_leaves_it_alone(project: Path) -> None:
    """`build` (what CI runs) makes no planner; `planner` replaces the last one whole: a new
    colleague appears, a colleague who left is gone, and the site never sees either."""
    assert run_cli(project, "build") == 0
    assert not (project / "build" / "planner").exists()
    assert run_cli(project, "planner") == 0
    index = project / "build" / "planner" / "index.html"
    leaving = project / "earners" / "alejandro-vargas.yml"
    assert "Alejandro Vargas" in index.read_text(encoding="utf-8")
    leaving.unlink()
    (project / "earners" / "new-colleague.yml").write_text(
        "name: Nia Newcomer\nemail: nia.newcomer@example.net\npublic: false\nschool: lincoln-ms\n"
        "role: Grade 6 mathematics teacher\nawards: []\n",
        encoding="utf-8",
    )
    assert run_cli(project, "planner") == 0
    page = index.read_text(encoding="utf-8")
    assert "Nia Newcomer" in page and "Alejandro Vargas" not in page
    assert (project / "build" / "planner" / "people" / "new-colleague.html").is_file()
    assert not (project / "build" / "planner" / "people" / "alejandro-vargas.html").exists()
    assert run_cli(project, "build") == 0  # the build keeps the private folder's planner as it is
    assert index.read_text(encoding="utf-8") == page
    assert not [p for p in (project / "site").rglob("*") if p.is_file() and b"Nia Newcomer" in p.read_bytes()]
    folders = [index.parent, *[p for p in index.parent.rglob("*") if p.is_dir()]]
    assert all(f.stat().st_mode & 0o777 == 0o700 for f in folders)


def test_the_planner_leads_to_hrs_recognition_report_beside_it(built: Path) -> None:
    index = built / "build" / "planner" / "index.html"
    page = index.read_text(encoding="utf-8")
    links = re.findall(r'href="(\.\./recognition\.(?:html|csv))"', page)
    assert links == ["../recognition.html", "../recognition.csv"]
    assert all((index.parent / link).resolve().is_file() for link in links)
