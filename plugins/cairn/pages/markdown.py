"""A Python-Markdown extension for spec bodies: safe and accessible HTML.

Specs are written by a committee but often pasted from elsewhere, so raw HTML is shown
as text (never run), links may only use web, mail and relative addresses, and tables
mark their header cells with `scope` so screen readers announce rubric rows and levels.

Two layers keep script out. A tree step turns a link or image whose address is not a web,
mail or relative one into plain text, reading the address as the browser will (entities
such as `&colon;` decoded, tabs and newlines dropped). Then every page's final HTML goes
through nh3 (the Rust sanitizer ammonia), with an allow-list of tags, attributes and URL
schemes: whatever Markdown or another extension makes, only that list reaches a visitor.
"""

from __future__ import annotations

import hashlib
import html
import importlib.metadata
import re
from pathlib import Path
from xml.etree import ElementTree

import nh3
from markdown import Extension, Markdown
from markdown.postprocessors import Postprocessor
from markdown.treeprocessors import Treeprocessor

_SAFE_URL = re.compile(r"^(?:https?:|mailto:|#|/|\.{0,2}/|[^:/?#]+(?:[/?#]|$))", re.IGNORECASE)
# What the URL standard drops before it reads a scheme: tabs and newlines anywhere, and
# spaces and control characters at either end.
_URL_DROPPED = re.compile(r"[\t\n\r]")
_URL_TRIMMED = "".join(chr(code) for code in range(0x21))

# What Markdown and its usual extensions (tables, toc, footnotes, admonitions, code
# highlighting, definition lists, abbreviations) make; anything else is removed, keeping its text.
ALLOWED_TAGS = frozenset(
    {
        *("p", "br", "hr", "div", "span", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6"),
        *("strong", "em", "b", "i", "u", "s", "del", "ins", "mark", "small", "sub", "sup", "abbr", "kbd", "q"),
        *("code", "pre", "samp", "var", "ul", "ol", "li", "dl", "dt", "dd", "a", "img"),
        *("table", "caption", "colgroup", "col", "thead", "tbody", "tfoot", "tr", "th", "td", "details", "summary"),
    }
)
_CELL = {"colspan", "rowspan", "align", "style"}
ALLOWED_ATTRIBUTES = {
    "*": {"id", "class", "title", "lang", "dir"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "th": {"scope", *_CELL},
    "td": _CELL,
    "col": {"span"},
    "ol": {"start", "type"},
    "li": {"value"},
    "details": {"open"},
}
# Absolute addresses may only be web or mail ones; relative ones (pages, anchors) pass.
URL_SCHEMES = frozenset({"http", "https", "mailto"})


def sanitize(fragment: str) -> str:
    """An HTML fragment with only the allowed tags, attributes and URL schemes, read as a
    browser reads it (entities decoded); text outside the allow-list stays as text."""
    return nh3.clean(
        fragment,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=None,
        strip_comments=True,
        filter_style_properties={"text-align"},  # Markdown's tables align columns with it
    )


def identity() -> str:
    """What decides the HTML made here: this module's code and nh3's version. Part of the key of
    every page kept from an earlier build, so pages made under another policy are made again."""
    return hashlib.sha256(Path(__file__).read_bytes() + importlib.metadata.version("nh3").encode()).hexdigest()


def is_safe_url(value: str) -> bool:
    """True for a web, mail or relative address, read as the browser will read it."""
    url = _URL_DROPPED.sub("", html.unescape(value)).strip(_URL_TRIMMED)
    return bool(_SAFE_URL.match(url))


class _SafeAccessibleHtml(Treeprocessor):
    def run(self, root: ElementTree.Element) -> None:
        for element in root.iter():
            for attribute in ("href", "src"):
                value = element.get(attribute)
                if value is not None and not is_safe_url(value):
                    # A link or image with a script address becomes plain text.
                    alt = element.get("alt", "")
                    element.attrib.clear()
                    element.tag = "span"
                    if alt and not element.text:
                        element.text = alt
            if element.tag == "table":
                _scope_table(element)


class _Sanitized(Postprocessor):
    def run(self, text: str) -> str:
        return sanitize(text)


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
        # Last of all, after every other extension's postprocessors have had their say.
        md.postprocessors.register(_Sanitized(md), "cairn_sanitize", -1000)


def makeExtension(**kwargs: object) -> SpecMarkdown:  # noqa: N802 (Markdown's API)
    return SpecMarkdown(**kwargs)
