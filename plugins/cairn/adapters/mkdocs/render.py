"""Pages Cairn renders itself with Material's templates, outside MkDocs' page pipeline:
public profiles (5,000 at district size) and standalone pages (embeds, redirects)."""

from __future__ import annotations

import logging
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
    """Renders a page spec through Material's templates as MkDocs would, minus the Markdown.

    Material renders about 110 pages a second on one core: the blocks that come out the
    same on every profile (every profile is at earners/<slug>/ and none is in the
    navigation) are rendered once and put into every page. Trusted only when two profiles
    give the same blocks and the second, made with the first's blocks, is the same bytes
    as its own full render; else every profile renders in full."""

    def __init__(self, env: Any, config: Any, nav: Any, documents: Any) -> None:
        self.env, self.config, self.nav, self.documents = env, config, nav, documents
        self.shared: dict[str, str] = {}

    def prepare(self, sample: list[PageSpec]) -> None:
        self.shared = {}
        if len(sample) < 2 or not SHARED_BLOCKS:
            return
        recorded: list[dict[str, str]] = [{}, {}]
        for spec, blocks in zip(sample, recorded, strict=True):
            self._render(spec, record=blocks)
        plain = self._render(sample[1])
        if recorded[0] != recorded[1] or self._render(sample[1], recorded[0]) != plain:
            log.warning("cairn: profile pages differ in Material's shared blocks; rendering each in full")
            return
        self.shared = recorded[0]
        log.debug(f"cairn: {len(self.shared)} parts that every profile shows alike rendered once")

    def render(self, spec: PageSpec) -> bytes:
        return self._render(spec, self.shared)

    def _render(
        self, spec: PageSpec, shared: dict[str, str] | None = None, record: dict[str, str] | None = None
    ) -> bytes:
        page = Page(str(escape(spec.title)), File.generated(self.config, spec.src_uri, content=""), self.config)
        page.meta = page_meta(spec)
        page.markdown, page.content, page.toc = "", "", get_toc([])
        page.active = True
        variables = get_context(self.nav, self.documents, self.config, page)
        variables["cairn"] = dict(spec.data)  # type: ignore[typeddict-unknown-key]  # Cairn's templates read it
        template = self.env.get_template(spec.template)
        # Jinja's own rendering (Template.render), with some blocks swapped for given text. Blocks
        # put first in the context's lists win: {% extends %} appends each parent's after them.
        context = template.new_context(dict(variables))
        for name, text in (shared or {}).items():
            context.blocks[name] = [lambda _context, text=text: iter((text,))]
        if record is not None:
            for name in SHARED_BLOCKS:
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
