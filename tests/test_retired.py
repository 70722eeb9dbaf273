"""A teacher looking for something to earn never meets a retired credential as one on offer.

The sample keeps one retired credential (grep `status: retired` catalog/): badges already
earned for it stay valid, so its page, its holders' badges and its place in its stack's
history remain; but wherever it is listed it says Retired, and no count of what is on offer
counts it. Expectations come from the sample data, never written down.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
import yaml
from conftest import REPO

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}


def front_matter(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])


def specs() -> dict[str, dict]:
    return {
        str(front_matter(p).get("id") or p.stem): {**front_matter(p), "stack": p.parent.name}
        for p in sorted((REPO / "catalog").glob("[!_]*/*.md"))  # micro-credentials, not catalog/_milestones/
    }


def status(cid: str) -> str:
    return specs()[cid].get("status", "active")


def stack_order(stack: str) -> list[str]:
    return yaml.safe_load((REPO / "catalog" / stack / "_stack.yml").read_text(encoding="utf-8"))["credentials"]


def stack_titles() -> dict[str, str]:
    return {
        p.parent.name: yaml.safe_load(p.read_text(encoding="utf-8"))["title"]
        for p in (REPO / "catalog").glob("*/_stack.yml")
    }


def earners() -> list[dict]:
    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((REPO / "earners").glob("[!_]*.yml"))]


@pytest.fixture(scope="module")
def retired() -> dict:
    found = [{"id": cid, **meta} for cid, meta in specs().items() if meta.get("status") == "retired"]
    assert found, "the sample should keep a retired credential"
    return found[0]


def pages_naming(site: Path, credential: dict) -> list[str]:
    """Site paths of the built pages that link to the credential or name it, but its own page
    and its own embeddable card."""
    link = f"credentials/{credential['id']}/"
    title = html.escape(str(credential["title"]), quote=False)
    own = {f"credentials/{credential['id']}/index.html", f"embed/credentials/{credential['id']}/index.html"}
    found = []
    for file in sorted(site.rglob("*.html")):
        rel = file.relative_to(site).as_posix()
        text = file.read_text(encoding="utf-8")
        if rel not in own and (link in text or title in text):
            found.append(rel.removesuffix("index.html"))
    return found


MENTIONS = """([id, title]) => {
  const shown = el => el && el.getClientRects().length > 0 && !el.closest('header, .md-tabs, .md-sidebar, .md-search');
  const found = new Set();
  for (const a of document.querySelectorAll('a[href]')) {
    if (new URL(a.href).pathname.endsWith('/credentials/' + id + '/') && shown(a)) found.add(a);
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (walker.currentNode.textContent.includes(title) && shown(el)) found.add(el);
  }
  return Array.from(found, el => {
    // The list item it is in (a card, a badge, an expert), else the nearest paragraph, cell or nav.
    const item = el.closest('li') || el.closest('p, dd, td, th, h1, h2, h3, h4, nav, figcaption') || el;
    return {mention: el.outerHTML.slice(0, 160), item: item.innerText.trim(),
            offered: !!el.closest('#cairn-cards')};
  });
}"""


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
def test_retired_credential_says_retired_wherever_it_is_listed(page, served_site, sample_site, retired, viewport):
    """Every page that lists or names the retired credential (its stack, the stacks, the experts,
    its holders' profiles...) says Retired right where it is listed, never among those on offer."""
    page.set_viewport_size(viewport)
    paths = pages_naming(sample_site, retired)
    assert f"stacks/{retired['stack']}/" in paths, "its stack's page should still list it (its badges have a home)"
    unmarked = []
    for path in paths:
        page.goto(served_site + path)
        for mention in page.evaluate(MENTIONS, [retired["id"], str(retired["title"])]):
            if not re.search(r"\bretired\b", mention["item"], re.IGNORECASE) or mention["offered"]:
                unmarked.append(f"/{path}: {mention['item'][:120]!r}  ({mention['mention']})")
    assert not unmarked, f"{retired['title']} is listed without saying Retired:\n  " + "\n  ".join(unmarked)


def test_retired_credential_is_not_counted_or_offered_as_available(page, served_site, retired):
    """The home page, its stack and its neighbours count and offer only what can be earned."""
    all_specs = specs()
    active = [cid for cid in all_specs if status(cid) == "active"]
    held = [a for e in earners() for a in e["awards"] if "revoked" not in a and a["credential"] in active]
    all_held = [a for e in earners() for a in e["awards"] if "revoked" not in a]
    assert len(held) < len(all_held), "the sample's retired credential should have holders"

    page.goto(served_site)
    lead = page.locator("article .cairn-lead").inner_text()
    assert re.search(rf"\b{len(active)} micro-credentials\b", lead), (
        f"the home page should offer {len(active)}: {lead!r}"
    )
    assert re.search(rf"\b{len(held)}\b", lead) and not re.search(rf"\b{len(all_held)}\b", lead), (
        f"the home page should count the {len(held)} badges of credentials on offer, not {len(all_held)}: {lead!r}"
    )
    for stack, title in stack_titles().items():
        offered = sum(1 for cid in stack_order(stack) if status(cid) == "active")
        item = page.locator("article li", has=page.get_by_role("link", name=title, exact=True)).inner_text()
        assert re.search(rf"\b{offered} credentials?\b", item), f"home: {title} offers {offered}: {item!r}"

    stack = retired["stack"]
    offered = [cid for cid in stack_order(stack) if status(cid) == "active"]
    page.goto(served_site + f"stacks/{stack}/")
    intro = page.locator("article h1 ~ p").all_inner_texts()
    assert any(re.search(rf"\b{len(offered)} credentials?\b", p) for p in intro), (
        f"the stack page should say it offers {len(offered)}: {intro}"
    )
    cards = page.locator("article .cairn-card")
    unmarked = [
        cards.nth(i).locator(".cairn-card__title a").inner_text().strip()
        for i in range(cards.count())
        if not re.search(r"\bretired\b", cards.nth(i).inner_text(), re.IGNORECASE)
    ]
    assert unmarked == [all_specs[c]["title"] for c in offered], (
        "the stack's cards not marked Retired should be what can be earned, in order"
    )

    for place, cid in enumerate(offered, start=1):
        page.goto(served_site + f"credentials/{cid}/")
        facts = page.locator("article .cairn-credential-head").inner_text()
        assert f"{place} of {len(offered)}" in facts, (
            f"{cid}: should be {place} of {len(offered)} in its stack: {facts!r}"
        )
        nav = page.locator("nav.cairn-stack-nav a").evaluate_all("links => links.map(a => a.href)")
        assert not any(f"/credentials/{retired['id']}/" in href for href in nav), (
            f"{cid}: 'Previous/Next in stack' should not send a teacher to the retired {retired['title']}"
        )
