"""A teacher on a 390 px phone, and a principal at a 1280 px desk, use the sample district.

Nothing scrolls sideways; fields do not make iOS zoom in and are big enough to tap; the home
page shows the way to the experts, the schools and the verify page; a rubric too wide for the
screen says it scrolls; counts say what they count; "Link copied" is heard, not only seen; a
generated badge shows its whole stack name and title.

Every expectation is computed from the sample data (catalog/, earners/), never written down.
"""

from __future__ import annotations

import http.server
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from browser_support import axe_violations, describe_violations
from conftest import REPO, serve_folder

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}
MIN_TARGET = 44  # px: WCAG 2.5.5's target size, Apple's and Google's guidance
MIN_FIELD_TEXT = 16  # px: below this iOS Safari zooms the page when a field is tapped


# --------------------------------------------------------------------------- sample data


def front_matter(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])


def specs() -> dict[str, dict]:
    """Credential id -> front matter (with its stack's folder), drafts included."""
    result = {}
    for path in sorted((REPO / "catalog").glob("*/*.md")):
        meta = front_matter(path)
        result[str(meta.get("id") or path.stem)] = {**meta, "stack": path.parent.name}
    return result


def stacks() -> dict[str, dict]:
    return {
        p.parent.name: yaml.safe_load(p.read_text(encoding="utf-8"))
        for p in sorted((REPO / "catalog").glob("*/_stack.yml"))
    }


def earners() -> list[dict]:
    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((REPO / "earners").glob("[!_]*.yml"))]


def published() -> list[str]:
    return [cid for cid, meta in specs().items() if meta.get("status", "active") != "draft"]


def holders(credential: str) -> tuple[int, int]:
    """(educators holding a non-revoked award of it, those of them listed on its page)."""
    held = [e for e in earners() if any(a["credential"] == credential and "revoked" not in a for a in e["awards"])]
    listed = [
        e
        for e in held
        if e.get("public")
        and e.get("slug")
        and any(a["credential"] == credential and "revoked" not in a and a.get("public", True) for a in e["awards"])
    ]
    return len(held), len(listed)


def busiest_profile() -> str:
    """The slug of the public earner with the most badges shown (the longest profile)."""
    public = [e for e in earners() if e.get("public") and e.get("slug")]
    return max(public, key=lambda e: (sum("revoked" not in a for a in e["awards"]), e["slug"]))["slug"]


# --------------------------------------------------------------------------- the site, as hosts serve it


class _Host(http.server.SimpleHTTPRequestHandler):
    """Serves the site as a static host does: a missing page gets the site's own 404.html."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the stdlib's name)
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


@pytest.fixture(scope="module")
def site(sample_site: Path) -> Iterator[str]:
    yield from serve_folder(sample_site, _Host)


def page_types() -> list[str]:
    """One of each page type, and every credential page: each has its own rubric table."""
    school = next(iter(yaml.safe_load((REPO / "earners" / "_schools.yml").read_text(encoding="utf-8"))))
    topic = next(iter(yaml.safe_load((REPO / "catalog" / "_topics.yml").read_text(encoding="utf-8"))))
    paths = ["", "credentials/", "stacks/", "topics/", f"topics/{topic}/", "experts/", "schools/"]
    paths += [f"stacks/{s}/" for s in stacks()]
    paths += [f"schools/{school}/", f"earners/{busiest_profile()}/", "verify/", "insights/"]
    return paths + [f"credentials/{cid}/" for cid in published()]


def sideways(page) -> dict:
    return page.evaluate(
        """() => ({
             scrollWidth: document.scrollingElement.scrollWidth,
             innerWidth: window.innerWidth,
             wide: Array.from(document.querySelectorAll('body *'))
               .filter(el => el.getBoundingClientRect().right > window.innerWidth + 0.5 && el.getClientRects().length
                             && !el.closest('.md-typeset__scrollwrap, .md-sidebar, .md-search'))
               .slice(0, 5).map(el => el.tagName.toLowerCase() + '.' + String(el.className).split(' ')[0]
                                      + ' right=' + Math.round(el.getBoundingClientRect().right)),
           })"""
    )


# --------------------------------------------------------------------------- nothing scrolls sideways


def test_no_page_scrolls_sideways_on_a_phone_and_axe_stays_clean(page, site, expected_failures):
    """At 390 px every page type fits the screen's width, and axe finds nothing, as on a desk."""
    page.set_viewport_size(PHONE)
    expected_failures.append(site + "no-such-page/")
    too_wide, reports = [], []
    for path in [*page_types(), "no-such-page/"]:
        response = page.goto(site + path)
        assert response is not None and response.status == (404 if path == "no-such-page/" else 200), f"/{path}"
        page.wait_for_load_state("load")
        if path == "credentials/":
            page.locator("#cairn-filters").wait_for(state="visible")
        measured = sideways(page)
        assert measured["innerWidth"] == PHONE["width"]
        if measured["scrollWidth"] > measured["innerWidth"]:
            too_wide.append(
                f"/{path}: {measured['scrollWidth']} px wide on a {PHONE['width']} px screen {measured['wide']}"
            )
        violations = axe_violations(page)
        if violations:
            reports.append(describe_violations(path, violations))
    assert not too_wide, "these pages scroll sideways on a phone:\n  " + "\n  ".join(too_wide)
    assert not reports, "axe-core found WCAG 2.1 A/AA violations at 390 px:\n" + "\n".join(reports)


# --------------------------------------------------------------------------- the way to every section


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
@pytest.mark.parametrize(
    ("words", "path", "heading"),
    [("expert", "experts/", "Experts"), ("school", "schools/", "Schools"), ("verify", "verify/", "Verif")],
)
def test_home_page_shows_the_way_to_experts_schools_and_verify(page, site, viewport, words, path, heading):
    """On the home page itself, not behind the menu, a principal sees the way to the experts,
    the schools and the verify page, and taps it."""
    page.set_viewport_size(viewport)
    page.goto(site)
    body = page.locator("article")
    link = body.get_by_role("link", name=re.compile(words, re.IGNORECASE))
    visible = [link.nth(i) for i in range(link.count()) if link.nth(i).is_visible()]
    assert visible, f"the home page's body has no visible link about {words!r} at {viewport['width']} px"
    box = visible[0].bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], f"the {words!r} link is off screen"
    visible[0].click()
    page.wait_for_url(site + path)
    assert heading.lower() in page.locator("article h1").inner_text().lower()


# --------------------------------------------------------------------------- fields and buttons


def controls(page) -> list[dict]:
    """Every visible field and button in the page's body: its name, box and text size."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('article input:not([type=hidden]), article select, '
                                                + 'article textarea, article button, article .md-button'))
             .filter(el => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden')
             .map(el => {
               const box = el.getBoundingClientRect();
               const label = el.labels && el.labels.length ? el.labels[0].textContent : el.textContent;
               const name = (el.id ? '#' + el.id + ' ' : '') + label.trim().slice(0, 40);
               return {what: el.tagName.toLowerCase() + ' ' + name,
                       field: ['INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName),
                       width: box.width, height: box.height, font: parseFloat(getComputedStyle(el).fontSize)};
             })"""
    )


def test_fields_do_not_zoom_and_buttons_are_easy_to_tap_on_a_phone(page, site):
    """A teacher taps the catalog's filters, the share fields and a profile's buttons: iOS does not
    zoom in (text of 16 px or more) and every target is at least 44 px tall and wide."""
    page.set_viewport_size(PHONE)
    paths = ["credentials/", "experts/", f"credentials/{published()[0]}/", f"earners/{busiest_profile()}/", "verify/"]
    small_text, small_targets, seen = [], [], 0
    for path in paths:
        page.goto(site + path)
        if path in ("credentials/", "experts/"):
            page.locator("form.cairn-filters").wait_for(state="visible")
        for control in controls(page):
            seen += 1
            if control["field"] and control["font"] < MIN_FIELD_TEXT:
                small_text.append(f"/{path} {control['what']}: {control['font']:g} px text")
            if control["height"] < MIN_TARGET or control["width"] < MIN_TARGET:
                small_targets.append(f"/{path} {control['what']}: {control['width']:.0f}×{control['height']:.0f} px")
    assert seen >= 10, "the pages should have filters, share fields and buttons to measure"
    assert not small_text, "fields that make iOS zoom in when tapped:\n  " + "\n  ".join(small_text)
    assert not small_targets, f"targets under {MIN_TARGET} px:\n  " + "\n  ".join(small_targets)


# --------------------------------------------------------------------------- tables that scroll


def widest_rubric(page, site) -> str:
    """The published credential whose rubric overflows a phone's width the most."""
    page.set_viewport_size(PHONE)
    overflow = {}
    for cid in published():
        page.goto(site + f"credentials/{cid}/")
        page.wait_for_load_state("load")
        overflow[cid] = page.evaluate(
            """() => Math.max(0, ...Array.from(document.querySelectorAll('article table'),
                 t => t.getBoundingClientRect().width - document.querySelector('article').clientWidth))"""
        )
    cid = max(overflow, key=lambda c: (overflow[c], c))
    assert overflow[cid] > 0, "no rubric of the sample is wider than a phone: the test has nothing to check"
    return cid


def hint_state(page) -> dict:
    return page.evaluate(
        """() => {
             const table = document.querySelector('article .cairn-spec table');
             const wrap = table.closest('.md-typeset__scrollwrap') || table.parentElement;
             const own = el => Array.from(el.childNodes, n => (n.nodeType === Node.TEXT_NODE ? n.textContent : ''))
                                    .join('');
             const texts = Array.from(document.querySelectorAll('article *'))
               .filter(el => /scroll/i.test(own(el)) && el.getClientRects().length && !el.closest('table'))
               .map(el => el.textContent.trim());
             return {overflows: wrap.scrollWidth > wrap.clientWidth, hints: texts,
                     focusable: wrap.tabIndex >= 0, label: wrap.getAttribute('aria-label') || ''};
           }"""
    )


def test_a_rubric_too_wide_for_a_phone_says_it_scrolls(page, site):
    """On a phone the widest rubric cannot fit: a visible line says to scroll sideways, and the
    table can be scrolled from the keyboard; on a desk the table fits and no hint shows."""
    cid = widest_rubric(page, site)
    page.goto(site + f"credentials/{cid}/")
    page.wait_for_load_state("load")
    phone = hint_state(page)
    assert phone["overflows"], f"{cid}'s rubric should overflow at {PHONE['width']} px"
    assert any(re.search(r"scroll sideways", h, re.IGNORECASE) for h in phone["hints"]), (
        f"{cid}'s rubric is cut off at {PHONE['width']} px with no visible sign that it scrolls: {phone['hints']}"
    )
    assert phone["focusable"], (
        "a scrolling table must be reachable with the keyboard (axe: scrollable-region-focusable)"
    )

    page.set_viewport_size(DESK)
    page.wait_for_timeout(300)  # resize handlers
    desk = hint_state(page)
    assert not desk["overflows"], f"{cid}'s rubric should fit at {DESK['width']} px"
    assert not any(re.search(r"scroll sideways", h, re.IGNORECASE) for h in desk["hints"]), (
        f"the scroll hint should hide when the table fits: {desk['hints']}"
    )


# --------------------------------------------------------------------------- counts


def test_counts_say_what_they_count(page, site):
    """A credential held by more educators than are listed: its page and its catalog card say how
    many hold it, and its page says how many of them are listed, next to the list."""
    counted = {cid: holders(cid) for cid in published()}
    cid = next((c for c, (held, listed) in counted.items() if 0 < listed < held), None)
    assert cid, "the sample should have a credential held by someone who is not listed"
    held, listed = counted[cid]

    page.goto(site + f"credentials/{cid}/")
    facts = page.locator("article .cairn-credential-head").inner_text()
    assert re.search(rf"\b{held} educators?\b", facts), f"the facts should say {held} educators hold it: {facts!r}"
    assert re.search(rf"\b{listed}\b[^.;\n]*\blisted\b", facts), f"the facts should say {listed} are listed: {facts!r}"
    section = page.locator("article").inner_text().split("Who holds this", 1)[1]
    assert re.search(rf"\b{held} educators?\b", section) and re.search(rf"\b{listed}\b[^.;\n]*\blisted\b", section), (
        f"next to the list, say {held} hold it and {listed} are listed: {section[:300]!r}"
    )
    names = page.locator("#who-holds-this + * li, #who-holds-this ~ ul li")
    assert names.count() == listed, f"the list should name {listed} educators"

    if specs()[cid].get("status", "active") == "active":
        page.goto(site + "credentials/")
        card = page.locator("li.cairn-card", has=page.locator(f'.cairn-card__title a[href$="{cid}/"]'))
        text = card.inner_text()
        assert re.search(rf"\b{held} educators?\b", text), f"the card should say {held} educators hold it: {text!r}"


# --------------------------------------------------------------------------- "Link copied" is heard


@pytest.mark.parametrize("where", ["profile", "credential"])
def test_link_copied_is_announced_to_screen_readers(page, site, where):
    """A screen reader user presses "Copy link": the page's polite live region says the link was
    copied (a live region must be on the page before its text changes to be read out)."""
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    path = f"earners/{busiest_profile()}/" if where == "profile" else f"credentials/{published()[0]}/"
    page.goto(site + path)
    page.wait_for_load_state("load")
    regions = page.locator('[aria-live="polite"], [role="status"]')
    before = regions.evaluate_all("els => els.map(el => el.textContent)")
    assert not any("copied" in t.lower() for t in before)
    handles = [regions.nth(i).element_handle() for i in range(regions.count())]
    button = page.locator("article a.cairn-copy").first
    button.click()
    heard: list[str] = []
    for _ in range(50):  # a live region's text is set a moment after the click
        heard = [h.evaluate("el => el.isConnected ? el.textContent : ''") for h in handles]
        if any("copied" in t.lower() for t in heard):
            break
        page.wait_for_timeout(100)
    assert any("copied" in t.lower() for t in heard), (
        f"no live region that was on the page says the link was copied; live regions read {heard!r}"
    )
    assert page.evaluate("navigator.clipboard.readText()") == button.get_attribute("data-copy")


# --------------------------------------------------------------------------- badge text


@pytest.fixture
def drawn(monkeypatch):
    """What generate_badge draws: each text with its box, and each level mark's rectangle."""
    from PIL import ImageDraw

    texts: list[tuple[str, tuple[float, float, float, float], int]] = []
    marks: list[tuple[float, float, float, float]] = []
    text, rounded = ImageDraw.ImageDraw.text, ImageDraw.ImageDraw.rounded_rectangle

    def record_text(self, xy, content, fill=None, font=None, anchor=None, *args, **kwargs):  # noqa: ANN001
        texts.append((content, self.textbbox(xy, content, font=font, anchor=anchor), font.size))
        return text(self, xy, content, fill, font, anchor, *args, **kwargs)

    def record_mark(self, xy, *args, **kwargs):  # noqa: ANN001
        marks.append(tuple(xy))
        return rounded(self, xy, *args, **kwargs)

    monkeypatch.setattr(ImageDraw.ImageDraw, "text", record_text)
    monkeypatch.setattr(ImageDraw.ImageDraw, "rounded_rectangle", record_mark)
    return texts, marks


LONG_TITLE = (
    "Designing Trauma-Informed, Culturally Sustaining Restorative Circles for Multilingual Middle and High School "
    "Advisory"
)[:120]
LONG_STACK = "Social-Emotional Learning and Restorative Practices for Trauma-Informed Multilingual Classrooms"
UNBROKEN = "Pneumonoultramicroscopicsilicovolcanoconiosis-Awareness-Micro-Credential"


def badge_cases() -> list[tuple[str, str, str]]:
    """(title, stack title, level) for every sample credential, and very long ones."""
    all_stacks = stacks()
    micro = [m for m in specs().values() if m["stack"] in all_stacks]  # a milestone's badge is in no stack
    cases = [(str(m["title"]), str(all_stacks[m["stack"]]["title"]), str(m["level"])) for m in micro]
    return cases + [
        (LONG_TITLE, LONG_STACK, "advanced"),
        ("Wait Time", LONG_STACK + " " + LONG_STACK[:24], "proficient"),
        (UNBROKEN, UNBROKEN, "advanced"),
        ("A", "B", "foundational"),
    ]


def test_generated_badges_show_the_whole_stack_name_and_title(drawn):
    """Every generated badge draws its title and its stack's name whole, without "…", inside the
    white ring, over nothing else: long ones shrink or wrap."""
    from cairn.issue.images import BADGE_SIZE, generate_badge

    texts, marks = drawn
    centre, ring = BADGE_SIZE / 2, BADGE_SIZE / 2 - 44  # the white ring's inner edge
    problems = []
    for title, stack, level in badge_cases():
        texts.clear()
        marks.clear()
        generate_badge(title, "#7a4fa3", level, stack)
        lines = [t for t, _, _ in texts]
        if any("…" in line or "..." in line for line in lines):
            problems.append(f"{stack!r} / {title!r}: cut with an ellipsis: {lines}")
        if " " in title.strip() or " " in stack.strip():
            words = Counter(title.split()) + Counter(stack.upper().split())
            if Counter(w for line in lines for w in line.split()) != words:
                problems.append(f"{stack!r} / {title!r}: the words drawn differ from the words given: {lines}")
        joined = "".join(lines).replace(" ", "")
        if any(text.replace(" ", "") not in joined for text in (title, stack.upper())):
            problems.append(f"{stack!r} / {title!r}: characters are missing: {lines}")
        boxes = [(line, box) for line, box, _ in texts] + [("level mark", m) for m in marks]
        for line, (x0, y0, x1, y1) in boxes:
            corners = [(x0, y0), (x1, y0), (x0, y1), (x1, y1)]
            if any((x - centre) ** 2 + (y - centre) ** 2 > ring**2 for x, y in corners):
                problems.append(f"{stack!r} / {title!r}: {line!r} crosses the ring: {(x0, y0, x1, y1)}")
        for i, (a, (ax0, ay0, ax1, ay1)) in enumerate(boxes):
            for b, (bx0, by0, bx1, by1) in boxes[i + 1 :]:
                if ax0 < bx1 and bx0 < ax1 and ay0 < by1 and by0 < ay1:
                    problems.append(f"{stack!r} / {title!r}: {a!r} overlaps {b!r}")
        if min(size for _, _, size in texts) < 12:
            problems.append(f"{stack!r} / {title!r}: text under 12 px on a {BADGE_SIZE} px badge: {texts}")
    assert not problems, "\n".join(problems)
