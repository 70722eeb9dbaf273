"""The MkDocs adapter: loads the district once, then hands MkDocs generated pages and images.

Everything it does is delegated to the core (load, pages, images); it only translates
into MkDocs' objects, which keeps a move to another generator a bounded change.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from markupsafe import escape
from mkdocs.config import config_options as opt
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from . import images, issue
from .cache import ContentCache
from .keys import KeyProblem, load_signing_key
from .load import Sources, load_district
from .markdown_ext import SpecMarkdown
from .model import District, Issuer
from .ob3 import did_web, public_key_from_multibase
from .pages import PageSpec, Sharing, badge_path, home_data, site_pages, standalone_pages
from .people import experts_by_topic, profiles
from .problems import ProblemsFound
from .progress import stage

log = logging.getLogger("mkdocs.plugins.cairn")


class IssuerConfig(Config):
    # The district as an Open Badges issuer: public facts only
    name = opt.Type(str)
    url = opt.Type(str)
    email = opt.Type(str)
    description = opt.Type(str, default="")
    image = opt.Optional(opt.Type(str))  # a PNG, relative to mkdocs.yml


class CairnConfig(Config):
    # Where the committee's files live, relative to mkdocs.yml
    catalog_dir = opt.Type(str, default="catalog")
    earners_dir = opt.Type(str, default="earners")

    # Private output (award links with emails), relative to mkdocs.yml; never inside site_dir
    private_dir = opt.Type(str, default="build")

    # Who issues the badges
    issuer = opt.SubConfig(IssuerConfig)

    # LinkedIn's id of the district's page, for "add to profile" links (else the issuer's name is used)
    linkedin_organization_id = opt.Optional(opt.Type(int))

    # Open Badges 3.0 signing: the key file (outside site_dir; never committed) unless the
    # CAIRN_SIGNING_KEY environment variable holds the key; retired public keys stay in the
    # DID document so credentials they signed still verify
    signing_key = opt.Type(str, default="keys/ob3-signing-key.pem")
    retired_keys = opt.ListOfItems(opt.Type(str), default=[])
    create_development_key = opt.Type(bool, default=False)

    # Treat warnings as errors
    strict = opt.Type(bool, default=False)


def issuer_from_config(config: Any, plugin_config: CairnConfig) -> Issuer:
    """The Issuer from mkdocs.yml, or a PluginError that says which setting to fix."""
    site_url = config.site_url or ""
    parts = urlsplit(site_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise PluginError(
            f"mkdocs.yml: site_url '{site_url}' is not an absolute address (badges must point at the "
            "published site: set site_url to e.g. https://badges.example.org/)"
        )
    settings = plugin_config.issuer
    root = Path(config.config_file_path).parent
    image = None
    if settings.image:
        try:
            image = images.normalise_png((root / settings.image).read_bytes())
        except (OSError, images.ImageRejected) as error:
            raise PluginError(f"mkdocs.yml: cairn issuer image '{settings.image}': {error}") from None
    return Issuer(
        name=settings.name,
        url=settings.url,
        email=settings.email,
        description=settings.description,
        site_url=site_url if site_url.endswith("/") else site_url + "/",
        image_png=image,
    )


class CairnPlugin(BasePlugin[CairnConfig]):
    district: District | None = None

    def on_config(self, config: Any) -> Any:
        root = Path(config.config_file_path).parent
        sources = Sources(catalog=root / self.config.catalog_dir, earners=root / self.config.earners_dir, root=root)
        district, problems = load_district(sources, dt.date.today())
        try:
            problems.raise_if_errors(strict=self.config.strict)
        except ProblemsFound as found:
            # MkDocs stops before touching site_dir when on_config fails.
            raise PluginError(found.report()) from None
        for warning in problems.warnings:
            log.warning(str(warning))
        self.district = district
        self.sources = sources
        self.issuer = issuer_from_config(config, self.config)
        self.private_dir = root / self.config.private_dir
        site_dir = Path(config.site_dir).resolve()
        private = self.private_dir.resolve()
        if private.is_relative_to(site_dir) or site_dir.is_relative_to(private):
            raise PluginError(f"mkdocs.yml: cairn private_dir '{self.config.private_dir}' must be outside site_dir")
        key_path = (root / self.config.signing_key).resolve()
        if key_path.is_relative_to(site_dir) or key_path.is_relative_to(Path(config.docs_dir).resolve()):
            raise PluginError(
                f"mkdocs.yml: cairn signing_key '{self.config.signing_key}' must be outside "
                "site_dir and docs_dir: a private key is never published"
            )
        try:
            key, made = load_signing_key(key_path, self.config.create_development_key)
        except KeyProblem as error:
            raise PluginError(str(error)) from None
        if made:
            log.warning(
                f"cairn: made a development signing key at {key_path}; it is for trials only: "
                "keep a real key out of git and give it with CAIRN_SIGNING_KEY or signing_key"
            )
        for retired in self.config.retired_keys:
            try:
                public_key_from_multibase(retired)
            except ValueError as error:
                raise PluginError(f"mkdocs.yml: cairn retired_keys: {error}") from None
        self.signer = issue.Signer(key, did_web(self.issuer.site_url), ContentCache(self.private_dir / ".cache"))
        self.pages: dict[str, PageSpec] = {}
        config.markdown_extensions.append(SpecMarkdown())
        return config

    def on_files(self, files: Files, *, config: Any) -> Files:
        assert self.district is not None
        sharing = self.sharing = Sharing(self.issuer.site_url, self.issuer.name, self.config.linkedin_organization_id)
        # Whether an award has expired is judged on the day of the build.
        people = profiles(self.district, dt.date.today())
        self.people = people
        self.by_topic = experts_by_topic(self.district, people)
        self.pages = {spec.src_uri: spec for spec in site_pages(self.district, sharing, people, self.by_topic)}
        for uri, spec in self.pages.items():
            files.append(File.generated(config, uri, content=spec.markdown))
        if files.get_file_from_path("index.md") is None:
            files.append(File.generated(config, "index.md", content=""))
        self.badges = issue.badge_images(self.district, self.signer.cache)
        for credential_id, png in self.badges.items():
            files.append(File.generated(config, badge_path(credential_id), content=png))
        return files

    def on_post_build(self, *, config: Any) -> None:
        # Open Badges files are written directly: at 50,000 awards, going through MkDocs'
        # Files collection costs more than the writing itself.
        assert self.district is not None
        site = Path(config.site_dir)
        awards = sum(len(e.awards) for e in self.district.earners)
        ob2 = issue.ob2_files(self.district, self.issuer, self.badges)
        issue.write_files(site, stage(ob2, "writing Open Badges 2.0 files", 2 * awards + len(self.badges) + 2))
        issue.write_files(site, issue.feed_files(self.district, self.issuer, self.by_topic))
        issue.write_files(site, issue.verify_name_files(self.people, self.issuer.site_url))
        issue.write_files(site, issue.share_files(self.district, self.issuer, self.badges, self.signer.cache))
        issue.write_files(site, self._standalone_files())
        public, private = issue.ob3_files(
            self.district, self.issuer, self.signer, self.config.retired_keys, self.people, self.badges
        )
        issue.write_files(site, public)
        issue.write_files(self.private_dir, stage(private, "writing private credentials", len(private)))
        self.private_dir.mkdir(parents=True, exist_ok=True)
        links = self.private_dir / "award-links.csv"
        links.write_bytes(issue.award_links_csv(self.district, self.issuer))
        log.info(f"cairn: award links for the committee (private, holds emails) in {links}")

    def on_page_markdown(self, markdown: str, *, page: Page, config: Any, files: Files) -> str:
        spec = self.pages.get(page.file.src_uri)
        if spec is not None:
            # Material prints meta title and description without escaping (its templates run
            # with autoescape off), so titles that contain '<' arrive already escaped.
            page.meta.update(template=spec.template, title=escape(spec.title), description=escape(spec.description))
            if spec.tags:
                page.meta["tags"] = [escape(tag) for tag in spec.tags]
        elif page.is_homepage:
            page.meta.setdefault("template", "home.html")
        return markdown

    def on_page_context(self, context: dict[str, Any], *, page: Page, config: Any, nav: Any) -> dict[str, Any]:
        assert self.district is not None
        spec = self.pages.get(page.file.src_uri)
        context["cairn"] = dict(spec.data) if spec else {}
        if page.is_homepage:
            context["cairn"].update(home_data(self.district))
        context["cairn"]["district"] = self.district
        return context

    def on_env(self, env: Any, *, config: Any, files: Files) -> Any:
        # MkDocs renders with autoescape off, which Material's templates rely on. Cairn's own
        # templates (those in custom_dir that do not replace one of Material's) escape every
        # value, so a name like "<script>" is shown as text.
        custom_dir = Path(config.theme.custom_dir) if config.theme.custom_dir else None
        ours = {p.relative_to(custom_dir).as_posix() for p in custom_dir.rglob("*.html")} if custom_dir else set()
        others = [Path(d) for d in config.theme.dirs if custom_dir is None or Path(d) != custom_dir]
        ours = {name for name in ours if not any((d / name).exists() for d in others)}
        env.autoescape = lambda name: name in ours
        self.env = env
        return env

    def _standalone_files(self) -> Iterator[tuple[str, bytes]]:
        for page in standalone_pages(self.district, self.people, self.sharing):
            html = self.env.get_template(page.template).render(**page.context)
            yield page.path, html.encode("utf-8")

    def on_serve(self, server: Any, *, config: Any, builder: Any) -> Any:
        server.watch(str(self.sources.catalog))
        server.watch(str(self.sources.earners))
        return server
