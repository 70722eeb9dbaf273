"""The headless browser for the tests: Debian's Chromium driven by Playwright, and axe-core.

Shared by every browser test through conftest.py. Missing pieces fail the tests, never skip them.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update"]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
TIMEOUT_MS = 10_000

# --------------------------------------------------------------------------- the browser


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the whole file (Debian's, never a downloaded one)."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium); "
            "never run `playwright install`"
        )
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `npm ci` in {REPO} to install axe-core")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - a setup problem, reported as such
        pytest.fail("playwright is not installed: pip install -e '.[test]'")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    except Exception as error:
        playwright.stop()
        pytest.fail(f"Chromium at {CHROMIUM} did not start: {error}")
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def expected_failures() -> list[str]:
    """URL prefixes a test expects to fail on purpose (a missing record, a site without CORS)."""
    return []


@pytest.fixture
def page(browser, expected_failures):
    """A fresh tab (own cookies and storage) that fails the test on a script error or a broken local
    request, except requests to the URL prefixes the test put in `expected_failures`."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    problems: list[str] = []

    def expected(url: str) -> bool:
        return any(url.startswith(prefix) for prefix in expected_failures)

    def on_response(response) -> None:
        if response.status >= 400 and _is_local(response.url) and not expected(response.url):
            problems.append(f"HTTP {response.status} for {response.url} (from {tab.url})")

    def on_request_failed(request) -> None:
        # Leaving a page aborts its pending requests (lazy images, the search index): not a fault.
        failure = request.failure or ""
        if _is_local(request.url) and "ERR_ABORTED" not in failure and not expected(request.url):
            problems.append(f"request failed: {request.url} ({failure}) (from {tab.url})")

    tab.on("pageerror", lambda error: problems.append(f"script error on {tab.url}: {error}"))
    tab.on("response", on_response)
    tab.on("requestfailed", on_request_failed)
    yield tab
    context.close()
    if problems:
        pytest.fail("the page had problems:\n  " + "\n  ".join(problems))


def _is_local(url: str) -> bool:
    return urlsplit(url).hostname == "127.0.0.1"


def axe_violations(page) -> list[dict]:
    # Evaluated, not added as a <script>: the site's Content-Security-Policy blocks inline scripts.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    return page.evaluate(
        """tags => axe.run(document, {runOnly: {type: 'tag', values: tags}}).then(result =>
             result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
               nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))})))""",
        AXE_TAGS,
    )


def describe_violations(path: str, violations: list[dict]) -> str:
    lines = [f"/{path}:"]
    for v in violations:
        lines.append(f"  {v['id']} ({v['impact']}): {v['help']} [{len(v['nodes'])} element(s)] {v['helpUrl']}")
        for node in v["nodes"][:4]:
            summary = " ".join((node["summary"] or "").split())
            lines.append(f"      {node['target']}  --  {summary[:300]}")
    return "\n".join(lines)
