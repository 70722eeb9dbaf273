"""A PD planner links to a credential from an edcamp page: a stable link, a card, a QR code, a preview."""

from __future__ import annotations

import html
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from cairn.issue.share import qr_codes, share_image
from conftest import REPO, run_cli
from PIL import Image

SITE_URL = "http://127.0.0.1:8000/"


def published() -> dict[str, dict]:
    specs = {
        p.stem: yaml.safe_load(p.read_text(encoding="utf-8").split("---")[1])
        for p in (REPO / "catalog").glob("[!_]*/*.md")  # micro-credentials (milestones: catalog/_milestones/)
    }
    return {cid: s for cid, s in specs.items() if s.get("status", "active") != "draft"}


def profile_slugs() -> set[str]:
    return {yaml.safe_load(p.read_text(encoding="utf-8")).get("slug") for p in (REPO / "earners").glob("[!_]*.yml")}


def decode_qr(path: Path) -> str:
    zbarimg = Path("/usr/bin/zbarimg")
    assert zbarimg.exists(), "zbarimg is missing: apt-get install zbar-tools (make test does)"
    result = subprocess.run([str(zbarimg), "--quiet", "--raw", str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_every_credential_qr_code_decodes_to_its_page(sample_site: Path, tmp_path: Path) -> None:
    for cid in published():
        assert decode_qr(sample_site / "credentials" / cid / "qr.png") == f"{SITE_URL}credentials/{cid}/"
    # The SVG draws the same code: render it as the PNG writer does and compare the decoded text.
    svg = (sample_site / "credentials" / "wait-time" / "qr.svg").read_text(encoding="utf-8")
    assert svg.startswith("<?xml") and "<title>QR code: Wait Time</title>" in svg
    png, same_svg = qr_codes(f"{SITE_URL}credentials/wait-time/", "QR code: Wait Time")
    assert png == (sample_site / "credentials/wait-time/qr.png").read_bytes()
    assert same_svg == (sample_site / "credentials/wait-time/qr.svg").read_bytes()


def test_link_previews_point_at_existing_images(sample_site: Path) -> None:
    pages = [sample_site / "credentials" / cid / "index.html" for cid in published()]
    pages += [p / "index.html" for p in (sample_site / "stacks").iterdir() if p.is_dir()]
    # Profiles, but not the redirect pages at old slugs.
    pages += [p / "index.html" for p in (sample_site / "earners").iterdir() if p.name in profile_slugs()]
    for path in pages:
        text = path.read_text(encoding="utf-8")
        tags = dict(re.findall(r'<meta (?:property|name)="((?:og|twitter):[a-z:]+)" content="([^"]*)"', text))
        for key in ("og:title", "og:description", "og:image", "og:url", "twitter:card", "twitter:image"):
            assert tags.get(key), (path, key)
        image = sample_site / html.unescape(tags["og:image"])[len(SITE_URL) :]
        with Image.open(image) as opened:
            expected = (1200, 630) if tags["twitter:card"] == "summary_large_image" else (512, 512)
            assert opened.size == expected, path
        assert html.unescape(tags["og:url"]) == SITE_URL + path.parent.relative_to(sample_site).as_posix() + "/"


def test_share_images_are_the_same_bytes_for_the_same_input(sample_site: Path) -> None:
    badge = (sample_site / "badges" / "wait-time.png").read_bytes()
    first = share_image(badge, "Wait Time", "Formative Assessment", "Maple Valley", "#1f6f8b")
    assert first == share_image(badge, "Wait Time", "Formative Assessment", "Maple Valley", "#1f6f8b")
    assert first != share_image(badge, "Wait Times", "Formative Assessment", "Maple Valley", "#1f6f8b")


def test_the_embed_card_has_no_chrome_no_script_and_links_out(sample_site: Path) -> None:
    for cid, spec in published().items():
        card = (sample_site / "embed" / "credentials" / cid / "index.html").read_text(encoding="utf-8")
        assert "<script" not in card and "md-header" not in card
        assert f'href="{SITE_URL}credentials/{cid}/" target="_blank" rel="noopener"' in card
        assert html.escape(spec["title"]) in card or html.escape(spec["title"], quote=False) in card
        assert f'src="{SITE_URL}badges/{cid}.png"' in card
    text = (sample_site / "credentials" / "wait-time" / "index.html").read_text(encoding="utf-8")
    snippet = html.unescape(re.search(r'<textarea id="share-html"[^>]*>(.*?)</textarea>', text, re.S).group(1))
    assert snippet.startswith(f'<a href="{SITE_URL}credentials/wait-time/"><img src="{SITE_URL}badges/wait-time.png"')
    iframe = html.unescape(re.search(r'<textarea id="share-iframe"[^>]*>(.*?)</textarea>', text, re.S).group(1))
    assert f'src="{SITE_URL}embed/credentials/wait-time/"' in iframe and "title=" in iframe


def test_the_embed_card_renders_in_an_iframe_with_scripts_off(browser, live_site) -> None:  # noqa: ANN001
    _, base = live_site
    context = browser.new_context(java_script_enabled=False)
    try:
        tab = context.new_page()
        tab.goto(f"{base}embed/credentials/wait-time/")
        assert tab.locator("h1").inner_text() == "Wait Time"
        assert tab.locator("img").evaluate("img => img.complete && img.naturalWidth === 512")
        assert tab.locator("h1 a").get_attribute("href") == f"{base}credentials/wait-time/"
        # As another site would show it: inside an iframe.
        tab.set_content(f'<iframe src="{base}embed/credentials/wait-time/" width="520" height="150"></iframe>')
        assert tab.frame_locator("iframe").locator("h1").inner_text() == "Wait Time"
    finally:
        context.close()


@pytest.mark.parametrize("kind", ["credential", "profile"])
def test_an_old_url_lands_on_the_new_page(page, served_site, kind) -> None:  # noqa: ANN001
    if kind == "credential":
        cid, spec = next((cid, s) for cid, s in published().items() if s.get("aliases"))
        old, new = f"credentials/{spec['aliases'][0]}/", f"credentials/{cid}/"
        title = spec["title"]
    else:
        earner = next(
            yaml.safe_load(p.read_text())
            for p in sorted((REPO / "earners").glob("[!_]*.yml"))
            if "aliases" in yaml.safe_load(p.read_text())
        )
        old, new, title = f"earners/{earner['aliases'][0]}/", f"earners/{earner['slug']}/", earner["name"]
    page.goto(f"{served_site}{old}?from=edcamp#badges")
    page.wait_for_url(f"{served_site}{new}?from=edcamp#badges")
    assert page.locator("h1").inner_text() == title


def test_a_renamed_profile_slug_must_not_collide(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ana = project / "earners" / "ana-ruiz.yml"
    ana.write_text(ana.read_text(encoding="utf-8").replace("slug: ana-ruiz", "slug: ana-ruiz\naliases: [priya-raman]"))
    assert run_cli(project, "check") == 1
    assert "slug or alias 'priya-raman' is also used" in capsys.readouterr().err
