"""The site's URL scheme: every public address Cairn publishes is spelt here, and only here.

Decision 1 (docs/decisions.md): once badges are published these addresses never change,
so a path pattern written anywhere else is a second copy that can drift.

`Urls(base)`: each method returns `base` followed by the path. `PATHS` (base "") gives
site-relative paths: what files are written as, and what templates hand to MkDocs' `url`
filter, which makes them relative to the page (every link inside the site is relative).
`Urls(site_url)`, or `PATHS.at(site_url)`, gives absolute URLs: what Open Badges documents,
feeds and share links carry. Pages are folders and end in "/"; `source_of` and `file_of`
name their Markdown source and their HTML file.

Templates reach `PATHS` as the Jinja global `urls` (TEMPLATE_URLS, registered by the MkDocs
adapter): `{{ urls.stack(stack.id) | url }}`. Scripts take the patterns they need from the
page that loads them (see theme/verify.html): `assertion(Urls.AWARD)` is the pattern, with
the AWARD placeholder standing for the award id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Urls:
    """The public address of everything Cairn publishes, under `base`."""

    base: str = ""  # "" for site-relative paths, else the site's URL, ending in "/"

    # Placeholders in the patterns handed to scripts: `assertion(AWARD)` is the pattern of an
    # assertion's URL, which theme/assets/cairn-verify.js fills with an award id.
    AWARD: ClassVar[str] = "{award}"
    PREFIX: ClassVar[str] = "{prefix}"  # an award id's first two characters (verify_names)

    def at(self, base: str) -> Urls:
        """The same scheme under another base: `PATHS.at(site_url)` gives absolute URLs."""
        return Urls(base)

    # -- pages ---------------------------------------------------------------------------

    def home(self) -> str:
        return self.base

    def catalog(self) -> str:
        return f"{self.base}credentials/"

    def catalog_topic(self, topic_id: str) -> str:
        """The catalog filtered to a topic (the query is the filter form's: cairn-filters.js)."""
        return f"{self.catalog()}?topic={topic_id}"

    def credential(self, credential_id: str) -> str:
        return f"{self.base}credentials/{credential_id}/"

    def stacks(self) -> str:
        return f"{self.base}stacks/"

    def stack(self, stack_id: str) -> str:
        return f"{self.base}stacks/{stack_id}/"

    def topics(self) -> str:
        return f"{self.base}topics/"

    def topic(self, topic_id: str) -> str:
        return f"{self.base}topics/{topic_id}/"

    def experts(self) -> str:
        return f"{self.base}experts/"

    def experts_on_topic(self, topic_id: str) -> str:
        """The expert directory filtered to a topic (the filter form's query: cairn-experts.js)."""
        return f"{self.experts()}?topic={topic_id}"

    def experts_at_school(self, school_id: str) -> str:
        return f"{self.experts()}?school={school_id}"

    def schools(self) -> str:
        return f"{self.base}schools/"

    def school(self, school_id: str) -> str:
        return f"{self.base}schools/{school_id}/"

    def insights(self) -> str:
        """District-wide figures, small groups withheld (a district may turn the page off)."""
        return f"{self.base}insights/"

    def earner(self, slug: str) -> str:
        """A public earner's profile."""
        return f"{self.base}earners/{slug}/"

    def badge_fragment(self, award_id: str) -> str:
        """The id of an award's entry on its earner's profile (no base: it is a fragment)."""
        return f"badge-{award_id}"

    def profile_badge(self, slug: str, award_id: str) -> str:
        """The public link to one badge: its place on the earner's profile."""
        return f"{self.earner(slug)}#{self.badge_fragment(award_id)}"

    def verify(self) -> str:
        return f"{self.base}verify/"

    def verify_award(self, award_id: str) -> str:
        """The verify page checking an award's OB 2.0 assertion (where an earner downloads it baked)."""
        return f"{self.verify()}?a={award_id}"

    def verify_credential(self, award_id: str) -> str:
        """The verify page checking an award's OB 3.0 credential, when its earner published it."""
        return f"{self.verify()}?c={award_id}"

    def verify_names(self, prefix: str) -> str:
        """The verify page's shard of public earners' names, by the award id's first two characters."""
        return f"{self.base}verify/names/{prefix}.json"

    # -- credential files ----------------------------------------------------------------

    def badge_image(self, credential_id: str) -> str:
        return f"{self.base}badges/{credential_id}.png"

    def badge_class(self, credential_id: str) -> str:
        """The OB 2.0 BadgeClass (and the OB 3.0 Achievement's id)."""
        return f"{self.base}badges/{credential_id}.json"

    def credential_qr_png(self, credential_id: str) -> str:
        return f"{self.credential(credential_id)}qr.png"

    def credential_qr_svg(self, credential_id: str) -> str:
        return f"{self.credential(credential_id)}qr.svg"

    def share_image(self, credential_id: str) -> str:
        """The 1200×630 link-preview image of a credential (and of its stack)."""
        return f"{self.credential(credential_id)}share.png"

    def embed(self, credential_id: str) -> str:
        """The credential's card for other sites' iframes."""
        return f"{self.base}embed/credentials/{credential_id}/"

    # -- Open Badges 2.0 -----------------------------------------------------------------

    def issuer(self) -> str:
        return f"{self.base}issuer.json"

    def issuer_image(self) -> str:
        return f"{self.base}issuer.png"

    def revocations(self) -> str:
        return f"{self.base}revocations.json"

    def assertion(self, award_id: str) -> str:
        return f"{self.base}assertions/{award_id}.json"

    # -- Open Badges 3.0 -----------------------------------------------------------------

    def ob3_credential(self, award_id: str) -> str:
        """A signed credential, published only for the awards a public profile shows."""
        return f"{self.base}ob3/{award_id}.json"

    def status_list(self, number: int) -> str:
        return f"{self.base}status/{number}.json"

    def did_document(self) -> str:
        """The issuer's DID document where did:web looks for it: /.well-known/did.json at a
        host's root, else did.json at the site's own path. Decided by the base's path, so
        call it on `PATHS.at(site_url)`; `did_document_path` gives the file's path."""
        return self.base + did_document_path(self.base)

    # -- feeds ---------------------------------------------------------------------------

    def api_credentials(self) -> str:
        return f"{self.base}api/credentials.json"

    def api_experts(self) -> str:
        return f"{self.base}api/experts.json"


def did_document_path(site_url: str) -> str:
    """Where the DID document is written, relative to the site (the did:web rule)."""
    return "did.json" if urlsplit(site_url).path.strip("/") else ".well-known/did.json"


def source_of(page: str) -> str:
    """The Markdown source MkDocs builds a page (a folder path ending in "/") from."""
    return f"{page}index.md"


def page_of(source: str) -> str:
    """The page (a folder path ending in "/", or "" for the home page) built from a source."""
    if not source.endswith("index.md"):
        raise ValueError(f"not a page source: {source}")
    return source[: -len("index.md")]


def file_of(page: str) -> str:
    """The HTML file that serves a page (a folder path ending in "/")."""
    return f"{page}index.html"


PATHS = Urls()
TEMPLATE_URLS = PATHS  # the Jinja global `urls`
