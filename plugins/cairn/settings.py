"""The build's settings as one typed object, filled by whichever generator runs Cairn.

The MkDocs adapter reads mkdocs.yml and fills it; the core never looks at mkdocs.yml
itself except to hash it (a changed setting can change any page).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from cairn.issue import images
from cairn.model import Issuer


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
    today: dt.date = dt.date(1970, 1, 1)  # one day for the whole build: expiry is judged on it

    @property
    def root(self) -> Path:
        return self.config_file.parent

    @property
    def cache_dir(self) -> Path:
        return self.private_dir / ".cache"

    def check_folders(self) -> None:
        """The private folder and the key never inside what is published, and the reverse."""
        site, private = self.site_dir.resolve(), self.private_dir.resolve()
        if private.is_relative_to(site) or site.is_relative_to(private):
            raise SettingsError(f"cairn private_dir '{self.private_dir}' must be outside site_dir '{self.site_dir}'")
        key = self.signing_key.resolve()
        if key.is_relative_to(site) or key.is_relative_to(self.content_dir.resolve()):
            raise SettingsError(
                f"cairn signing_key '{self.signing_key}' must be outside site_dir and docs_dir: "
                "a private key is never published"
            )


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
