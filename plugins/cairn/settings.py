"""The build's settings as one typed object, filled by whichever generator runs Cairn.

The MkDocs adapter reads mkdocs.yml and fills it; the core never looks at mkdocs.yml
itself except to hash it (a changed setting can change any page).
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from cairn.issue import images
from cairn.model import SCHOOL_YEAR_STARTS, Issuer


class SettingsError(Exception):
    """A setting cannot be used; the message names it and says what to do."""


@dataclass(frozen=True)
class Settings:
    config_file: Path  # mkdocs.yml: its bytes are part of every page's key
    catalog_dir: Path
    earners_dir: Path
    content_dir: Path  # the district's own pages (MkDocs' docs_dir)
    theme_dir: Path | None  # template overrides (MkDocs' custom_dir)
    site_dir: Path  # where the public site is published
    private_dir: Path  # award links, delivery packages, the cache; never published
    issuer: Issuer
    signing_key: Path
    retired_keys: tuple[str, ...] = ()
    create_development_key: bool = False
    strict: bool = False
    linkedin_organization_id: int | None = None
    use_cache: bool = True
    engine: str = ""  # the generator and theme versions: a new version may render differently
    today: dt.date = dt.date(1970, 1, 1)  # one day for the whole build: expiry is judged on it (build_day)
    timezone: str = "UTC"  # the district's, in which `today` is the day
    serving: bool = False  # a build for the local preview server, which adds a live-reload script to pages
    renewals_within_days: int = 90  # the committee's renewals report: awards expiring this close
    insights: bool = True  # the public /insights/ page: aggregate figures about the workforce
    insights_min_group: int = 5  # k: a public figure about fewer people than this is withheld
    school_year_starts: int = SCHOOL_YEAR_STARTS  # the month (1-12) a school year starts in: uptake, the planner, HR

    @property
    def root(self) -> Path:
        return self.config_file.parent

    @property
    def cache_dir(self) -> Path:
        return self.private_dir / ".cache"


def build_moment(environ: Mapping[str, str]) -> dt.datetime:
    """The build's "now", in UTC: the instant SOURCE_DATE_EPOCH gives when it is set (as MkDocs
    reads it, for reproducible builds), else the clock's."""
    epoch = environ.get("SOURCE_DATE_EPOCH")
    if epoch is None:
        return dt.datetime.now(dt.UTC)
    try:
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    except (ValueError, OverflowError, OSError):
        raise SettingsError(
            f"SOURCE_DATE_EPOCH {epoch[:40]!r} is not a whole number of seconds since 1970-01-01 UTC "
            "(unset it, or set it to e.g. the last commit's time: git log -1 --format=%ct)"
        ) from None


@functools.cache
def _zone_names() -> frozenset[str]:
    # "localtime" is the build machine's own zone, "Factory" no zone at all.
    return frozenset(zoneinfo.available_timezones() - {"localtime", "Factory", "posixrules"})


def district_zone(name: str) -> zoneinfo.ZoneInfo:
    """The time zone of an IANA name (America/Chicago, UTC), or a SettingsError naming the setting."""
    try:
        if name in _zone_names():
            return zoneinfo.ZoneInfo(name)
    except (ValueError, OSError, zoneinfo.ZoneInfoNotFoundError):
        pass
    raise SettingsError(
        f"cairn timezone {name[:80]!r} is not a time zone name "
        "(use the district's IANA name, such as America/Chicago, Europe/London or UTC)"
    )


def build_day(timezone: str, environ: Mapping[str, str]) -> dt.date:
    """The build's one day: the date, in the district's time zone, of the build's "now"
    (SOURCE_DATE_EPOCH, else the clock). Expiry, what pages show and what `check` and `verify`
    call the future are judged on it, so two machines in different zones agree."""
    return build_moment(environ).astimezone(district_zone(timezone)).date()


def insight_settings(min_group: object, year_starts: object) -> tuple[int, int]:
    """`insights_min_group` and `school_year_starts` checked, or a SettingsError naming the setting."""
    if isinstance(min_group, bool) or not isinstance(min_group, int) or min_group < 2:
        raise SettingsError(
            f"cairn insights_min_group {min_group!r} should be a whole number of at least 2 (the smallest group "
            "of people a public figure may be about; 5 is usual, more protects more)"
        )
    if isinstance(year_starts, bool) or not isinstance(year_starts, int) or not 1 <= year_starts <= 12:
        raise SettingsError(
            f"cairn school_year_starts {year_starts!r} should be the month a school year starts in, "
            "1 (January) to 12 (December), e.g. 7 for 1 July or 9 for 1 September"
        )
    return min_group, year_starts


def issuer_settings(
    site_url: str, name: str, url: str, email: str, description: str, image: Path | None, shown_as: str = ""
) -> Issuer:
    """The Issuer, or a SettingsError that says which setting to fix."""
    parts = urlsplit(site_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError(
            f"site_url '{site_url}' is not an absolute address (badges must point at the "
            "published site: set site_url to e.g. https://badges.example.org/)"
        )
    image_png = None
    if image is not None:
        try:
            image_png = images.normalise_png(image.read_bytes())
        except (OSError, images.ImageRejected) as error:
            raise SettingsError(f"cairn issuer image '{shown_as or image}': {error}") from None
    return Issuer(
        name=name,
        url=url,
        email=email,
        description=description,
        site_url=site_url if site_url.endswith("/") else site_url + "/",
        image_png=image_png,
    )
