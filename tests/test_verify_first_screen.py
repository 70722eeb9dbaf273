"""An earner opens the link the committee mailed them (`/verify/?a=<award>`) on a laptop
(1280×900) and on a phone (390×844): the verdict is the first thing they see, without
scrolling, and it has the focus (a screen reader reads it out). Its facts are in plain words,
the technical detail behind a disclosure; a revoked badge says "Revoked on <date>" in its
heading and its reason as ordinary text; and when the page cannot read the badge's record, it
says why in words that fit the case (offline, or served from another address than the site's).

Against the sample district served at its real address (`live_site`); the awards come from the
committee's list, build/award-links.csv, whose `verify_url` is the mailed link.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from browser_support import TIMEOUT_MS, axe_violations, describe_violations
from conftest import serve_folder
from playwright.sync_api import expect

SCREENS = {"laptop": (1280, 900), "phone": (390, 844)}
TODAY = dt.date.today().isoformat()
PLAIN_LABELS = {"Credential", "Issued by", "Earned by", "Issued on", "Expires on", "Expired on", "Checked against"}

# Where the verdict is once the check is done: its box, the sticky header's bottom, the focus.
WHERE = """() => {
  const result = document.getElementById('verify-result'), heading = result.querySelector('.cairn-verdict');
  const box = result.getBoundingClientRect(), header = document.querySelector('.md-header');
  const focused = document.activeElement;
  return {top: box.top, bottom: box.bottom, left: box.left, right: box.right, height: box.height,
          headerBottom: header ? header.getBoundingClientRect().bottom : 0,
          viewportHeight: innerHeight, viewportWidth: innerWidth, scrollY: scrollY,
          focused: focused === heading, focusedTag: focused.tagName, focusedText: (focused.textContent || '').trim(),
          headingTag: heading.tagName, tabindex: heading.getAttribute('tabindex'),
          live: result.getAttribute('aria-live') || (result.closest('[aria-live]') || {}).ariaLive || null};
}"""


def awards(project: Path) -> list[dict[str, str]]:
    with (project / "build" / "award-links.csv").open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def current(rows: list[dict[str, str]]) -> dict[str, str]:
    return next(
        r for r in rows if not r["revoked_on"] and r["issued"] <= TODAY and (not r["expires"] or r["expires"] > TODAY)
    )


def revoked(rows: list[dict[str, str]]) -> dict[str, str]:
    return next(r for r in rows if r["revoked_on"])


@pytest.fixture
def screen_page(browser, expected_failures, request):  # noqa: ANN001
    """A tab the size of the screen named by the test's `screen` parameter."""
    width, height = SCREENS[request.node.callspec.params["screen"]]
    context = browser.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert not errors, errors


def verdict(tab):
    return tab.locator("#verify-result .cairn-verdict")


def wait_for_verdict(tab) -> str:
    expect(verdict(tab)).to_be_visible()
    expect(verdict(tab)).not_to_have_text("Checking…", timeout=TIMEOUT_MS)
    return verdict(tab).inner_text().strip()


def assert_first_screen(tab) -> dict:
    """The verdict is whole on the screen, below the sticky header, and has the focus."""
    tab.wait_for_timeout(300)  # a smooth scroll, if any, has ended
    where = tab.evaluate(WHERE)
    assert where["headingTag"] in ("H2", "H3") and where["tabindex"] == "-1", where
    assert where["live"] in ("polite", "assertive"), "screen readers must hear the verdict: " + str(where)
    assert where["top"] >= where["headerBottom"] - 1, f"the verdict is under the header or above the screen: {where}"
    assert where["bottom"] <= where["viewportHeight"], f"the verdict is below the first screen: {where}"
    assert 0 <= where["left"] and where["right"] <= where["viewportWidth"], where
    assert where["focused"], f"the focus is on {where['focusedTag']} {where['focusedText']!r}, not on the verdict"
    return where


def visible_labels(tab) -> list[str]:
    return [t.strip() for t in tab.locator("#verify-details dt").all_inner_texts() if t.strip()]


# --------------------------------------------------------------------------- the mailed link


@pytest.mark.parametrize("screen", SCREENS)
def test_the_mailed_link_shows_its_verdict_on_the_first_screen(screen_page, live_site, screen) -> None:  # noqa: ANN001
    project, base = live_site
    award = current(awards(project))
    assert award["verify_url"].startswith(base + "verify/?a=")

    screen_page.goto(award["verify_url"])
    assert wait_for_verdict(screen_page) == "Valid"
    assert_first_screen(screen_page)

    # Its facts in plain words; the format and the record's address behind "Technical details".
    assert set(visible_labels(screen_page)) <= PLAIN_LABELS, visible_labels(screen_page)
    body = screen_page.locator("main").inner_text()
    for jargon in ("Assertion", "Format", "Open Badges 2.0", "hosted by its issuer"):
        assert jargon not in body, f"{jargon!r} is shown before the technical details are opened"
    disclosure = screen_page.locator("#verify-details details")
    expect(disclosure.locator("summary")).to_have_text("Technical details")
    disclosure.locator("summary").click()
    expect(disclosure).to_contain_text("Open Badges 2.0")
    record = disclosure.get_by_role("link", name=award["assertion_url"])
    expect(record).to_have_attribute("href", award["assertion_url"])
    expect(disclosure).to_contain_text("Badge record")


@pytest.mark.parametrize("screen", SCREENS)
def test_a_revoked_badge_says_revoked_and_when_and_gives_its_reason_as_text(screen_page, live_site, screen) -> None:  # noqa: ANN001
    project, _ = live_site
    award = revoked(awards(project))

    screen_page.goto(award["verify_url"])
    assert wait_for_verdict(screen_page) == f"Revoked on {award['revoked_on']}"
    assert_first_screen(screen_page)
    reason = screen_page.locator("#verify-result p", has_text="withdrawn by the issuer")
    expect(reason).to_have_count(1)
    sizes = reason.evaluate(
        "p => [parseFloat(getComputedStyle(p).fontSize), parseFloat(getComputedStyle(p.closest('article')).fontSize)]"
    )
    assert sizes[0] <= sizes[1], f"the reason is body text, not a large heading: {sizes}"


@pytest.mark.parametrize("screen", SCREENS)
def test_a_check_from_the_form_brings_the_verdict_into_view(screen_page, live_site, screen) -> None:  # noqa: ANN001
    """Someone pastes a badge's URL at the bottom of the form and presses Verify."""
    project, base = live_site
    award = current(awards(project))
    screen_page.goto(base + "verify/")
    field = screen_page.get_by_label("Or its URL")
    field.fill(award["assertion_url"])
    screen_page.get_by_label("Or paste a credential (JSON)").scroll_into_view_if_needed()
    field.press("Enter")
    assert wait_for_verdict(screen_page) == "Valid"
    assert_first_screen(screen_page)
    violations = axe_violations(screen_page)
    assert not violations, describe_violations("verify/", violations)


# --------------------------------------------------------------------------- when the record cannot be read


@pytest.mark.parametrize("screen", ["phone"])
def test_served_at_another_address_it_says_so_not_that_you_are_offline(
    screen_page,  # noqa: ANN001
    live_site,  # noqa: ANN001
    expected_failures,  # noqa: ANN001
    screen,  # noqa: ANN001
) -> None:
    """A copy of the site served at another address (a preview, a mirror) than its site_url:
    the badge's record is at the site_url, whose server does not let other addresses read it."""
    project, base = live_site
    award = current(awards(project))
    server = serve_folder(project / "site")
    mirror = next(server)
    expected_failures.append(base)
    try:
        screen_page.goto(mirror + "verify/?a=" + award["verify_url"].rsplit("=", 1)[1])
        assert wait_for_verdict(screen_page) == "Could not check"
        assert_first_screen(screen_page)
        message = screen_page.locator("#verify-result").inner_text()
        assert "offline" not in message, message
        here, there = urlsplit(mirror).netloc, urlsplit(base).netloc
        assert here in message and there in message, message
        assert "does not mean the badge is invalid" in message, message
        own = screen_page.locator("#verify-result").get_by_role("link", name="its issuer's verify page")
        expect(own).to_have_attribute("href", award["verify_url"])
    finally:
        server.close()


def test_offline_it_says_you_are_offline(page, live_site, expected_failures) -> None:  # noqa: ANN001
    project, base = live_site
    award = current(awards(project))
    expected_failures.append(base)  # offline, every request fails
    page.goto(base + "verify/")
    page.context.set_offline(True)
    try:
        page.get_by_label("Or its URL").fill(award["assertion_url"])
        page.get_by_role("button", name="Verify", exact=True).click()
        assert wait_for_verdict(page) == "Could not check"
        message = page.locator("#verify-result").inner_text()
        assert "Your browser is offline" in message, message
        assert "does not mean the badge is invalid" in message, message
    finally:
        page.context.set_offline(False)
