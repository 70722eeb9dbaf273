"""Public profiles in the sitemap: they are not the generator's pages, so its sitemap leaves
them out. Added in its own format, dated as it dates its pages, so rebuilds give the same bytes."""

from __future__ import annotations

import datetime as dt
import gzip
import os
from pathlib import Path

from markupsafe import escape


def build_day() -> str:
    """The day MkDocs dates its sitemap with: SOURCE_DATE_EPOCH's, else today's, in UTC."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch else dt.datetime.now(dt.UTC)
    return moment.strftime("%Y-%m-%d")


def add_urls(site_dir: Path, urls: list[str]) -> None:
    sitemap = site_dir / "sitemap.xml"
    if not urls or not sitemap.is_file():
        return
    day = build_day()
    entries = "".join(
        f"    <url>\n         <loc>{escape(url)}</loc>\n         <lastmod>{day}</lastmod>\n    </url>\n" for url in urls
    )
    text = sitemap.read_text(encoding="utf-8").replace("</urlset>", entries + "</urlset>")
    sitemap.write_text(text, encoding="utf-8")
    # Midnight of the build day, as MkDocs' own sitemap.xml.gz.
    stamp = int(dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC).timestamp())
    with (
        open(site_dir / "sitemap.xml.gz", "wb") as raw,
        gzip.GzipFile(fileobj=raw, filename="sitemap.xml.gz", mode="wb", mtime=stamp) as packed,
    ):
        packed.write(text.encode("utf-8"))
