"""Reading the user's text files defensively: size, encoding, YAML with line numbers.

Everything here turns a user's mistake (or an attacker's file) into a Problem with a
line number instead of an exception. YAML is composed node by node so that every value
keeps the line it came from, aliases are refused (no "billion laughs"), duplicate keys
are caught, and dates stay text until the loader checks them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cairn.sources.folders import link_problem
from cairn.sources.problems import Problems

MAX_TEXT_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 50

KeyPath = tuple[Any, ...]


@dataclass
class Lines:
    """Where each value of a parsed YAML document starts: key path -> 1-based line."""

    by_path: dict[KeyPath, int] = field(default_factory=dict)

    def of(self, *path: Any) -> int:
        """The line of `path`, or of its nearest parent that has one."""
        while path:
            if path in self.by_path:
                return self.by_path[path]
            path = path[:-1]
        return self.by_path.get((), 1)


def read_text(path: Path, problems: Problems, limit: int = MAX_TEXT_BYTES, *, within: Path | None = None) -> str | None:
    """The file's text, or None after recording why it cannot be used. `within`: the source
    folder the file belongs to; a symbolic link that leads out of it is not followed (folders.py)."""
    if within is not None and path.is_symlink():
        refused = link_problem(path, within, problems.root)
        if refused is not None:
            problems.items.append(refused)
            return None
    try:
        size = path.stat().st_size
        if size > limit:
            problems.add(
                path,
                1,
                f"file is {size:,} bytes, over the {limit:,}-byte limit",
                "split it or remove what does not belong in it",
            )
            return None
        data = path.read_bytes()
    except OSError as error:
        problems.add(path, 1, f"cannot read the file: {error.strerror}", "check its permissions")
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]  # a byte-order mark, as Windows editors write: harmless, dropped
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        problems.add(
            path, line, f"byte 0x{data[error.start]:02x} is not UTF-8 text", "save the file with UTF-8 encoding"
        )
        return None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        problems.add(
            path,
            line,
            "the file holds a NUL byte, so it is not a text file",
            "remove it or replace the file with a text file",
        )
        return None
    if not text.strip():
        problems.add(path, 1, "the file is empty", "fill it in or delete it")
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


@dataclass
class FrontMatter:
    yaml_text: str
    yaml_first_line: int
    body: str
    body_first_line: int


def split_front_matter(text: str, path: Path, problems: Problems) -> FrontMatter | None:
    """Split `---` YAML front matter from the Markdown body below it."""
    lines = text.split("\n")
    if lines[0].strip() != "---":
        problems.add(
            path,
            1,
            "the file does not start with '---' front matter",
            "begin with a line '---', the YAML fields, then another '---'",
        )
        return None
    for number, line in enumerate(lines[1:], start=2):
        if line.rstrip() in ("---", "..."):
            return FrontMatter(
                yaml_text="\n".join(lines[1 : number - 1]),
                yaml_first_line=2,
                body="\n".join(lines[number:]),
                body_first_line=number + 1,
            )
    problems.add(path, 1, "the front matter is never closed", "add a line '---' after the last front-matter field")
    return None


class _AliasFound(Exception):
    def __init__(self, mark: yaml.Mark) -> None:
        self.mark = mark


class _StrictComposer(yaml.SafeLoader):
    """A loader that composes nodes but refuses aliases, so nothing can expand."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise _AliasFound(self.peek_event().start_mark)
        return super().compose_node(parent, index)


def _refuse_shared_nodes(root: Any) -> None:
    seen: set[int] = set()
    stack = [(root, root)]
    while stack:
        node, holder = stack.pop()
        if node is None:
            continue
        if id(node) in seen:
            raise _AliasFound(holder.start_mark)
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            # Pushed in reverse, so the tree is walked in document order: the second
            # occurrence, the alias, is the one reported.
            for key, value in reversed(node.value):
                stack.extend(((value, key), (key, key)))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, node) for item in reversed(node.value))


_PLAIN_TAGS = {
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:timestamp",
}


def parse_yaml(text: str, path: Path, problems: Problems, first_line: int = 1) -> tuple[Any, Lines] | None:
    """Parse one YAML document into plain data and the line of every value.

    Returns None (after recording problems) when the YAML cannot be used at all.
    Dates are left as text (`2025-02-30` is then reported by the loader, with its line).
    """
    composed = compose_yaml(text, path, problems, first_line)
    if composed is None:
        return None
    node, loader = composed
    lines = Lines()
    if node is None:
        lines.by_path[()] = first_line
        return None, lines
    converter = _Converter(path, problems, first_line, lines, loader)
    data = converter.convert(node, (), 0)
    # Half a document is no document: its other fields would be reported missing (one cause, one message).
    return None if converter.failed else (data, lines)


def compose_yaml(text: str, path: Path, problems: Problems, first_line: int = 1) -> tuple[Any, Any] | None:
    """The YAML node tree (with positions), aliases refused; None after recording a problem."""
    # libyaml's parser when present (about ten times faster); aliases are then found by
    # walking the tree, since an alias is the same node object met twice.
    loader = yaml.CSafeLoader(text) if getattr(yaml, "__with_libyaml__", False) else _StrictComposer(text)
    try:
        node = loader.get_single_node()
        _refuse_shared_nodes(node)
    except _AliasFound as error:
        problems.add(
            path,
            error.mark.line + first_line,
            "YAML aliases (*name) are not allowed",
            "write the value out in full instead of referring to an &anchor",
        )
        return None
    except yaml.MarkedYAMLError as error:
        # An unclosed bracket or quote is noticed lines later: point at where it was opened. A
        # mis-indented line inside a block list or mapping is itself the mistake: point at it.
        block = "block" in (error.context or "")
        mark = (error.problem_mark or error.context_mark) if block else (error.context_mark or error.problem_mark)
        line = (mark.line if mark else 0) + first_line
        what = (error.problem or "invalid YAML").strip()
        if error.context_mark and error.problem_mark and error.problem_mark.line != error.context_mark.line:
            if block:
                opened = error.context_mark.line + first_line
                what += f" (its indentation does not match the list or mapping on line {opened})"
            else:
                what += f" on line {error.problem_mark.line + first_line} ({error.context} opened here)"
        problems.add(path, line, f"YAML syntax error: {what}", "check indentation, colons, brackets and quotes")
        return None
    except yaml.YAMLError as error:
        problems.add(path, first_line, f"YAML error: {error}", "check the file's syntax")
        return None
    except RecursionError:
        problems.add(path, first_line, "YAML nested too deeply", "flatten the structure")
        return None
    finally:
        loader.dispose()
    return node, loader


@dataclass
class _Converter:
    path: Path
    problems: Problems
    first_line: int
    lines: Lines
    constructor: yaml.SafeLoader
    failed: bool = False

    def _fail(self, node: yaml.Node, message: str, hint: str) -> None:
        self.problems.add(self.path, node.start_mark.line + self.first_line, message, hint)
        self.failed = True

    def convert(self, node: yaml.Node, key_path: KeyPath, depth: int) -> Any:
        self.lines.by_path.setdefault(key_path, node.start_mark.line + self.first_line)
        if depth > MAX_DEPTH:
            self._fail(node, "YAML nested too deeply", "flatten the structure")
            return None
        if node.tag not in _PLAIN_TAGS:
            self._fail(node, f"unsupported YAML tag {node.tag}", "remove the '!' tag and write a plain value")
            return None
        if isinstance(node, yaml.MappingNode):
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                    self._fail(key_node, "a key must be plain text", "write keys as 'name: value'")
                    continue
                key = str(key_node.value)
                if key in result:
                    self._fail(key_node, f"'{key}' appears twice here", "keep one of the two")
                    continue
                self.lines.by_path[(*key_path, key)] = key_node.start_mark.line + self.first_line
                result[key] = self.convert(value_node, (*key_path, key), depth + 1)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, (*key_path, index), depth + 1) for index, item in enumerate(node.value)]
        if node.tag in ("tag:yaml.org,2002:str", "tag:yaml.org,2002:timestamp"):
            return node.value
        try:
            return self.constructor.construct_object(node, deep=True)
        except (ValueError, yaml.YAMLError):
            return node.value
