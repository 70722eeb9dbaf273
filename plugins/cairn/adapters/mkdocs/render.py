"""Pages Cairn renders itself with Material's templates, outside MkDocs' page pipeline:
public profiles (5,000 at district size), the generated pages that are not in the
navigation (credentials, topics, stacks, schools: 600 at district size), across the cores,
and standalone pages (embeds, redirects)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

from markupsafe import escape
from mkdocs.commands.build import get_context
from mkdocs.structure.files import File
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc

from cairn.pages.data import PageSpec

log = logging.getLogger("mkdocs.plugins.cairn")

# Material's blocks whose output is the same on every profile page (see MaterialRenderer.prepare).
SHARED_BLOCKS = ("styles", "libs", "fonts", "analytics", "tabs", "site_nav", "footer", "config", "scripts")

# Material's search leaves out an element with this attribute (and strips it from the page).
NOT_SEARCHED = 'data-search-exclude="table"'
_TABLE = re.compile(r"<table(?=[\s>])")
_SEARCH_ATTRIBUTES = re.compile(r'\s?data-search-\w+="[^"]+"')  # as Material's search removes them


def mark_tables(html: str) -> str:
    """Material's search would index a table as its cells run together ("Criterion Not yet
    Proficient Exemplary ..."): it leaves out what is marked so. Cairn's entry for a credential
    says its rubric in words (pages/data.page_search_entries)."""
    return _TABLE.sub(f"<table {NOT_SEARCHED}", html)


def page_meta(spec: PageSpec) -> dict[str, Any]:
    # Material prints meta title and description without escaping (its templates run with
    # autoescape off), so titles that contain '<' arrive already escaped.
    meta: dict[str, Any] = {
        "template": spec.template,
        "title": escape(spec.title),
        "description": escape(spec.description),
    }
    if spec.tags:
        meta["tags"] = [escape(tag) for tag in spec.tags]
    return meta


class MaterialRenderer:
    """Renders page specs through Material's templates as MkDocs would: profiles without
    Markdown, generated pages with theirs (`render_page`).

    Material renders about 110 pages a second on one core: the blocks that come out the
    same on every page of one kind (pages at the same depth and out of the navigation, as
    every profile at earners/<slug>/ is) are rendered once and put into every page. Trusted
    only when two pages give the same blocks and the second, made with the first's blocks,
    is the same bytes as its own full render; else every page renders in full. A page with
    Markdown has its own table of contents in the sidebar: that block is never shared."""

    def __init__(self, env: Any, config: Any, nav: Any, documents: Any, files: Any = None, search: Any = None) -> None:
        self.env, self.config, self.nav, self.documents = env, config, nav, documents
        self.files = files  # every page, for the links in a generated page's Markdown
        self.search = search  # the search plugin's index, whose kind of entries a page gives
        self.shared: dict[str, str] = {}

    def prepare(self, sample: list[PageSpec], markdown: bool = False) -> None:
        """Find the blocks `sample`'s kind of page shares (two pages of it, else none)."""
        self.shared = {}
        blocks = tuple(b for b in SHARED_BLOCKS if not (markdown and b == "site_nav"))
        if len(sample) < 2 or not blocks:
            return
        recorded: list[dict[str, str]] = [{}, {}]
        for spec, record in zip(sample, recorded, strict=True):
            self._render(spec, record=record, blocks=blocks, page=self._page(spec, markdown))
        plain = self._render(sample[1], page=self._page(sample[1], markdown))
        if (
            recorded[0] != recorded[1]
            or self._render(sample[1], recorded[0], page=self._page(sample[1], markdown)) != plain
        ):
            log.info(
                f"cairn: pages like {sample[0].src_uri} differ in Material's shared blocks; each is rendered in full"
            )
            return
        self.shared = recorded[0]
        kind = f"page like {sample[0].src_uri}" if markdown else "profile"
        log.debug(f"cairn: {len(self.shared)} parts that every {kind} shows alike rendered once")

    def render(self, spec: PageSpec) -> bytes:
        return self._render(spec, self.shared)

    def render_page(self, spec: PageSpec) -> tuple[bytes, list[dict[str, Any]] | None]:
        """A generated page with its Markdown, as MkDocs and Material would render it, and the
        search entries Material's search makes of it (None without search)."""
        page = self._page(spec, markdown=True)
        entries = None
        if self.search is not None:
            index = type(self.search)(**self.search.config)
            index.add_entry_from_context(page)
            page.content = _SEARCH_ATTRIBUTES.sub("", page.content or "")
            entries = index.entries
        html = self._render(spec, self.shared, page=page)
        return html.replace(f" {NOT_SEARCHED}".encode(), b""), entries

    def _page(self, spec: PageSpec, markdown: bool = False) -> Page:
        page = Page(str(escape(spec.title)), File.generated(self.config, spec.src_uri, content=""), self.config)
        page.meta = page_meta(spec)
        page.markdown, page.content, page.toc = "", "", get_toc([])
        if markdown:
            page.markdown = spec.markdown
            page.render(self.config, self.files)  # MkDocs' Markdown, its extensions and link rules
            if self.search is not None:
                page.content = mark_tables(page.content or "")
        page.active = True
        return page

    def _render(
        self,
        spec: PageSpec,
        shared: dict[str, str] | None = None,
        record: dict[str, str] | None = None,
        blocks: tuple[str, ...] = SHARED_BLOCKS,
        page: Page | None = None,
    ) -> bytes:
        page = page or self._page(spec)
        variables = get_context(self.nav, self.documents, self.config, page)
        variables["cairn"] = dict(spec.data)  # type: ignore[typeddict-unknown-key]  # Cairn's templates read it
        template = self.env.get_template(spec.template)
        # Jinja's own rendering (Template.render), with some blocks swapped for given text. Blocks
        # put first in the context's lists win: {% extends %} appends each parent's after them.
        context = template.new_context(dict(variables))
        for name, text in (shared or {}).items():
            context.blocks[name] = [lambda _context, text=text: iter((text,))]
        if record is not None:
            for name in blocks:
                context.blocks[name] = [_recording(name, record), *context.blocks.get(name, [])]
        html = self.env.concat(template.root_render_func(context))
        return html.encode("utf-8", errors="xmlcharrefreplace")


def _recording(name: str, record: dict[str, str]) -> Any:
    """A block that renders the template's own (the next in Jinja's list: the templates a page
    extends add theirs there as it renders) and records its output."""

    def render(context: Any) -> Iterator[str]:
        text = "".join(context.blocks[name][1](context))
        record[name] = text
        yield text

    return render
