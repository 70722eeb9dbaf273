"""A Python-Markdown extension for spec bodies: safe and accessible HTML.

Specs are written by a committee but often pasted from elsewhere, so raw HTML is shown
as text (never run), links may only use web, mail and relative addresses, and tables
mark their header cells with `scope` so screen readers announce rubric rows and levels.
"""

from __future__ import annotations

import re
from xml.etree import ElementTree

from markdown import Extension, Markdown
from markdown.treeprocessors import Treeprocessor

_SAFE_URL = re.compile(r"^(?:https?:|mailto:|#|/|\.{0,2}/|[^:/?#]+(?:[/?#]|$))", re.IGNORECASE)


class _SafeAccessibleHtml(Treeprocessor):
    def run(self, root: ElementTree.Element) -> None:
        for element in root.iter():
            for attribute in ("href", "src"):
                value = element.get(attribute)
                if value is not None and not _SAFE_URL.match(value.strip()):
                    # A link or image with a script address becomes plain text.
                    alt = element.get("alt", "")
                    element.attrib.clear()
                    element.tag = "span"
                    if alt and not element.text:
                        element.text = alt
            if element.tag == "table":
                _scope_table(element)


def _scope_table(table: ElementTree.Element) -> None:
    for th in table.iterfind("./thead/tr/th"):
        th.set("scope", "col")
    for row in table.iterfind("./tbody/tr"):
        if len(row) and row[0].tag == "td":
            row[0].tag = "th"
            row[0].set("scope", "row")


class SpecMarkdown(Extension):
    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 (Markdown's API)
        # Without these two, raw HTML is escaped like any other text.
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_SafeAccessibleHtml(md), "cairn_safe_html", 0)


def makeExtension(**kwargs: object) -> SpecMarkdown:  # noqa: N802 (Markdown's API)
    return SpecMarkdown(**kwargs)
