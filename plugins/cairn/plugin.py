"""The MkDocs adapter: loads the district once, then hands MkDocs generated pages and images.

Everything it does is delegated to the core (load, pages, images); it only translates
into MkDocs' objects, which keeps a move to another generator a bounded change.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

from markupsafe import escape
from mkdocs.config import config_options as opt
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from . import images
from .load import Sources, load_district
from .markdown_ext import SpecMarkdown
from .model import District
from .pages import PageSpec, badge_path, home_data, site_pages
from .problems import ProblemsFound

log = logging.getLogger("mkdocs.plugins.cairn")


class CairnConfig(Config):
    # Where the committee's files live, relative to mkdocs.yml
    catalog_dir = opt.Type(str, default="catalog")
    earners_dir = opt.Type(str, default="earners")

    # Treat warnings as errors
    strict = opt.Type(bool, default=False)


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
        self.pages: dict[str, PageSpec] = {}
        config.markdown_extensions.append(SpecMarkdown())
        return config

    def on_files(self, files: Files, *, config: Any) -> Files:
        assert self.district is not None
        self.pages = {spec.src_uri: spec for spec in site_pages(self.district)}
        for uri, spec in self.pages.items():
            files.append(File.generated(config, uri, content=spec.markdown))
        if files.get_file_from_path("index.md") is None:
            files.append(File.generated(config, "index.md", content=""))
        stacks = self.district.stacks
        for credential in self.district.published:
            png = credential.image_png or images.generate_badge(
                credential.title, stacks[credential.stack].color, credential.level, stacks[credential.stack].title
            )
            files.append(File.generated(config, badge_path(credential.id), content=png))
        return files

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
        return env

    def on_serve(self, server: Any, *, config: Any, builder: Any) -> Any:
        server.watch(str(self.sources.catalog))
        server.watch(str(self.sources.earners))
        return server
