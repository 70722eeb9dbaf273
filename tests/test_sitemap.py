"""A search engine (and a district's own site search) finds every public page through
sitemap.xml: each credential, stack, topic, school and profile page is listed once, whichever
part of the build rendered it (MkDocs renders the pages in the navigation, Cairn the rest)."""

from __future__ import annotations

import re
from pathlib import Path

SITE_URL = "http://127.0.0.1:8000/"  # the sample's site_url


def listed(site: Path) -> list[str]:
    return re.findall(r"<loc>(.*?)</loc>", (site / "sitemap.xml").read_text(encoding="utf-8"))


def test_every_page_of_the_catalog_and_every_profile_is_in_the_sitemap_once(sample_site: Path) -> None:
    urls = listed(sample_site)
    assert len(urls) == len(set(urls))
    pages = [
        SITE_URL + p.parent.relative_to(sample_site).as_posix() + "/"
        for folder in ("credentials", "stacks", "topics", "schools", "earners")
        for p in (sample_site / folder).rglob("index.html")
        if '<meta name="robots" content="noindex">' not in p.read_text(encoding="utf-8")  # a moved page's stub
    ]
    assert len(pages) > 60
    missing = sorted(set(pages) - set(urls))
    assert missing == []
