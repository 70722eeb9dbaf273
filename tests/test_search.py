"""A principal asks the site's one search box "who and what do we have for PBL? SEL? Scrum?"
and a teacher narrows the catalog with the words people use for a topic.

Typed as people say it (an abbreviation, in capitals or not, or the topic's own word), on a
laptop (1280 px) and on a phone (390 px): the topic's page comes first, with a sentence that
says what the topic is; then the credentials on it and the public people who hold them. No
result presents a retired credential as one on offer, and no snippet is a scoring rubric's
cells run together. The catalog's "Search the list" box knows the same words.

Expectations come from the sample's sources (catalog/, catalog/_topics.yml) and the built
topic pages (which list a topic's credentials and experts); no count is written down here.
"""

from __future__ import annotations

import gzip
import html
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import yaml
from browser_support import TIMEOUT_MS
from conftest import REPO, run_cli

SCREENS = {"laptop": (1280, 900), "phone": (390, 844)}
# What the principal types, and the topic she means.
ASKED = {"PBL": "pbl", "pbl": "pbl", "SEL": "sel", "Scrum": "scrum"}
PHONE_BUDGET = 1_000_000  # bytes a phone may load for the catalog page and one search


# --------------------------------------------------------------------------- the sample's sources


def front_matter(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])


def specs() -> dict[str, dict]:
    """Micro-credentials (milestones, in catalog/_milestones/, have no topics or rubric of their own)."""
    return {p.stem: {**front_matter(p), "stack": p.parent.name} for p in sorted((REPO / "catalog").glob("[!_]*/*.md"))}


def status(spec: dict) -> str:
    return spec.get("status", "active")


def topics() -> dict[str, dict]:
    return yaml.safe_load((REPO / "catalog" / "_topics.yml").read_text(encoding="utf-8"))


def rubric_rows(credential_id: str) -> list[list[str]]:
    """The scoring rubric's rows (header first), cell by cell, as the spec writes them."""
    path = next((REPO / "catalog").glob(f"*/{credential_id}.md"))
    body = path.read_text(encoding="utf-8").split("## Scoring Rubric", 1)[1]
    rows = [line.strip().strip("|").split("|") for line in body.splitlines() if line.strip().startswith("|")]
    return [[cell.strip() for cell in row] for row in rows if not set("".join(row)) <= set("-: ")]


def run_together(text: str) -> list[str]:
    """Places where `text` shows two neighbouring rubric cells of any credential joined by a space."""
    found = []
    for cid, spec in specs().items():
        if status(spec) == "draft":
            continue
        for row in rubric_rows(cid):
            for left, right in zip(row, row[1:], strict=False):
                if f"{left} {right}" in text:
                    found.append(f"{cid}: {left!r} + {right!r}")
    return found


def listed_on_topic_page(site: Path, topic: str) -> tuple[set[str], set[str]]:
    """What the topic's own page lists: its credentials' and its experts' site paths."""
    page = (site / "topics" / topic / "index.html").read_text(encoding="utf-8")
    cards = set(re.findall(r'class="cairn-card__title"><a href="\.\./\.\./(credentials/[^"]+/)"', page))
    experts = re.search(r'<ol class="cairn-experts">(.*?)</ol>', page, re.S)
    people = set(re.findall(r'href="\.\./\.\./(earners/[^"]+/)"', experts.group(1))) if experts else set()
    return cards, people


# --------------------------------------------------------------------------- Material's search box


@dataclass(frozen=True)
class Shown:
    """One result as the reader sees it: the page it opens, its heading, its snippet and its tags."""

    path: str
    title: str
    snippet: str
    tags: tuple[str, ...]
    sections: tuple[tuple[str, str], ...]  # (heading, snippet) of the page's sections shown under it


READ_RESULTS = """list => Array.from(list.querySelectorAll(':scope > .md-search-result__item')).map(item => {
  const links = Array.from(item.querySelectorAll('a.md-search-result__link'));
  const read = a => {
    const article = a.querySelector('article');
    const heading = article.querySelector('h1, h2');
    const tags = Array.from(article.querySelectorAll('.md-tag')).map(t => t.textContent.trim());
    const copy = article.cloneNode(true);
    copy.querySelectorAll('h1, h2, .md-tags, .md-search-result__terms').forEach(el => el.remove());
    return {href: a.href, title: heading ? heading.textContent.trim() : '', snippet: copy.textContent.trim(), tags};
  };
  const [first, ...rest] = links.map(read);
  return {...first, sections: rest.map(s => [s.title, s.snippet])};
})"""


def site_path(url: str, base: str) -> str:
    plain = urljoin(url, urlsplit(url).path)
    assert plain.startswith(base), f"{url} is outside the site at {base}"
    return plain[len(base) :]


def open_search(page) -> None:
    icon = page.locator("label.md-header__button[for=__search]")  # a phone's header shows an icon
    if icon.is_visible():
        icon.click()
    else:
        page.locator("input.md-search__input").click()


def search(page, base: str, query: str) -> list[Shown]:
    """Type `query` into Material's search box, as a person does; every result, in order, once
    the list has settled (Material shows ten, and more as the reader scrolls: scroll them in)."""
    open_search(page)
    box = page.locator("input.md-search__input")
    box.fill("")
    box.press_sequentially(query, delay=30)
    meta = page.locator(".md-search-result__meta")
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while True:
        said = meta.inner_text()
        count = re.match(r"(\d+) matching", said)
        total = int(count.group(1)) if count else (1 if said.startswith("1 matching") else 0)
        shown = page.locator(".md-search-result__list > .md-search-result__item").count()
        if total and shown >= total:
            break
        assert time.monotonic() < deadline, f"searching {query!r}: the results did not settle ({said!r}, {shown})"
        # Material adds four more each time the list's end comes into view.
        # In the page itself: the list may be drawn again while typing settles, and a handle to
        # an item taken before that would be detached.
        page.evaluate(
            "() => { const items = document.querySelectorAll('.md-search-result__list > .md-search-result__item');"
            " if (items.length) items[items.length - 1].scrollIntoView(); }"
        )
        page.wait_for_timeout(100)
        page.locator(".md-search__scrollwrap").evaluate("el => el.scrollTo(0, 0)")
        page.wait_for_timeout(50)
    page.locator(".md-search__scrollwrap").evaluate("el => el.scrollTo(0, 0)")
    found = page.locator(".md-search-result__list").evaluate(READ_RESULTS)
    return [
        Shown(
            site_path(r["href"], base),
            r["title"],
            " ".join(r["snippet"].split()),
            tuple(r["tags"]),
            tuple((t, " ".join(s.split())) for t, s in r["sections"]),
        )
        for r in found
    ]


def describe(results: list[Shown]) -> str:
    return "\n".join(
        f"  {n}. /{r.path}  {r.title!r}: {r.snippet[:100]!r} {list(r.tags)}" for n, r in enumerate(results)
    )


@pytest.fixture(params=list(SCREENS))
def screen(request, page) -> str:  # noqa: ANN001
    width, height = SCREENS[request.param]
    page.set_viewport_size({"width": width, "height": height})
    return request.param


# --------------------------------------------------------------------------- 1: who and what for PBL, SEL, Scrum


@pytest.mark.parametrize("typed", list(ASKED))
def test_a_principal_types_a_topic_as_people_say_it_and_sees_who_and_what(
    page, served_site, sample_site, screen, typed
) -> None:  # noqa: ANN001
    topic = ASKED[typed]
    about = topics()[topic]
    credentials, experts = listed_on_topic_page(sample_site, topic)
    assert credentials and experts, f"the sample's topic {topic} should list credentials and experts"
    every = specs()
    retired = {f"credentials/{cid}/" for cid, s in every.items() if status(s) == "retired"}

    page.goto(served_site)
    results = search(page, served_site, typed)
    paths = [r.path for r in results]
    seen = describe(results)

    # The topic's page first, named as the district names it, with a sentence that says what it is.
    assert paths[0] == f"topics/{topic}/", f"at {screen}, {typed!r} should show the topic page first:\n{seen}"
    first = results[0]
    assert first.title == f"Topic: {about['label']}", seen
    assert about["description"] in html.unescape(first.snippet), f"the topic's snippet: {first.snippet!r}"

    # Then what the district offers on it, and who holds it.
    missing = sorted((credentials | experts) - set(paths))
    assert not missing, f"{typed!r} should find the topic's credentials and experts; missing {missing}:\n{seen}"
    wanted = {f"topics/{topic}/", *credentials, *experts}
    last_wanted = max(paths.index(p) for p in wanted)
    # Before the last of them, nothing unrelated (a stack of the topic, a retired credential marked so, may be).
    unrelated = [p for p in paths[:last_wanted] if p not in wanted and not p.startswith("stacks/") and p not in retired]
    assert not unrelated, f"{typed!r}: results unrelated to {topic} come before its credentials and people:\n{seen}"

    # A retired credential is never presented as one on offer; snippets read as sentences.
    for result in results:
        if result.path in retired:
            assert "retired" in result.title.lower(), f"a retired credential shown as available:\n{seen}"
        texts = [result.snippet, *(s for _, s in result.sections)]
        assert not [bit for text in texts for bit in run_together(text)], f"rubric cells run together: {result}"
    expert = next(r for r in results if r.path in experts)
    assert expert.snippet and not expert.snippet.startswith("<"), expert

    # Enter opens the best result: the topic's page, with its credentials and its people.
    page.locator("input.md-search__input").press("Enter")
    page.wait_for_url(served_site + f"topics/{topic}/**")
    assert page.locator("h1").first.inner_text() == about["label"]
    assert page.get_by_role("heading", name="Who holds this").is_visible() or screen == "phone"


def test_searching_a_rubric_word_shows_sentences_not_table_cells(page, served_site, screen) -> None:  # noqa: ANN001
    page.goto(served_site)
    results = search(page, served_site, "Exemplary")  # a level every rubric has
    assert results, "every rubric has an Exemplary level: the word should be found"
    bad = [
        (r.path, title, bit)
        for r in results
        for title, text in ((r.title, r.snippet), *r.sections)
        for bit in run_together(text)
    ]
    assert not bad, "search shows rubric cells run together:\n  " + "\n  ".join(map(str, bad[:10]))


def test_a_retired_credential_is_found_by_its_name_and_marked_retired(page, served_site) -> None:  # noqa: ANN001
    retired = [(cid, s) for cid, s in specs().items() if status(s) == "retired"]
    assert retired, "the sample should keep a retired credential"
    cid, spec = retired[0]
    page.goto(served_site)
    results = search(page, served_site, spec["title"])
    mine = [r for r in results if r.path == f"credentials/{cid}/"]
    assert mine, f"searching its title {spec['title']!r} should still find its page:\n{describe(results)}"
    assert "retired" in mine[0].title.lower(), f"shown as available: {mine[0]}"


# --------------------------------------------------------------------------- 2: the catalog's own filter


@pytest.mark.parametrize("typed", ["PBL", "sel", "Social-emotional"])
def test_a_teacher_narrows_the_catalog_with_a_topic_word(page, served_site, screen, typed) -> None:  # noqa: ANN001
    topic = next(
        tid
        for tid, t in topics().items()
        if typed.lower() in " ".join([tid, t["label"], *t.get("aliases", [])]).lower()
    )
    expected = {
        f"credentials/{cid}/": s["title"]
        for cid, s in specs().items()
        if status(s) == "active" and topic in s["topics"]
    }
    page.goto(served_site + "credentials/")
    field = page.get_by_label("Search the list")
    field.wait_for(state="visible")
    field.press_sequentially(typed, delay=30)
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while True:
        shown = {
            site_path(a["href"], served_site): a["title"]
            for a in page.locator("#cairn-cards > li.cairn-card:visible .cairn-card__title a").evaluate_all(
                "links => links.map(a => ({href: a.href, title: a.textContent.trim()}))"
            )
        }
        if shown == expected or time.monotonic() > deadline:
            break
        page.wait_for_timeout(100)
    assert shown == expected, f"typing {typed!r} in 'Search the list' at {screen}: shown {sorted(shown)}"
    assert re.search(rf"\b{len(expected)}\b", page.locator("#cairn-count").inner_text())


# --------------------------------------------------------------------------- the index itself


@pytest.fixture(scope="module")
def index(sample_site: Path) -> list[dict]:
    return json.loads((sample_site / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]


def entry(index: list[dict], location: str) -> dict:
    found = [d for d in index if d["location"] == location]
    assert len(found) == 1, f"{location!r} should have one entry of its own in the search index, found {len(found)}"
    return found[0]


def test_every_kind_of_page_is_in_the_index_with_a_sentence(sample_site: Path, index: list[dict]) -> None:
    folders = ["credentials", "stacks", "topics", "experts", "schools", "verify"]
    pages = [f"{f}/" for f in folders]
    pages += [f"stacks/{p.name}/" for p in sorted((REPO / "catalog").iterdir()) if (p / "_stack.yml").is_file()]
    pages += [f"topics/{t}/" for t in topics()]
    schools = yaml.safe_load((REPO / "earners" / "_schools.yml").read_text(encoding="utf-8"))
    pages += [f"schools/{s}/" for s in schools]
    for location in pages:
        found = entry(index, location)
        text = html.unescape(re.sub(r"<[^>]+>", " ", found["text"])).strip()
        assert found["title"] and len(text.split()) >= 4, f"/{location} needs a title and a sentence: {found}"


def test_a_topic_entry_carries_its_aliases_and_its_credentials_carry_them_too(index: list[dict]) -> None:
    for tid, topic in topics().items():
        aliases = topic.get("aliases", [])
        if not aliases:
            continue
        tags = " ".join(entry(index, f"topics/{tid}/").get("tags", []))
        assert all(a in tags for a in aliases), (tid, tags)
        for cid, spec in specs().items():
            if status(spec) == "active" and tid in spec["topics"]:
                tags = " ".join(entry(index, f"credentials/{cid}/").get("tags", []))
                assert all(a in tags for a in aliases), (cid, tags)


def test_the_sample_vocabulary_lists_the_abbreviations_people_use() -> None:
    said = {a.lower() for t in topics().values() for a in t.get("aliases", [])}
    assert {"pbl", "sel", "crt", "ct"} <= said, said


def test_drafts_are_not_in_the_index_and_no_entry_runs_rubric_cells_together(index: list[dict]) -> None:
    for cid, spec in specs().items():
        if status(spec) == "draft":
            assert not [d for d in index if d["location"].startswith(f"credentials/{cid}/")], cid
    bad = [
        (d["location"], bit) for d in index for bit in run_together(html.unescape(re.sub(r"<[^>]+>", " ", d["text"])))
    ]
    assert not bad, bad[:5]


# --------------------------------------------------------------------------- the vocabulary's aliases are checked


TOPIC = "{id}:\n  label: {label}\n  description: Made by the tests.\n"


@pytest.mark.parametrize(
    ("written", "complaint"),
    [
        ("  aliases: Plantings\n", None),  # one alias may be written alone
        ("  aliases: {short: PBL}\n", "'aliases' should be a list"),
        ("  aliases: [" + "x" * 41 + "]\n", "over the limit of 40"),
        ("  aliases: [SEL]\n", "'SEL' is already a name of the topic 'sel'"),
        ("  aliases: [Social-Emotional Learning]\n", "is already a name of the topic 'sel'"),
        ("  aliases: [pbl]\n", "'pbl' is already a name of the topic 'pbl'"),
        ("  aliases: [Planted, planted]\n", "'planted' is listed twice"),
    ],
)
def test_a_topic_alias_that_is_not_short_text_or_names_another_topic_is_refused_with_its_line(
    project: Path, capsys: pytest.CaptureFixture[str], written: str, complaint: str | None
) -> None:
    vocabulary = project / "catalog" / "_topics.yml"
    text = vocabulary.read_text(encoding="utf-8")
    assert "aliases: [SEL]" in text.replace('"', ""), "the sample gives sel the alias SEL"
    vocabulary.write_text(text + TOPIC.format(id="planted", label="Planted") + written, encoding="utf-8")
    code = run_cli(project, "check")
    err = capsys.readouterr().err
    if complaint is None:
        assert code == 0, err
        return
    assert code == 1, err
    line = len((text + TOPIC.format(id="planted", label="Planted")).splitlines()) + 1
    assert f"catalog/_topics.yml:{line}: " in err and complaint in err, err


# --------------------------------------------------------------------------- what a phone loads


def test_the_catalog_and_one_search_weigh_under_a_megabyte_on_a_phone(browser, served_site) -> None:  # noqa: ANN001
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    context.set_default_timeout(TIMEOUT_MS)
    bodies: dict[str, int] = {}
    zipped: dict[str, int] = {}

    def weigh(response) -> None:  # noqa: ANN001
        try:
            body = response.body()
        except Exception:  # a redirect or an aborted request has no body
            return
        bodies[response.url] = len(body)
        zipped[response.url] = len(gzip.compress(body, 6))

    context.on("response", weigh)
    try:
        page = context.new_page()
        page.goto(served_site + "credentials/")
        page.locator("#cairn-cards img").last.scroll_into_view_if_needed()  # the badges load as she scrolls
        page.evaluate("scrollTo(0, 0)")
        results = search(page, served_site, "PBL")
        assert results
        page.wait_for_timeout(300)
    finally:
        context.close()
    index = [u for u in bodies if u.endswith("search_index.json")]
    worker = [u for u in bodies if "/workers/search" in u]
    assert index and worker, f"the search index and its worker should have loaded: {sorted(bodies)}"
    total, total_zipped = sum(bodies.values()), sum(zipped.values())
    print(
        f"\nphone, catalog + one search: {len(bodies)} files, {total / 1000:.0f} KB as sent uncompressed, "
        f"{total_zipped / 1000:.0f} KB gzipped; search index {bodies[index[0]] / 1000:.0f} KB "
        f"({zipped[index[0]] / 1000:.0f} KB gzipped)"
    )
    assert total < PHONE_BUDGET, f"{total:,} bytes: " + ", ".join(f"{u} {n:,}" for u, n in sorted(bodies.items()))


# --------------------------------------------------------------------------- Cairn's entries, as a function


def test_a_pages_entries_are_cairns_sentence_then_its_sections_untagged_and_the_rubric_in_words() -> None:
    """What the index gets for a credential page is a function of the page and of what the search
    plugin read from it: the same for a page rendered now and for one kept from the last build."""
    import datetime as dt

    from cairn.pages import data
    from cairn.people import experts_by_topic, profiles
    from cairn.sources.load import Sources, load_district

    today = dt.date.today()
    district, problems = load_district(Sources(REPO / "catalog", REPO / "earners", REPO), today)
    assert not problems.errors, problems.errors
    people = profiles(district, today)
    sharing = data.Sharing("https://example.org/", "Maple Valley")
    pages = {p.src_uri: p for p in data.site_pages(district, sharing, people, experts_by_topic(district, people))}
    cid = next(cid for cid, s in specs().items() if status(s) == "active" and "sel" in s["topics"])
    spec = pages[f"credentials/{cid}/index.md"]
    rendered = [
        {"location": f"credentials/{cid}/", "title": "x", "text": "", "tags": ["Social-emotional learning"]},
        {"location": f"credentials/{cid}/#competency", "title": "Competency", "text": "<p>c</p>", "tags": ["t"]},
        {"location": f"credentials/{cid}/#scoring-rubric", "title": "Scoring Rubric", "text": "", "tags": ["t"]},
    ]
    entries = data.page_search_entries(spec, f"credentials/{cid}/", rendered)
    assert entries == data.page_search_entries(spec, f"credentials/{cid}/", [dict(e) for e in rendered])
    own, competency, rubric = entries
    assert own["location"] == f"credentials/{cid}/" and own["title"] == html.escape(specs()[cid]["title"])
    assert html.escape(specs()[cid]["summary"], quote=True) in own["text"]
    assert any("SEL" in tag for tag in own["tags"]) and own["boost"] > 1
    assert competency == {"location": f"credentials/{cid}/#competency", "title": "Competency", "text": "<p>c</p>"}
    criteria = [row[0] for row in rubric_rows(cid)[1:]]
    assert rubric["text"].startswith("<p>Scored on ") and all(html.escape(c) in rubric["text"] for c in criteria)
    assert "tags" not in rubric
