"""An earner downloads their badge, baked in the browser, from their profile or the verify page,
and the file is the badge every verifier accepts (the site holds no PNG per award)."""

from __future__ import annotations

from pathlib import Path

from cairn.issue.bake import bake_png, unbake_png
from conftest import run_cli


def download(tab, locator) -> tuple[bytes, str]:  # noqa: ANN001
    with tab.expect_download() as info:
        locator.click()
    return Path(info.value.path()).read_bytes(), info.value.suggested_filename


def test_download_badge_on_a_profile_bakes_the_assertion_into_the_badge(
    live_site: tuple[Path, str],
    page,  # noqa: ANN001
    tmp_path: Path,
) -> None:
    project, base = live_site
    page.goto(base + "earners/ana-ruiz/")
    links = page.locator("a.cairn-download")
    assert links.count() >= 3
    for index in (0, links.count() - 1):
        link = links.nth(index)
        assertion = link.get_attribute("data-bake")
        credential = link.get_attribute("download").removesuffix("-badge.png")
        assert assertion.startswith(base + "assertions/") and assertion.endswith(".json")
        data, name = download(page, link)
        badge = (project / "site" / "badges" / f"{credential}.png").read_bytes()
        assert data == bake_png(badge, assertion)  # the same bytes as Python's baker: pixels untouched
        assert unbake_png(data) == assertion and name == f"{credential}-badge.png"
        saved = tmp_path / name
        saved.write_bytes(data)
        assert run_cli(project, "verify", str(saved)) == 0  # VALID


def test_the_verify_page_offers_the_baked_badge_of_a_valid_award(
    live_site: tuple[Path, str],
    page,  # noqa: ANN001
) -> None:
    project, base = live_site
    page.goto(base + "earners/ana-ruiz/")
    assertion = page.locator("a.cairn-download").first.get_attribute("data-bake")
    award_id = assertion.rsplit("/", 1)[1].removesuffix(".json")
    page.goto(f"{base}verify/?a={award_id}")
    button = page.get_by_role("button", name="Download baked badge")
    button.wait_for()
    data, name = download(page, button)
    assert unbake_png(data) == assertion and name == f"{award_id}-badge.png"
    assert (project / "site" / "assertions" / f"{award_id}.json").is_file()
    assert not list((project / "site" / "assertions").glob("*.png"))  # nothing baked is hosted
