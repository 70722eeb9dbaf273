"""The MkDocs adapter: settings in, generated pages and rendering out.

It translates between MkDocs' events and the core's build stages (pipeline/stages.py) and
decides nothing: what to remake, what to keep, workers and output folders are the core's.
MkDocs renders into a stage folder the core names; the core publishes it with the rest.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from material import __version__ as material_version
from mkdocs import __version__ as mkdocs_version
from mkdocs.config import config_options as opt
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.utils.templates import TemplateContext

from cairn.adapters.mkdocs import engine
from cairn.adapters.mkdocs.render import NOT_SEARCHED, MaterialRenderer, mark_tables, page_meta
from cairn.pages.data import PageSpec, page_search_entries
from cairn.pages.markdown import SpecMarkdown
from cairn.pipeline.stages import Build, BuildFailed
from cairn.settings import Settings, SettingsError, build_day, insight_settings, issuer_settings
from cairn.urls import TEMPLATE_URLS

log = logging.getLogger("mkdocs.plugins.cairn")


class _QuietSkips(logging.Filter):
    # Pages kept from the last build render empty on purpose (see on_page_markdown): not news.
    # MkDocs' own lines about its folder speak of the stage it renders into, which is not
    # site/ and is not emptied (the core publishes only what changed): they would mislead.
    HIDDEN = ("Page skipped", "Cleaning site directory", "Building documentation to directory", "Documentation built")

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(self.HIDDEN)


logging.getLogger(f"{engine.LOGGER}.commands.build").addFilter(_QuietSkips())


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
    # Private output (award links with emails) and the cache, relative to mkdocs.yml; never inside site_dir
    private_dir = opt.Type(str, default="build")
    issuer = opt.SubConfig(IssuerConfig)
    # LinkedIn's id of the district's page, for "add to profile" links (else the issuer's name is used)
    linkedin_organization_id = opt.Optional(opt.Type(int))
    # Open Badges 3.0 signing: the key file (outside site_dir; never committed) unless the
    # CAIRN_SIGNING_KEY environment variable holds the key; retired public keys stay in the
    # DID document so credentials they signed still verify
    signing_key = opt.Type(str, default="keys/ob3-signing-key.pem")
    retired_keys = opt.ListOfItems(opt.Type(str), default=[])
    create_development_key = opt.Type(bool, default=False)
    strict = opt.Type(bool, default=False)  # treat warnings as errors
    cache = opt.Type(bool, default=True)  # reuse work of earlier builds (build.py build --no-cache turns it off)
    # The district's time zone (an IANA name): the build's day, on which expiry is judged, is the
    # date there of SOURCE_DATE_EPOCH when set, else of now; never the build machine's zone
    timezone = opt.Type(str, default="UTC")
    # build/renewals.csv lists awards that expire (or expired) within this many days of the build
    renewals_within_days = opt.Type(int, default=90)
    # Figures about the workforce: the public /insights/ page (aggregate only; false leaves it out),
    # the smallest group of people a public figure may be about (k, at least 2), and the month
    # (1-12) a school year starts in, for uptake by school year here and in the private planner
    insights = opt.Type(bool, default=True)
    insights_min_group = opt.Type(int, default=5)
    school_year_starts = opt.Type(int, default=7)


def settings_from_config(config: Any, plugin: CairnConfig, serving: bool = False) -> Settings:
    """The core's settings from mkdocs.yml, or a PluginError that says which setting to fix."""
    root = Path(config.config_file_path).parent
    issuer = plugin.issuer
    try:
        image = root / issuer.image if issuer.image else None
        district = issuer_settings(
            config.site_url or "", issuer.name, issuer.url, issuer.email, issuer.description, image, issuer.image or ""
        )
        today = build_day(plugin.timezone, os.environ)
        min_group, year_starts = insight_settings(plugin.insights_min_group, plugin.school_year_starts)
    except SettingsError as error:
        raise PluginError(f"{Path(config.config_file_path).name}: {error}") from None
    return Settings(
        config_file=Path(config.config_file_path),
        catalog_dir=root / plugin.catalog_dir,
        earners_dir=root / plugin.earners_dir,
        content_dir=Path(config.docs_dir),
        theme_dir=Path(config.theme.custom_dir) if config.theme.custom_dir else None,
        site_dir=Path(config.site_dir),
        private_dir=root / plugin.private_dir,
        issuer=district,
        signing_key=root / plugin.signing_key,
        retired_keys=tuple(plugin.retired_keys),
        create_development_key=plugin.create_development_key,
        strict=plugin.strict,
        linkedin_organization_id=plugin.linkedin_organization_id,
        use_cache=plugin.cache,
        engine=f"{engine.NAME} {mkdocs_version}, material {material_version}",
        today=today,
        timezone=plugin.timezone,
        renewals_within_days=max(0, plugin.renewals_within_days),
        insights=plugin.insights,
        insights_min_group=min_group,
        school_year_starts=year_starts,
        serving=serving,
    )


def _nav_sources(nav: Any) -> set[str]:
    """The Markdown sources mkdocs.yml's nav names (its pages, at any depth)."""
    if isinstance(nav, str):
        return {nav}
    if isinstance(nav, dict):
        return set().union(*(_nav_sources(value) for value in nav.values()))
    if isinstance(nav, list):
        return set().union(*(_nav_sources(item) for item in nav))
    return set()


class CairnPlugin(BasePlugin[CairnConfig]):
    build: Build | None = None
    serving = False

    def on_startup(self, *, command: str, dirty: bool) -> None:
        # `serve` adds a live-reload script to every page: the core's policy allows it (pages/csp.py).
        # A plugin with on_startup is kept by MkDocs for the whole process, so on_shutdown resets it.
        self.serving = command == "serve"

    def on_shutdown(self) -> None:
        self.serving = False
        self.build = None

    def on_config(self, config: Any) -> Any:
        self.build = build = Build(settings_from_config(config, self.config, self.serving))
        try:
            warnings = build.load()
        except BuildFailed as failed:
            raise PluginError(str(failed)) from None  # MkDocs stops before writing anything
        for warning in warnings:
            log.warning(str(warning))
        config.site_dir = str(build.generator_output)  # the core publishes it into site_dir
        config.markdown_extensions.append(SpecMarkdown())
        return config

    def on_files(self, files: Files, *, config: Any) -> Files:
        assert self.build is not None
        try:
            self.plan = self.build.plan()
        except BuildFailed as failed:
            raise PluginError(str(failed)) from None
        # MkDocs renders the generated pages in the navigation (credentials/index.md, ...); the
        # core renders the rest, like profiles (Build.pages). Without a nav, MkDocs lists them all.
        in_nav = _nav_sources(config.nav) if config.nav is not None else None
        self.specs: dict[str, PageSpec] = {}
        self.own_pages: list[PageSpec] = []
        every = Files(list(files))
        for spec in self.plan.pages:
            file = File.generated(config, spec.src_uri, content=spec.markdown)
            every.append(file)
            if in_nav is None or spec.src_uri in in_nav:
                self.specs[spec.src_uri] = spec
                files.append(file)
            else:
                self.own_pages.append(spec)
        if files.get_file_from_path("index.md") is None:
            files.append(File.generated(config, "index.md", content=""))
        self.files, self.every_file = files, every
        self.search_index = next((p.search_index for p in config.plugins.values() if hasattr(p, "search_index")), None)
        self.kept_entries: dict[str, list[dict[str, Any]]] = {}
        return files

    def on_nav(self, nav: Any, *, config: Any, files: Files) -> Any:
        self.nav = nav
        return nav

    def on_page_markdown(self, markdown: str, *, page: Page, config: Any, files: Files) -> str:
        assert self.build is not None
        spec = self.specs.get(page.file.src_uri)
        if spec is None:
            if page.is_homepage:
                page.meta.setdefault("template", "home.html")
            return markdown
        page.meta.update(page_meta(spec))
        kept = self.build.kept_page(spec) if self.search_index is not None else None
        if kept is None:
            return markdown
        # Kept as published: an empty template makes MkDocs skip it; its search entries are
        # added when its turn comes, in page order, so the index is the same bytes.
        page.meta.update(template="cairn-kept.html", search={"exclude": True})
        self.kept_entries[page.file.src_uri] = kept
        return ""

    def on_page_content(self, html: str, *, page: Page, config: Any, files: Files) -> str:
        # Material's search reads a page's HTML next and would index a table as its cells run
        # together ("Criterion Not yet Proficient Exemplary ..."): it leaves out what is marked
        # so, and removes the mark from the page once read. Cairn's entry says a rubric in words.
        if self.search_index is None or page.file.src_uri not in self.specs:
            return html
        return mark_tables(html)

    @event_priority(100)  # before the search plugin adds this page's entries
    def on_page_context(self, context: TemplateContext, *, page: Page, config: Any, nav: Any) -> TemplateContext:
        spec = self.specs.get(page.file.src_uri)
        context["cairn"] = dict(spec.data) if spec else {}  # type: ignore[typeddict-unknown-key]
        if page.is_homepage:
            context["cairn"].update(self.plan.home)  # type: ignore[typeddict-item]
        if self.search_index is not None:
            kept = self.kept_entries.pop(page.file.src_uri, None)
            if spec is not None and kept is not None:
                self.search_index.entries.extend(page_search_entries(spec, page.url, kept))
            self.entries_before = len(self.search_index.entries)
        return context

    def on_post_page(self, output: str, *, page: Page, config: Any) -> str:
        # A generated page rendered afresh goes to the core; MkDocs, handed nothing, writes nothing.
        assert self.build is not None
        spec = self.specs.get(page.file.src_uri)
        if spec is None or not output.strip():
            return output
        entries = None
        if self.search_index is not None:
            # What the search plugin made of the page is cached as it made it (a page kept next
            # time gives the same); the index takes Cairn's entries, made from both alike.
            entries = self.search_index.entries[self.entries_before :]
            self.search_index.entries[self.entries_before :] = page_search_entries(spec, page.url, entries)
            output = output.replace(f" {NOT_SEARCHED}", "")  # the search plugin removes it; never left
        html = output.encode("utf-8", errors="xmlcharrefreplace")
        return "" if self.build.page_rendered(spec, page.file.dest_uri, html, entries) else output

    def on_env(self, env: Any, *, config: Any, files: Files) -> Any:
        # MkDocs renders with autoescape off, which Material's templates rely on. Cairn's own
        # templates (those in custom_dir that do not replace one of Material's) escape every
        # value, so a name like "<script>" is shown as text.
        assert self.build is not None
        custom_dir = Path(config.theme.custom_dir) if config.theme.custom_dir else None
        ours = {p.relative_to(custom_dir).as_posix() for p in custom_dir.rglob("*.html")} if custom_dir else set()
        others = [Path(d) for d in config.theme.dirs if custom_dir is None or Path(d) != custom_dir]
        ours = {name for name in ours if not any((d / name).exists() for d in others)}
        env.autoescape = lambda name: name in ours
        env.globals["urls"] = TEMPLATE_URLS
        self.env = env
        documents = self.files.documentation_pages()
        entries = self.build.profiles(MaterialRenderer(env, config, self.nav, documents))
        renderer = MaterialRenderer(env, config, self.nav, documents, self.every_file, self.search_index)
        entries += self.build.pages(self.own_pages, renderer, searched=self.search_index is not None)
        if self.search_index is not None:
            self.search_index.entries.extend(entries)
        return env

    @event_priority(-100)  # after the search plugin has written its index
    def on_post_build(self, *, config: Any) -> None:
        assert self.build is not None
        standalone = [
            (page.path, self.env.get_template(page.template).render(**page.context).encode("utf-8"))
            for page in self.build.standalone_pages()
        ]
        self.build.make_files(standalone)
        self.build.publish()

    def on_build_error(self, *, error: Exception) -> None:
        if self.build is not None:
            self.build.close()

    def on_serve(self, server: Any, *, config: Any, builder: Any) -> Any:
        assert self.build is not None
        server.watch(str(self.build.settings.catalog_dir))
        server.watch(str(self.build.settings.earners_dir))
        return server
