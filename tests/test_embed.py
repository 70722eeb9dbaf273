"""A PD planner pastes a credential's "Embeddable card" snippet into the district's edcamp page.

The page is another site's (served from another address than the district's), viewed on a
laptop (1280 px) and on a phone (390 px). Every card of the sample must show whole inside the
iframe the snippet makes: its title, its last line (stack, level, hours, district) and its bottom
border; and the host page must not scroll sideways. The snippet is pasted as it is shown on the
credential page, copied from its text box; the host page has no script of ours.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import TIMEOUT_MS
from conftest import REPO, serve_folder

SCREENS = {"laptop": (1280, 900), "phone": (390, 844)}

# What the browser measures inside each card's iframe.
MEASURE = """() => {
  const card = document.querySelector('.card'), title = card.querySelector('h1'), facts = card.querySelector('.facts');
  const box = r => ({top: r.top, bottom: r.bottom, left: r.left, right: r.right, height: r.height});
  const page = document.scrollingElement;
  return {
    frame: {width: innerWidth, height: innerHeight, scrollWidth: page.scrollWidth, scrollHeight: page.scrollHeight},
    card: {...box(card.getBoundingClientRect()), scrollHeight: card.scrollHeight,
           borderBottom: parseFloat(getComputedStyle(card).borderBottomWidth)},
    title: {...box(title.getBoundingClientRect()), text: title.textContent.trim(),
            clipped: title.scrollHeight > title.clientHeight + 1},
    facts: {...box(facts.getBoundingClientRect()), text: facts.textContent.trim(),
            clipped: facts.scrollHeight > facts.clientHeight + 1},
  };
}"""


def iframe_snippet(site: Path, credential_id: str) -> str:
    """The iframe snippet as the credential page shows it in its text box, ready to copy."""
    page = (site / "credentials" / credential_id / "index.html").read_text(encoding="utf-8")
    found = re.search(r'<textarea id="share-iframe"[^>]*>(.*?)</textarea>', page, re.S)
    assert found, f"credentials/{credential_id}/ shows no iframe snippet"
    return html.unescape(found.group(1)).strip()


@pytest.fixture(scope="module")
def edcamp_page(live_site, tmp_path_factory) -> Iterator[tuple[str, list[str]]]:  # noqa: ANN001
    """Another district's edcamp page with every sample card's snippet pasted in, one per session."""
    project, _ = live_site
    site = project / "site"
    cards = sorted(p.name for p in (site / "embed" / "credentials").iterdir() if p.is_dir())
    sessions = "\n".join(
        f"<section>\n<h2>Session {n}</h2>\n<p>Bring a lesson plan.</p>\n{iframe_snippet(site, cid)}\n</section>"
        for n, cid in enumerate(cards, 1)
    )
    folder = tmp_path_factory.mktemp("edcamp")
    (folder / "index.html").write_text(
        "<!doctype html>\n<html lang='en'>\n<head>\n<meta charset='utf-8'>\n"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>\n"
        "<title>Ridgeview edcamp: sessions</title>\n</head>\n<body>\n<h1>Ridgeview edcamp</h1>\n"
        f"{sessions}\n</body>\n</html>\n",
        encoding="utf-8",
    )
    server = serve_folder(folder)
    yield next(server) + "index.html", cards
    server.close()


def problems_at(tab, cards: list[str], width: int, whole_facts: bool = True) -> list[str]:
    """What is wrong with each card on the host page open in `tab`, `width` px wide."""
    frames = tab.locator("iframe")
    assert frames.count() == len(cards)
    problems = []
    for n, cid in enumerate(cards):
        iframe = frames.nth(n)
        iframe.scroll_into_view_if_needed()  # the snippet loads lazily, as the reader scrolls
        frame = iframe.element_handle().content_frame()
        assert frame is not None
        frame.locator(".card .facts").wait_for()
        seen = frame.evaluate(MEASURE)
        box, card, facts = seen["frame"], seen["card"], seen["facts"]
        shown = iframe.bounding_box()
        assert shown is not None
        why = []
        if card["scrollHeight"] > box["height"]:
            why.append(f"the card needs {card['scrollHeight']} px, the snippet gives {box['height']}")
        if card["bottom"] > box["height"] or card["borderBottom"] < 1:
            why.append(f"the bottom border is cut (card ends at {card['bottom']}, frame at {box['height']})")
        if abs(card["height"] - box["height"]) > 1:
            why.append(f"card {card['height']} px tall in a {box['height']} px frame: they disagree")
        if facts["bottom"] > card["bottom"] - card["borderBottom"]:
            why.append(f"the last line is cut: {facts['text']!r}")
        if whole_facts and (facts["clipped"] or seen["title"]["clipped"]):
            why.append(f"a line ends in '…': {seen['title']['text']!r} / {facts['text']!r}")
        if box["scrollWidth"] > box["width"] or box["scrollHeight"] > box["height"] or card["right"] > box["width"]:
            why.append(f"the card scrolls inside its frame: {box}")
        if shown["x"] + shown["width"] > width:
            why.append(f"the iframe is {shown['width']} px wide on a {width} px screen")
        if why:
            problems.append(f"{cid}: " + "; ".join(why))
        elif whole_facts:
            # A milestone has no level or hours: its card says it is one.
            milestone = (REPO / "catalog" / "_milestones" / f"{cid}.md").is_file()
            assert ("Milestone" if milestone else "hours") in facts["text"], facts
            assert "Maple Valley Unified School District" in facts["text"], facts
    sideways = tab.evaluate("() => document.scrollingElement.scrollWidth - innerWidth")
    if sideways > 0:
        problems.append(f"the host page scrolls sideways by {sideways} px")
    return problems


@pytest.mark.parametrize("screen", SCREENS)
def test_every_card_shows_whole_in_its_snippet_on_another_sites_page(browser, edcamp_page, screen) -> None:  # noqa: ANN001
    """The title and the whole last line (stack, level, hours, district) show; only a summary
    too long for the card's lines may end in '…'."""
    url, cards = edcamp_page
    assert len(cards) >= 19, cards
    width, height = SCREENS[screen]
    context = browser.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        tab = context.new_page()
        tab.goto(url)
        problems = problems_at(tab, cards, width)
        assert not problems, f"at {width} px:\n  " + "\n  ".join(problems)
    finally:
        context.close()


def test_no_width_cuts_a_card(browser, edcamp_page) -> None:  # noqa: ANN001
    """From the smallest phones to a wide column, on either side of the card's breakpoints:
    the card fills its frame exactly and nothing in it is cut (a long line may end in '…')."""
    url, cards = edcamp_page
    context = browser.new_context(viewport={"width": 280, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        tab = context.new_page()
        tab.goto(url)
        problems = []
        for width in (280, 320, 356, 357, 456, 457, 768):  # frames 264 to 520 px wide
            tab.set_viewport_size({"width": width, "height": 800})
            problems += [f"{width} px: {p}" for p in problems_at(tab, cards, width, whole_facts=width >= 320)]
        assert not problems, "\n  ".join(problems)
    finally:
        context.close()


def test_the_snippet_is_responsive_and_says_the_cards_height(live_site) -> None:  # noqa: ANN001
    """What a host page's editor sees in the snippet: no fixed width, the card's own height."""
    project, base = live_site
    snippet = iframe_snippet(project / "site", "wait-time")
    assert snippet.startswith(f'<iframe src="{base}embed/credentials/wait-time/"'), snippet
    style = re.search(r'style="([^"]*)"', snippet)
    assert style, snippet
    rules = dict(rule.split(":", 1) for rule in style.group(1).split(";") if rule)
    assert rules.get("width") == "100%" and rules.get("max-width") == "520px", rules
    height = re.fullmatch(r"(\d+)px", rules.get("height", ""))
    assert height, rules
    assert f'height="{height.group(1)}"' in snippet, "the height attribute and the style say the same"
