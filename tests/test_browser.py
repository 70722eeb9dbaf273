"""Headless-browser stories: the built sample district, driven in Debian's Chromium.

Every expectation is computed from the sample data (catalog/*/*.md front matter and
bodies, catalog/_topics.yml) or, where a test needs a word that is rare on the site,
from the built HTML; no count is written down here.

Needs /usr/bin/chromium and node_modules/axe-core (`make test` installs both); the
tests fail, never skip, when either is missing. No browser is downloaded.
"""

from __future__ import annotations

import html
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import yaml
from browser_support import TIMEOUT_MS, axe_violations, describe_violations
from conftest import REPO, serve_folder

# The six sections of every spec, in order (the headings a reader sees on a credential page).
SECTIONS = (
    "Competency",
    "Key Method",
    "Method Components",
    "Research & Resources",
    "Submission Criteria",
    "Scoring Rubric",
)


# --------------------------------------------------------------------------- sample data


@dataclass(frozen=True)
class Spec:
    """One credential as its source file describes it."""

    id: str
    stack: str
    title: str
    summary: str
    level: str
    topics: tuple[str, ...]
    status: str
    sections: dict[str, str]  # heading as written -> markdown text

    @property
    def path(self) -> str:
        return f"credentials/{self.id}/"

    def section(self, title: str) -> str:
        return next(text for heading, text in self.sections.items() if same_heading(heading, title))

    def rubric_criteria(self) -> list[str]:
        rows = [line for line in self.section("Scoring Rubric").splitlines() if line.lstrip().startswith("|")]
        return [line.strip().strip("|").split("|")[0].strip() for line in rows[2:]]


def same_heading(a: str, b: str) -> bool:
    """'Research and Resources' and 'Research & Resources' name the same section."""

    def norm(text: str) -> str:
        return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower().replace("&", " and ")).split())

    return norm(a) == norm(b)


def _read_spec(path: Path) -> Spec:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---"), f"{path}: no front matter"
    _, front, body = re.split(r"^---[ \t]*$", text, maxsplit=2, flags=re.MULTILINE)
    meta = yaml.safe_load(front)
    sections: dict[str, str] = {}
    current = None
    for line in body.splitlines():
        heading = re.match(r"^##[ \t]+(.+?)[ \t#]*$", line)
        if heading:
            current = heading.group(1)
            sections[current] = ""
        elif current is not None:
            sections[current] += line + "\n"
    topics = meta["topics"]
    return Spec(
        id=str(meta.get("id") or path.stem),
        stack=path.parent.name,
        title=str(meta["title"]),
        summary=" ".join(str(meta["summary"]).split()),
        level=str(meta["level"]),
        topics=tuple([topics] if isinstance(topics, str) else topics),
        status=str(meta.get("status", "active")),
        sections=sections,
    )


@dataclass(frozen=True)
class Catalog:
    specs: tuple[Spec, ...]
    topic_labels: dict[str, str]

    @property
    def active(self) -> list[Spec]:
        return [s for s in self.specs if s.status == "active"]

    @property
    def published(self) -> list[Spec]:
        return [s for s in self.specs if s.status != "draft"]

    def by_id(self, credential_id: str) -> Spec:
        return next(s for s in self.specs if s.id == credential_id)

    def card_text(self, spec: Spec) -> str:
        """What the catalog's text filter searches: title, summary and topic labels."""
        return " ".join([spec.title, spec.summary, *(self.topic_labels[t] for t in spec.topics)]).lower()


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    # Micro-credentials, in their stacks' folders; milestones (catalog/_milestones/) have no stack,
    # level or rubric: test_recognition_pages.py reads them.
    specs = tuple(_read_spec(p) for p in sorted((REPO / "catalog").glob("[!_]*/*.md")))
    topics = yaml.safe_load((REPO / "catalog" / "_topics.yml").read_text(encoding="utf-8"))
    catalog = Catalog(specs, {tid: t["label"] for tid, t in topics.items()})
    assert catalog.active, "the sample catalog has no active credential"
    assert any(s.status != "active" for s in catalog.specs), "the sample should keep a draft or retired credential"
    return catalog


def site_path(url: str, base: str) -> str:
    """'http://host/district/credentials/x/?h=y#z' -> 'credentials/x/' for base 'http://host/district/'."""
    plain = urljoin(url, urlsplit(url).path)
    assert plain.startswith(base), f"{url} is outside the site at {base}"
    return plain[len(base) :]


def visible_cards(page, base: str) -> dict[str, str]:
    """The catalog cards a reader can see: site path of the credential -> title shown."""
    cards = page.locator("#cairn-cards > li.cairn-card")
    shown = {}
    for index in range(cards.count()):
        card = cards.nth(index)
        if card.is_visible():
            link = card.locator(".cairn-card__title a")
            shown[site_path(link.evaluate("a => a.href"), base)] = link.inner_text().strip()
    return shown


def expected_cards(specs) -> dict[str, str]:
    return {s.path: s.title for s in specs}


def wait_for_cards(page, base: str, expected: dict[str, str], what: str) -> None:
    """Wait until exactly the expected cards are visible (the filters run on input events)."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while True:
        shown = visible_cards(page, base)
        if shown == expected or time.monotonic() > deadline:
            break
        page.wait_for_timeout(100)
    missing = sorted(set(expected) - set(shown))
    extra = sorted(set(shown) - set(expected))
    assert shown == expected, (
        f"{what}: visible cards differ from the sample data.\n"
        f"  should be visible but are not: {missing}\n"
        f"  visible but should not be: {extra}\n"
        f"  titles shown: {shown}"
    )


def count_text(page) -> str:
    return page.locator("#cairn-count").inner_text().strip()


def assert_count_says(page, shown: int, total: int) -> None:
    text = count_text(page)
    if shown == total:
        assert re.search(rf"\ball {total}\b", text), f"count text {text!r} should say all {total} are shown"
    else:
        assert re.search(rf"\b{shown}\b\D+\b{total}\b", text), f"count text {text!r} should say {shown} of {total}"


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


# --------------------------------------------------------------------------- 1-4: the catalog filters


def test_teacher_filters_the_catalog_by_topic(page, served_site, catalog):
    page.goto(served_site + "credentials/")
    page.locator("#cairn-filters").wait_for(state="visible")
    everything = expected_cards(catalog.active)
    wait_for_cards(page, served_site, everything, "on arrival, every active credential")
    assert_count_says(page, len(everything), len(everything))

    label = catalog.topic_labels["sel"]
    page.get_by_label("Topic").select_option(label=label)
    assert page.locator("#filter-topic").input_value() == "sel"
    sel = expected_cards(s for s in catalog.active if "sel" in s.topics)
    assert 0 < len(sel) < len(everything), "the sample should have some, not all, credentials on sel"
    wait_for_cards(page, served_site, sel, f"after choosing the topic {label!r}")
    assert_count_says(page, len(sel), len(everything))
    assert query_of(page.url) == {"topic": ["sel"]}, f"the URL should share the filter: {page.url}"
    assert page.locator("#cairn-empty").is_hidden()

    page.get_by_role("button", name="Clear filters").click()
    wait_for_cards(page, served_site, everything, "after Clear filters")
    assert query_of(page.url) == {}, f"Clear filters should empty the URL query: {page.url}"


def test_shared_filter_link_cold_loads_filtered(page, served_site, catalog):
    pbl = [s for s in catalog.active if "pbl" in s.topics]
    levels = sorted({s.level for s in pbl}, key=lambda level: (-sum(s.level == level for s in pbl), level))
    assert pbl and levels, "the sample should have active pbl credentials"
    level = levels[0]  # the most common level among pbl credentials: a non-empty, narrower view
    expected = expected_cards(s for s in pbl if s.level == level)

    page.goto(served_site + f"credentials/?topic=pbl&level={level}")
    page.locator("#cairn-filters").wait_for(state="visible")
    assert page.locator("#filter-topic").input_value() == "pbl"
    assert page.locator("#filter-level").input_value() == level
    for other in ("q", "stack", "hours"):
        assert page.locator(f"#filter-{other}").input_value() == "", f"{other} should stay empty"
    wait_for_cards(page, served_site, expected, f"the shared link ?topic=pbl&level={level}")
    assert_count_says(page, len(expected), len(catalog.active))


def test_text_filter_narrows_to_cards_containing_the_word(page, served_site, catalog):
    texts = {s.path: catalog.card_text(s) for s in catalog.active}
    # A word from a title that several, but not all, cards contain (in a title, summary or topic),
    # typed as the title spells it; failing that, one that a single card contains.
    words = {w for s in catalog.active for w in re.findall(r"[A-Za-z]{5,}", s.title)}
    hits = {w: sum(w.lower() in t for t in texts.values()) for w in words}
    ranked = sorted((w for w in words if hits[w] < len(texts)), key=lambda w: (hits[w] < 2, hits[w], w))
    assert ranked, "every word of every title is on every card"
    word = ranked[0]
    expected = expected_cards(s for s in catalog.active if word.lower() in texts[s.path])

    page.goto(served_site + "credentials/")
    field = page.get_by_label("Search the list")
    field.wait_for(state="visible")
    field.press_sequentially(word, delay=20)
    wait_for_cards(page, served_site, expected, f"after typing {word!r}")
    assert_count_says(page, len(expected), len(catalog.active))
    assert query_of(page.url) == {"q": [word]}, f"the URL should carry the typed word: {page.url}"


def test_catalog_without_javascript_lists_everything(browser, served_site, catalog):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(served_site + "credentials/?topic=sel")
        assert page.locator("#cairn-filters").is_hidden(), "without JavaScript the filter form must stay hidden"
        shown = visible_cards(page, served_site)
        assert shown == expected_cards(catalog.active), "without JavaScript every active card should show"
        for spec in catalog.specs:
            if spec.status != "active":
                assert spec.path not in shown, f"{spec.status} credential {spec.id} should not be in the catalog"
    finally:
        context.close()


# --------------------------------------------------------------------------- 5: a credential page


def assert_credential_page(page, spec: Spec) -> None:
    heading = page.locator("article h1")
    assert heading.count() == 1, "a credential page has one h1"
    assert heading.inner_text().strip() == spec.title
    headings = [h.strip() for h in page.locator("article .cairn-spec h2").all_inner_texts()]
    assert len(headings) == len(SECTIONS) and all(map(same_heading, headings, SECTIONS)), (
        f"{spec.id}: the section headings should be {list(SECTIONS)} in order, found {headings}"
    )
    rows = page.locator("article .cairn-spec table tbody tr")
    assert rows.count() == len(spec.rubric_criteria()), f"{spec.id}: one rubric row per criterion"
    row_headers = [
        th.strip() for th in page.locator("article .cairn-spec table tbody tr > th[scope=row]").all_inner_texts()
    ]
    assert row_headers == spec.rubric_criteria(), (
        f"{spec.id}: every rubric row should start with its criterion as th[scope=row], found {row_headers}"
    )
    assert page.locator("article .cairn-spec table thead th[scope=col]").count() >= 3


def test_card_title_opens_the_credential_page(page, served_site, catalog):
    page.goto(served_site + "credentials/")
    page.locator("#cairn-filters").wait_for(state="visible")
    card = page.locator("#cairn-cards > li.cairn-card:visible").first
    link = card.locator(".cairn-card__title a")
    spec = catalog.by_id(site_path(link.evaluate("a => a.href"), served_site).split("/")[1])
    link.click()
    page.wait_for_url(served_site + spec.path)
    assert_credential_page(page, spec)
    badge = page.locator("img.cairn-credential-head__badge")
    assert badge.get_attribute("alt"), "the badge needs a text alternative"


# --------------------------------------------------------------------------- 6: Material's search


def search(page, base: str, query: str, wanted: set[str]) -> list[str]:
    """Type in Material's search box; return the result pages (site paths) once `wanted` are among them."""
    box = page.locator("input.md-search__input")
    assert box.count() == 1, f"{page.url} has no Material search box (is the search plugin on in mkdocs.yml?)"
    if not box.evaluate("el => el === document.activeElement"):
        page.keyboard.press("/")  # Material's shortcut for the search box
    if not box.evaluate("el => el === document.activeElement"):
        page.locator("label.md-header__button[for=__search]").click()
    box.fill("")
    box.press_sequentially(query, delay=20)
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while True:
        links = page.locator(".md-search-result__item a").evaluate_all("links => links.map(a => a.href)")
        found = list(dict.fromkeys(site_path(url, base) for url in links))
        if wanted <= set(found) or time.monotonic() > deadline:
            return found
        page.wait_for_timeout(100)


def _page_texts(site: Path) -> dict[str, str]:
    """Lower-case visible-ish text of every built page, by site path."""
    texts = {}
    for file in site.rglob("*.html"):
        raw = file.read_text(encoding="utf-8")
        raw = re.sub(r"<(script|style)\b.*?</\1>", " ", raw, flags=re.DOTALL)
        rel = file.relative_to(site).as_posix()
        texts[rel.removesuffix("index.html")] = html.unescape(re.sub(r"<[^>]+>", " ", raw)).lower()
    return texts


def distinctive_competency_word(catalog: Catalog, site: Path) -> tuple[Spec, str]:
    """A word of one credential's Competency whose stem appears on no other page of the site."""
    texts = _page_texts(site)
    for spec in catalog.published:
        others = [t for p, t in texts.items() if p != spec.path]
        words = sorted(set(re.findall(r"[a-z]{8,}", spec.section("Competency").lower())), key=lambda w: (-len(w), w))
        for word in words:
            if not any(word[:6] in text for text in others):
                return spec, word
    raise AssertionError("no credential's Competency has a word that appears on no other page")


def test_material_search_finds_credentials(page, served_site, sample_site, catalog):
    spec, word = distinctive_competency_word(catalog, sample_site)
    page.goto(served_site)
    found = search(page, served_site, word, {spec.path})
    assert spec.path in found, f"searching {word!r} (from {spec.id}'s Competency) should find {spec.path}; got {found}"

    # A topic label finds the credentials tagged with it: the rarest topic that has a credential.
    tagged = {t: {s.path for s in catalog.published if t in s.topics} for t in catalog.topic_labels}
    topic = min((t for t in tagged if tagged[t]), key=lambda t: (len(tagged[t]), t))
    label = catalog.topic_labels[topic]
    found = search(page, served_site, label, tagged[topic])
    assert tagged[topic] <= set(found), (
        f"searching the topic {label!r} should find every credential tagged {topic}: {sorted(tagged[topic])}; "
        f"got {found}"
    )


# --------------------------------------------------------------------------- 7: accessibility


def test_pages_pass_axe_wcag21_aa(page, served_site, catalog):
    spec = catalog.active[0]
    topic = next(t for t in catalog.topic_labels if any(t in s.topics for s in catalog.active))
    # Every credential page: their content (alignment lists, rubric tables) differs page by page.
    paths = ["", "credentials/", "stacks/", f"stacks/{spec.stack}/", "topics/", f"topics/{topic}/"]
    paths += [s.path for s in catalog.specs if s.status != "draft"]
    reports = []
    for path in paths:
        response = page.goto(served_site + path)
        assert response is not None and response.status == 200, f"/{path} did not load"
        if path == "credentials/":
            page.locator("#cairn-filters").wait_for(state="visible")  # check the form as readers see it
        violations = axe_violations(page)
        if violations:
            reports.append(describe_violations(path, violations))
    assert not reports, "axe-core found WCAG 2.1 A/AA violations:\n" + "\n".join(reports)


# --------------------------------------------------------------------------- 8: served under a path


def local_urls(page, base: str) -> set[str]:
    """Every href and src on the page that points into this server, without fragments."""
    urls = page.evaluate(
        """() => Array.from(document.querySelectorAll('[href], [src]')).flatMap(el =>
             ['href', 'src'].filter(a => el.hasAttribute(a))
               .map(a => new URL(el.getAttribute(a), document.baseURI).href))"""
    )
    origin = "{0.scheme}://{0.netloc}/".format(urlsplit(base))
    return {url.split("#")[0] for url in urls if url.startswith(origin)}


def test_site_works_under_a_path(page, sample_site, tmp_path, catalog):
    root = tmp_path / "www"
    shutil.copytree(sample_site, root / "district")
    server = serve_folder(root)
    base = next(server) + "district/"
    try:
        page.goto(base + "credentials/")
        page.locator("#cairn-filters").wait_for(state="visible")
        topic = next(
            t for t in catalog.topic_labels if 0 < sum(t in s.topics for s in catalog.active) < len(catalog.active)
        )
        page.get_by_label("Topic").select_option(topic)
        expected = expected_cards(s for s in catalog.active if topic in s.topics)
        wait_for_cards(page, base, expected, f"under /district/, topic {topic}")
        assert urlsplit(page.url).path == "/district/credentials/", page.url

        link = page.locator("#cairn-cards > li.cairn-card:visible .cairn-card__title a").first
        spec = catalog.by_id(site_path(link.evaluate("a => a.href"), base).split("/")[1])
        link.click()
        page.wait_for_url(base + spec.path)
        assert_credential_page(page, spec)
        badge = page.locator("img.cairn-credential-head__badge")
        page.wait_for_function("img => img.complete", arg=badge.element_handle())
        assert badge.evaluate("img => img.naturalWidth") > 0, f"the badge {badge.get_attribute('src')} did not load"

        broken = []
        for path in ("", "credentials/", spec.path):
            page.goto(base + path)
            for url in sorted(local_urls(page, base)):
                if not url.startswith(base):
                    broken.append(f"{url} (from /district/{path}) leaves the /district/ folder")
                    continue
                status = page.request.get(url).status
                if status != 200:
                    broken.append(f"{url} (from /district/{path}) answered HTTP {status}")
        assert not broken, "links and assets that break when the site lives under a path:\n  " + "\n  ".join(broken)

        # Material's search finds its index under the path too.
        page.goto(base)
        found = search(page, base, spec.title, {spec.path})
        assert spec.path in found, f"search under /district/ should find {spec.title!r}; got {found}"
    finally:
        server.close()
