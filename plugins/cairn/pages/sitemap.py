"""Public profiles in the sitemap: they are not the generator's pages, so its sitemap leaves
them out. Added in its own format, dated as it dates its pages, so rebuilds give the same bytes."""

from __future__ import annotations

import datetime as dt
import gzip
import os
from pathlib import Path

from markupsafe import escape

from cairn import settings


def build_day() -> str:
    """The day MkDocs dates its own sitemap entries with: the build's "now" (SOURCE_DATE_EPOCH,
    else the clock) in UTC, whatever the district's time zone, so that all entries agree. It is
    the instant of the district's day (Settings.today) told in UTC: near midnight the two dates
    can differ by one, and neither depends on the build machine's zone."""
    return settings.build_day("UTC", os.environ).isoformat()


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
