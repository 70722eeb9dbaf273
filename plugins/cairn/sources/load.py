"""Load and validate catalog/ and earners/ into a District, reporting every problem at once."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import difflib
import gc
import itertools
import logging
import os
import re
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cairn.issue import images
from cairn.model import (
    CREDENTIAL_KINDS,
    LEVELS,
    STATUSES,
    Alignment,
    Award,
    Credential,
    District,
    Duration,
    Earner,
    Evidence,
    Revocation,
    School,
    Stack,
    Topic,
)
from cairn.pipeline import codec
from cairn.pipeline.cache import ContentCache
from cairn.pipeline.unchanged import SETTLE_SECONDS
from cairn.pipeline.workers import fork_map
from cairn.sources.fields import ID_HINT, Fields, is_id, is_windows_device
from cairn.sources.problems import Problems
from cairn.sources.recognition import (
    MILESTONES_FOLDER,
    ReadSchemes,
    check_milestone_awards,
    link_milestones,
    read_completion,
    read_overrides,
    read_schemes,
)
from cairn.sources.source import Lines, parse_yaml, read_text, split_front_matter
from cairn.sources.spec import MILESTONE_SECTIONS, PLACEHOLDER, parse_body

log = logging.getLogger("mkdocs.plugins.cairn")

# Checkouts on Windows, where many committees work, fail on a file named for a device.
WINDOWS_NAME = "a file name Windows reserves for a device (con, prn, aux, nul, com0-9, lpt0-9)"
TOPICS_FILE = "_topics.yml"
STATUS_FILE = "_status-list.yml"
SCHOOLS_FILE = "_schools.yml"
STACK_FILES = ("_stack.yml", "_stack.md")

CREDENTIAL_FIELDS = (
    "title",
    "id",
    "stack",
    "summary",
    "level",
    "topics",
    "estimated_hours",
    "image",
    "alignment",
    "expires_after",
    "aliases",
    "status",
    "kind",
    "recognition",
)
# A milestone (catalog/_milestones/) is in no stack and is earned by a rule, not by hours of work.
MILESTONE_FIELDS = tuple(f for f in CREDENTIAL_FIELDS if f not in ("stack", "estimated_hours"))
STACK_FIELDS = ("title", "description", "color", "credentials", "completion")
EARNER_FIELDS = ("name", "email", "public", "slug", "aliases", "school", "role", "bio", "awards")
AWARD_FIELDS = (
    "credential",
    "issued",
    "evidence",
    "expires",
    "revoked",
    "id",
    "id_legacy",
    "salt",
    "status_index",
    "public",
)

_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_DURATION = re.compile(r"^(\d{1,3})\s*(year|month|week|day)s?$")
# An award id is what `build.py ids` makes (commands/ids.py): 128 random bits as 26 base32
# characters. One written by hand must look like one (plausibly_random); an id an earlier system
# published is kept with `id_legacy: true`, if it is safe as a file name and in a URL.
_AWARD_ID = re.compile(r"^[a-z2-7]{26}$")
_LEGACY_AWARD_ID = re.compile(r"^[a-z0-9][a-z0-9-]{19,63}$")
_BASE32 = "abcdefghijklmnopqrstuvwxyz234567"
_SALT = re.compile(r"^[0-9a-f]{32,64}$")
# Each base32 character's value (0-31), and its value plus 32, as byte translation tables.
_VALUE = bytes(_BASE32.find(chr(i)) % 32 for i in range(256))
_VALUE_PLUS_32 = bytes(_BASE32.find(chr(i)) % 32 + 32 for i in range(256))
_MOD_32 = bytes(i % 32 for i in range(256))


def plausibly_random(award_id: str) -> bool:
    """Whether a 26-character base32 id shows none of the patterns a person types: fewer than 6
    different characters, or 14 or more pairs of characters the same distance apart (1 to 12)
    that differ by the same step, which is what a run, a repeat, a period or a sequence is.
    An id of 128 random bits fails this less than once in 6 trillion (2e-16 for the characters,
    1.5e-13 for the steps: binomial tails, one test per distance and step). About 30 µs an id."""
    if len(set(award_id)) < 6:
        return False
    encoded = award_id.encode("ascii")
    values, raised = encoded.translate(_VALUE), encoded.translate(_VALUE_PLUS_32)
    for distance in range(1, 13):
        pairs = len(values) - distance
        # Every pair's difference at once, one byte each: raised (32-63) less value (0-31) is
        # 1-63 in every byte, so no byte borrows from the next.
        difference = int.from_bytes(raised[distance:], "big") - int.from_bytes(values[:pairs], "big")
        steps = difference.to_bytes(pairs, "big").translate(_MOD_32)
        if steps.count(sorted(steps)[pairs // 2]) >= 14:  # a step taken by most pairs is the median
            return False
    return True


_URL = re.compile(r"^https?://[^\s<>\"]+$")


@dataclass(frozen=True)
class Sources:
    """Where the user's files live."""

    catalog: Path
    earners: Path
    root: Path  # paths in problems are shown relative to this


def load_district(
    sources: Sources, today: dt.date, problems: Problems | None = None, cache: ContentCache | None = None
) -> tuple[District, Problems]:
    """Read everything; the caller decides what to do with the problems (see Problems.raise_if_errors).
    With a cache, an earner file read before, against the same catalog, is not parsed again."""
    problems = problems or Problems(sources.root)
    topics = _load_topics(sources.catalog, problems)
    schools = _load_schools(sources.earners, problems)
    schemes = read_schemes(sources.catalog, problems)
    stacks, credentials, failed, stack_fields = _load_catalog(sources.catalog, topics, problems, schemes)
    rules = link_milestones(schemes, stack_fields, credentials, problems, failed)
    earners = _load_earners(sources.earners, credentials, schools, today, problems, cache, failed)
    _warn_unused_topics(sources.catalog, topics, credentials, problems)
    district = District(
        topics=topics,
        stacks=stacks,
        credentials=credentials,
        schools=schools,
        earners=tuple(earners),
        schemes=schemes.schemes,
        milestone_rules=rules,
    )
    check_milestone_awards(district, problems)
    return district, problems


def _read_yaml_file(path: Path, problems: Problems) -> tuple[Any, Lines] | None:
    text = read_text(path, problems, within=path.parent)  # catalog/_topics.yml, earners/_schools.yml, ...
    if text is None:
        return None
    return parse_yaml(text, path, problems)


def _load_vocabulary(path: Path, problems: Problems, what: str) -> list[tuple[str, Fields]]:
    """A file of `id: {fields}` entries (topics, schools)."""
    if not path.is_file():
        problems.add(path, 1, f"the {what} file is missing", f"create {path.name} listing the {what}")
        return []
    parsed = _read_yaml_file(path, problems)
    if parsed is None:
        return []
    data, lines = parsed
    top = Fields(data, lines, path, problems)
    entries = []
    for key, value in top.data.items():
        if not is_id(key):
            top.fail((key,), f"'{key}' is not a valid id", ID_HINT)
            continue
        entries.append((key, top.sub(value, (key,))))
    return entries


TOPIC_ALIAS_LENGTH = 40


def topic_name_key(name: str) -> str:
    """How two names of topics are compared: case, hyphens and spacing aside ("Social-Emotional
    Learning" is "social emotional learning"), as search and the catalog's filter read them."""
    return " ".join(re.split(r"[\s\-]+", name.casefold())).strip()


def _load_topics(catalog: Path, problems: Problems) -> dict[str, Topic]:
    topics = {}
    read: list[tuple[str, Fields, tuple[str, ...]]] = []
    for topic_id, fields in _load_vocabulary(catalog / TOPICS_FILE, problems, "topics"):
        fields.only(("label", "description", "aliases"))
        label, description = fields.text("label", max_length=80), fields.text("description", max_length=500)
        aliases = tuple(alias.strip() for alias in fields.text_list("aliases"))
        topics[topic_id] = Topic(topic_id, label, description, aliases)
        read.append((topic_id, fields, aliases))
    # An alias names one topic only: not another's id, label or alias (the same name for two
    # topics would send a search or a filter to the wrong one). Ids and labels first.
    owner: dict[str, str] = {}
    for topic in topics.values():
        for name in (topic.id, topic.label):
            owner.setdefault(topic_name_key(name), topic.id)
    for topic_id, fields, aliases in read:
        own: set[str] = set()
        for index, alias in enumerate(aliases):
            key, shown = topic_name_key(alias), alias.strip()
            other = owner.get(key, topic_id)
            if not key:
                fields.fail(("aliases", index), "an empty alias in 'aliases'", "delete it, or write the short name")
            elif len(shown) > TOPIC_ALIAS_LENGTH:
                fields.fail(
                    ("aliases", index),
                    f"the alias '{shown[:20]}…' is {len(shown)} characters, over the limit of {TOPIC_ALIAS_LENGTH}",
                    "an alias is a short name people use for the topic, e.g. PBL",
                )
            elif key in own:
                fields.fail(("aliases", index), f"'{shown}' is listed twice in 'aliases'", "delete one of them")
            elif other != topic_id:
                fields.fail(
                    ("aliases", index),
                    f"'{shown}' is already a name of the topic '{other}'",
                    "an alias names one topic only: delete it here, or merge the two topics",
                )
            own.add(key)
            owner.setdefault(key, topic_id)
    return topics


class UnreadSchools(dict[str, School]):
    """No schools, because earners/_schools.yml could not be read (its problem is reported):
    earners' schools are then not judged, or one mistake there would be one error per earner."""


def _load_schools(earners: Path, problems: Problems) -> dict[str, School]:
    path = earners / SCHOOLS_FILE
    before = len(problems.errors)
    entries = _load_vocabulary(path, problems, "schools")
    if not entries and len(problems.errors) > before:
        return UnreadSchools()
    schools = {}
    for school_id, fields in entries:
        fields.only(("name",))
        schools[school_id] = School(school_id, fields.text("name", max_length=120))
    return schools


def _stack_folders(catalog: Path, problems: Problems) -> list[Path]:
    if not catalog.is_dir():
        problems.add(
            catalog,
            1,
            "the catalog folder is missing",
            "create it, or run: python build.py new credential <stack>/<id>",
        )
        return []
    folders = []
    for entry in sorted(catalog.iterdir()):
        if entry.name.startswith((".", "_")):
            continue
        if entry.is_dir() and not entry.is_symlink():
            folders.append(entry)
        elif entry.suffix == ".md":
            problems.add(
                entry,
                1,
                "a credential outside a stack folder",
                "move it into catalog/<stack>/, beside that stack's _stack.yml",
            )
    return folders


def _load_catalog(
    catalog: Path, topics: dict[str, Topic], problems: Problems, schemes: ReadSchemes | None = None
) -> tuple[dict[str, Stack], dict[str, Credential], frozenset[str], list[tuple[Stack, Fields]]]:
    """The stacks, the credentials (milestones of catalog/_milestones/ too), the ids (and aliases)
    of specs that have problems: their awards are not reported again as "unknown credential" (one
    error where there is one cause), and each stack with the fields it was read from."""
    schemes = schemes or ReadSchemes(catalog / "_recognition.yml")
    stacks: dict[str, Stack] = {}
    credentials: dict[str, Credential] = {}
    failed: set[str] = set()
    claimed: dict[str, tuple[Path, int]] = {}  # id or alias -> where it was first claimed
    stack_orders: list[tuple[Stack, Fields]] = []
    folders: list[tuple[Path, str]] = []  # (folder, its stack: "" for the milestones)
    for folder in _stack_folders(catalog, problems):
        if not is_id(folder.name):
            problems.add(folder, 1, f"stack folder name '{folder.name}' is not a valid id", ID_HINT)
            continue
        loaded = _load_stack(folder, problems)
        if loaded:
            stacks[folder.name] = loaded[0]
            stack_orders.append(loaded)
        folders.append((folder, folder.name))
    milestones = catalog / MILESTONES_FOLDER
    if milestones.is_dir() and not milestones.is_symlink():
        folders.append((milestones, ""))
    for folder, stack_id in folders:
        for path in sorted(folder.glob("*.md")):
            if path.name in STACK_FILES or (not stack_id and path.name.startswith((".", "_"))):
                continue
            if is_windows_device(path.name):
                problems.add(path, 1, WINDOWS_NAME, "rename it after the credential's id")
                continue
            loaded_credential = _load_credential(path, stack_id, catalog, topics, problems, failed, schemes)
            if loaded_credential is None:
                if is_id(path.stem):
                    failed.add(path.stem)
                continue
            credential, fields = loaded_credential
            names = [(credential.id, fields.line("id"))]
            names += [(alias, fields.line("aliases", i)) for i, alias in enumerate(credential.aliases)]
            for name, line in names:
                if name in claimed:
                    first, first_line = claimed[name]
                    problems.add(
                        path,
                        line,
                        f"id or alias '{name}' is already used by "
                        f"{first.relative_to(catalog.parent).as_posix()}:{first_line}",
                        "ids and aliases must be unique across the catalog; choose another",
                    )
                else:
                    claimed[name] = (path, line)
            if credential.id in credentials:
                continue
            credentials[credential.id] = credential
    for stack, fields in stack_orders:
        _check_stack_order(stack, fields, credentials, problems)
    return stacks, credentials, frozenset(failed - set(credentials)), stack_orders


def _load_stack(folder: Path, problems: Problems) -> tuple[Stack, Fields] | None:
    present = [folder / name for name in STACK_FILES if (folder / name).is_file()]
    if not present:
        problems.add(
            folder / "_stack.yml",
            1,
            f"stack '{folder.name}' has no _stack.yml",
            "create it with title, description, color and the credentials in order",
        )
        return None
    path = present[0]
    text = read_text(path, problems, within=folder.parent)
    if text is None:
        return None
    description_body = ""
    first_line = 1
    if path.suffix == ".md":
        front = split_front_matter(text, path, problems)
        if front is None:
            return None
        text, first_line, description_body = front.yaml_text, front.yaml_first_line, front.body.strip()
    parsed = parse_yaml(text, path, problems, first_line)
    if parsed is None:
        return None
    fields = Fields(parsed[0], parsed[1], path, problems)
    fields.only(STACK_FIELDS)
    title = fields.text("title", max_length=120)
    description = description_body or fields.text("description", max_length=2000)
    color = fields.text("color", required=False, default="#1f6f8b")
    if not _COLOR.match(color):
        fields.fail(("color",), f"'color' '{color}' is not a colour", "write it as #rrggbb, e.g. #1f6f8b")
        color = "#1f6f8b"
    if "credentials" not in fields.data:
        fields.fail((), "'credentials' is missing", "list the stack's credential ids in the order they are earned")
    order = fields.text_list("credentials", item_is_id=True)
    completion = read_completion(fields, folder.name)
    return Stack(folder.name, title, description, color.lower(), order, path, completion), fields


def _check_stack_order(stack: Stack, fields: Fields, credentials: dict[str, Credential], problems: Problems) -> None:
    in_folder = {c.id for c in credentials.values() if c.stack == stack.id}
    # A spec that failed to load has its own problems reported; do not add a confusing one here.
    unreadable = {p.stem for p in stack.source.parent.glob("*.md")} - {c.source.stem for c in credentials.values()}
    seen = set()
    for index, cid in enumerate(stack.credentials):
        if cid in seen:
            fields.fail(("credentials", index), f"'{cid}' is listed twice", "list each credential once")
        elif cid in credentials and credentials[cid].is_milestone:
            fields.fail(
                ("credentials", index),
                f"'{cid}' is a milestone: it is in no stack's list",
                "remove it here; to award it for completing the stack, write"
                f" 'completion: {{credential: {cid}, of: all}}'",
            )
        elif cid not in in_folder and cid not in unreadable:
            elsewhere = credentials.get(cid)
            where = f"it is in stack '{elsewhere.stack}'" if elsewhere else f"there is no catalog/{stack.id}/{cid}.md"
            fields.fail(
                ("credentials", index),
                f"'{cid}' is not a credential of this stack ({where})",
                "fix the id or move the file",
            )
        seen.add(cid)
    for cid in sorted(in_folder - seen):
        fields.fail(
            ("credentials",),
            f"credential '{cid}' is missing from the stack's order",
            f"add '- {cid}' where it belongs in the order",
        )


def _parse_duration(fields: Fields, key: str) -> Duration | None:
    value = fields.data.get(key)
    if value is None:
        return None
    match = _DURATION.match(str(value).strip().lower()) if isinstance(value, str) else None
    if not match or int(match.group(1)) == 0:
        fields.fail((key,), f"'{key}' {value!r} is not a duration", "write e.g. '3 years', '18 months' or '90 days'")
        return None
    return Duration(int(match.group(1)), match.group(2) + "s")


def _load_credential(
    path: Path,
    stack_id: str,
    catalog: Path,
    topics: dict[str, Topic],
    problems: Problems,
    failed: set[str] | None = None,
    schemes: ReadSchemes | None = None,
) -> tuple[Credential, Fields] | None:
    """One spec; when it has problems, None, and its id and aliases are added to `failed`.
    `stack_id` "": a milestone, from catalog/_milestones/."""
    text = read_text(path, problems, within=catalog)
    if text is None:
        return None
    front = split_front_matter(text, path, problems)
    if front is None:
        return None
    milestone = not stack_id
    parsed = parse_yaml(front.yaml_text, path, problems, front.yaml_first_line)
    body = parse_body(
        front.body, front.body_first_line, path, problems, **({"required": MILESTONE_SECTIONS} if milestone else {})
    )
    if parsed is None:
        return None
    fields = Fields(parsed[0], parsed[1], path, problems)
    kind = _credential_kind(fields, milestone)
    if milestone:
        for key in ("stack", "estimated_hours"):
            if key in fields.data:
                fields.fail(
                    (key,),
                    f"a milestone has no '{key}'",
                    "remove the line: a milestone is in no stack and is earned by its rule, not by hours of work",
                )
        fields.only((*MILESTONE_FIELDS, "stack", "estimated_hours"))
    else:
        fields.only(CREDENTIAL_FIELDS)
    default_id = path.stem if is_id(path.stem) else None
    if default_id is None and "id" not in fields.data:
        fields.fail(
            (), f"file name '{path.name}' is not a valid id and there is no 'id:'", ID_HINT + "; rename the file"
        )
    credential_id = fields.identifier("id", default=default_id)
    stack = fields.identifier("stack", default=stack_id) if not milestone else ""
    if stack is not None and stack != stack_id:
        folders = [p.name for p in catalog.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))]
        close = difflib.get_close_matches(stack, folders, n=1)
        if stack in folders:
            fix = f"move the file to catalog/{stack}/ or remove the 'stack:' line"
        elif close:
            fix = f"did you mean '{close[0]}'? Or remove the 'stack:' line (the folder decides the stack)"
        else:
            fix = f"there is no stack '{stack}': remove the 'stack:' line (the folder decides the stack)"
        fields.fail(("stack",), f"'stack: {stack}' does not match the folder '{stack_id}'", fix)
    title = fields.text("title", max_length=120)
    summary = fields.text("summary", max_length=300)
    for key, value in (("title", title), ("summary", summary)):
        if value and PLACEHOLDER in value:
            fields.fail((key,), f"placeholder text left in '{key}'", f"replace the '{PLACEHOLDER} …' text")
    level = fields.choice("level", LEVELS) if not milestone or "level" in fields.data else ""
    status = fields.choice("status", STATUSES, default="active")
    hours = fields.number("estimated_hours", 0.25, 1000) if not milestone else 0.0
    topic_ids = fields.text_list("topics", item_is_id=True)
    if not topic_ids and "topics" not in fields.data and not milestone:
        fields.fail((), "'topics' is missing", "list at least one topic id from catalog/_topics.yml")
    for index, topic in enumerate(topic_ids):
        if topic not in topics:
            close = difflib.get_close_matches(topic, list(topics), n=1)
            hint = f"did you mean '{close[0]}'?" if close else "add it to catalog/_topics.yml or use a listed topic"
            fields.fail(("topics", index), f"unknown topic '{topic}'", hint)
    aliases = fields.text_list("aliases", item_is_id=True)
    expires_after = _parse_duration(fields, "expires_after")
    alignment = []
    for item, at in fields.mappings("alignment"):
        sub = fields.sub(item, at)
        sub.only(("framework", "code", "name", "url"))
        framework, code = sub.text("framework", max_length=200), sub.text("code", max_length=100)
        name = sub.text("name", required=False, max_length=200) or f"{framework} {code}".strip()
        url = sub.text("url", max_length=500)
        if url and not _URL.match(url):
            sub.fail(("url",), f"'url' '{url}' is not a web address", "write a full https:// address")
        alignment.append(Alignment(framework, code, name, url))
    image_png = _load_supplied_image(fields, path, catalog)
    overrides = read_overrides(fields, schemes or ReadSchemes(catalog / "_recognition.yml"))
    if credential_id is None or body is None or not fields.ok:
        if failed is not None:
            failed.update(filter(None, (credential_id, *aliases)))
        return None
    return Credential(
        id=credential_id,
        title=title,
        summary=summary,
        stack=stack_id,
        level=level,
        topics=topic_ids,
        estimated_hours=hours,
        status=status,
        sections=body.sections,
        rubric=body.rubric,
        body=front.body,
        source=path,
        expires_after=expires_after,
        alignment=tuple(alignment),
        aliases=aliases,
        image_png=image_png,
        kind=kind,
        recognition=overrides,
    ), fields


def _credential_kind(fields: Fields, milestone: bool) -> str:
    """The spec's `kind`, which must agree with its folder: milestones live in catalog/_milestones/."""
    kind = fields.choice("kind", CREDENTIAL_KINDS, default="milestone" if milestone else "micro-credential")
    if kind == "milestone" and not milestone:
        fields.fail(
            ("kind",),
            "a milestone is in no stack, so its spec is not in a stack's folder",
            f"move the file to catalog/{MILESTONES_FOLDER}/ (a stack names it in 'completion:' in its _stack.yml)",
        )
    elif kind != "milestone" and milestone:
        fields.fail(
            ("kind",),
            f"catalog/{MILESTONES_FOLDER}/ holds milestones only",
            "move the file into its stack's folder, or write 'kind: milestone'",
        )
    return "milestone" if milestone else "micro-credential"


def _load_supplied_image(fields: Fields, path: Path, catalog: Path) -> bytes | None:
    name = fields.data.get("image")
    if name is None:
        return None
    if not isinstance(name, str) or not name.strip():
        fields.fail(("image",), "'image' should be the file name of a PNG", "e.g. image: wait-time.png")
        return None
    image_path = (path.parent / name.strip()).resolve()
    if not image_path.is_relative_to(catalog.resolve()):
        fields.fail(
            ("image",),
            f"'image' {name!r} points outside the catalog folder",
            "put the PNG beside the spec and give its file name",
        )
        return None
    if not image_path.is_file():
        fields.fail(("image",), f"'image' {name!r} does not exist", f"put the PNG at {image_path.name} beside the spec")
        return None
    try:
        size = image_path.stat().st_size
        if size > images.MAX_IMAGE_BYTES:
            raise images.ImageRejected(
                f"the image is {size:,} bytes, over the {images.MAX_IMAGE_BYTES:,}-byte limit",
                "save a smaller PNG (512×512 is enough)",
            )
        return images.normalise_png(image_path.read_bytes())
    except images.ImageRejected as error:
        fields.fail(("image",), f"'image' {name!r}: {error.message}", error.hint)
        return None


def _load_earners(
    folder: Path,
    credentials: dict[str, Credential],
    schools: dict[str, School],
    today: dt.date,
    problems: Problems,
    cache: ContentCache | None = None,
    failed: frozenset[str] = frozenset(),
) -> list[Earner]:
    """`failed`: ids of credentials whose specs have problems (reported there, not per award)."""
    if not folder.is_dir():
        problems.add(folder, 1, "the earners folder is missing", "create it (it may hold only _schools.yml)")
        return []
    aliases = {alias: c.id for c in credentials.values() for alias in c.aliases}
    earners = []
    emails: dict[str, tuple[Path, int]] = {}
    slugs: dict[str, Path] = {}
    # The first award of each id and status index (its source and line say where): no new
    # tuple per award, whose 100,000 allocations set off the cycle collector's passes.
    award_ids: dict[str, Award] = {}
    status_indices: dict[int, Award] = {}
    next_index = read_next_status_index(folder / STATUS_FILE, problems)
    # What an earner file is checked against, besides itself (the key of its cached result).
    facts = repr(
        (
            today,
            sorted((c.id, c.status) for c in credentials.values()),
            sorted(aliases.items()),
            "schools unread" if isinstance(schools, UnreadSchools) else [*schools],
            sorted(failed),
        )
    )
    paths = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith((".", "_")) or path.is_dir():
            continue
        if path.suffix not in (".yml", ".yaml"):
            problems.warn(path, 1, "not an earner file (only .yml files are read here)", "move or delete it")
            continue
        if is_windows_device(path.name):
            problems.add(path, 1, WINDOWS_NAME, "rename it, e.g. after the earner's name")
            continue
        paths.append(path)
    stems: dict[str, Path] = {}
    for path in paths:
        # Each earner's private credentials package is build/credentials/<stem>.zip.
        first = stems.setdefault(path.stem.lower(), path)
        if first != path:
            problems.add(
                path,
                1,
                f"{first.name} has the same name before its extension",
                "rename one of them: each earner's private credentials are packaged under the file's name",
            )
    loaded = _load_earner_files(folder, paths, (credentials, aliases, schools, today, facts, failed), problems, cache)
    for path, earner in zip(paths, loaded, strict=True):
        if earner is None:
            continue
        key = earner.email.lower()
        if key in emails:
            first, line = emails[key]
            problems.add(
                path,
                1,
                f"email {earner.email} is also in {first.name}:{line}",
                "keep one file per person and merge their awards",
            )
        else:
            emails[key] = (path, 1)
        for slug in filter(None, (earner.slug, *earner.aliases)):
            if slug in slugs:
                problems.add(
                    path,
                    1,
                    f"slug or alias '{slug}' is also used by {slugs[slug].name}",
                    "profile URLs must be unique: give one of them another slug",
                )
            slugs[slug] = path
        for award in earner.awards:
            if award.id is None:
                continue
            first_award = award_ids.setdefault(award.id, award)
            if first_award is not award:
                problems.add(
                    path,
                    award.line,
                    f"award id '{award.id}' is also used in {first_award.source.name}:{first_award.line}",
                    "every award needs its own id; change or remove one of them",
                )
            if award.status_index is not None:
                first_award = status_indices.setdefault(award.status_index, award)
                if first_award is not award:
                    problems.add(
                        path,
                        award.line,
                        f"status_index {award.status_index} is also used in "
                        f"{first_award.source.name}:{first_award.line}",
                        "an index is never shared: remove this one and run python build.py ids",
                    )
                if award.status_index >= next_index:
                    problems.add(
                        path,
                        award.line,
                        f"status_index {award.status_index} is not below next_index {next_index} in {STATUS_FILE}",
                        f"restore {STATUS_FILE}: indices are never reused",
                    )
        earners.append(earner)
    return earners


# Texts of earner files waiting to be parsed are held up to this many characters at once
# (a state's earner files are hundreds of MB): then they are parsed and let go.
PARSE_BATCH_CHARS = 32_000_000
# Earner files' results are fetched from the cache this many at a time, in one query: one
# query per file took 0.4-2.3 s of a district's rebuild.
LOOKUP_BATCH = 500


def _load_earner_files(
    folder: Path, paths: list[Path], context: tuple[Any, ...], problems: Problems, cache: ContentCache | None
) -> list[Earner | None]:
    """_load_earner for each file, remembered: what one earner file gives (the earner and its
    problems) depends only on its text and the catalog facts it is checked against. Each
    file read is read once: the text read is both the key of its cached result and what is
    parsed, so a file saved mid-build cannot store one version's result under another's
    key. Files not in the cache are parsed across the cores (5,000 files: 9 s on one).

    A file that the file system says is as it was when a build read it (its look, see
    _look) is not read again: the folder's index in the cache gives the key of that read's
    result. So a rebuild after one earner file changed reads that one file, not 5,000."""
    credentials, aliases, schools, today, facts, failed = context
    results: list[codec.EarnerFile | None] = [None] * len(paths)
    keys: list[str] = [""] * len(paths)
    looks: list[tuple[str, int] | None] = [None] * len(paths)  # (look, when it last changed)
    read: set[int] = set()  # the files this build read (the others' keys came from the index)
    waiting: list[tuple[int, str]] = []  # (index, text) of files to parse
    index_key = ContentCache.key("earners-index", str(folder))
    facts_digest = ContentCache.key("earner-facts", facts)
    indexed = cache is not None and cache.enabled  # `build --no-cache` and `check` read every file
    last = _read_index(cache, index_key, facts_digest) if cache is not None and indexed else {}
    # A file changed less than SETTLE_SECONDS before this (every look is taken after it) is
    # not indexed: a change within the same clock tick would leave its look as it was.
    settled_before_ns = int((time.time() - SETTLE_SECONDS) * 1e9)

    def parse(batch: list[tuple[int, str]], index: int) -> list[codec.EarnerFile]:
        made = []
        for i, text in batch[index * 50 : index * 50 + 50]:
            local = Problems(problems.root)
            found = _load_earner(paths[i], text, credentials, aliases, schools, today, local, failed)
            made.append((found, local.items))
        return made

    def parse_waiting() -> None:
        batch = list(waiting)
        waiting.clear()
        made = itertools.chain.from_iterable(fork_map(lambda n: parse(batch, n), (len(batch) + 49) // 50))
        for (i, _), (earner, found) in zip(batch, made, strict=True):
            key = keys[i]
            if earner is not None:
                earner = dataclasses.replace(earner, digest=key)
            results[i] = (earner, found)
            if cache is not None:
                cache.put(key, codec.encode_earner_file(earner, found, key))

    def read_one(i: int) -> str | None:
        """The one read of a file (after its look); None once it is reported unreadable."""
        path = paths[i]
        read.add(i)
        local = Problems(problems.root)
        text = read_text(path, local, within=path.parent)
        if text is None:  # unreadable, too large, not UTF-8, empty: reported, nothing to parse
            results[i] = (None, local.items)
            return None
        keys[i] = ContentCache.key("earner-file", str(path), text, facts)
        return text

    def look_up(batch: range) -> int:
        """The results of these files from the cache; the others wait to be parsed. Returns
        the characters added to those waiting."""
        texts: dict[int, str] = {}
        for i in batch:
            look = looks[i] = _look(paths[i]) if indexed else None
            known = last.get(str(paths[i]))
            if look is not None and known is not None and known[0] == look[0]:
                keys[i] = known[1]
            else:
                text = read_one(i)
                if text is not None:
                    texts[i] = text
        held = cache.get_many(keys[i] for i in batch if keys[i]) if cache is not None else {}
        added = 0
        for i in batch:
            if not keys[i]:
                continue  # unreadable: reported
            hit = held.get(keys[i])
            if hit is not None:
                results[i] = codec.decode_earner_file(hit, keys[i], paths[i])
                if results[i] is not None:
                    continue
                assert cache is not None
                cache.damaged_entry()  # a miss: parsed again below
            text = texts.pop(i, None)
            if text is None and i not in read:  # indexed, but its result is gone from the cache
                text = read_one(i)
            if text is not None:
                waiting.append((i, text))
                added += len(text)
        return added

    waiting_chars = 0
    for start in range(0, len(paths), LOOKUP_BATCH):
        with _no_cycle_collection():
            waiting_chars += look_up(range(start, min(start + LOOKUP_BATCH, len(paths))))
        if waiting_chars >= PARSE_BATCH_CHARS:
            parse_waiting()
            waiting_chars = 0
    parse_waiting()
    if cache is not None and indexed:
        # Files read are indexed by the look taken before they were read: one saved since has
        # another look, and is read next time.
        now = {
            str(path): (look[0], key)
            for path, look, key, result in zip(paths, looks, keys, results, strict=True)
            if look is not None and key and result is not None and look[1] < settled_before_ns
        }
        if now != last:
            cache.put(index_key, codec.encode_index(facts_digest, now))
    if cache is not None:
        log.info(f"cairn: earner files: {len(read):,} read, {len(paths) - len(read):,} unchanged since last read")
    earners = []
    for result in results:
        assert result is not None
        problems.items.extend(result[1])
        earners.append(result[0])
    return earners


def _read_index(cache: ContentCache, key: str, facts_digest: str) -> dict[str, tuple[str, str]]:
    """The earners folder's index: by file, its look and the key of its result when last read
    (empty when the catalog facts files are checked against have changed since)."""
    value = cache.get(key)
    if value is None:
        return {}
    index = codec.decode_index(value, facts_digest)
    if index is None:
        cache.damaged_entry()
        return {}
    return index


def _look(path: Path) -> tuple[str, int] | None:
    """What the file system says of an earner file, taken before it is read: its size, times
    of modification and of change (which every write sets and no tool sets back), inode,
    device and mode; with the later of the two times. The same look as when a build read it
    says it holds the same text. Only a plain file has one: a link is read every time."""
    try:
        s = os.lstat(path)
    except OSError:
        return None  # read_text reports it
    if not stat.S_ISREG(s.st_mode):
        return None
    look = f"{s.st_mode} {s.st_size} {s.st_mtime_ns} {s.st_ctime_ns} {s.st_ino} {s.st_dev}"
    return look, max(s.st_mtime_ns, s.st_ctime_ns)


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector kept off while cached earners are decoded: they make dozens of
    objects each that live on, none in a cycle, and its passes over them as they were made
    took 0.1-0.2 s of a district rebuild's 1.3 s of loading. It runs as usual after each
    batch, and while files are parsed (in forked workers that would inherit it off)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def read_next_status_index(path: Path, problems: Problems) -> int:
    """The next free index of the OB 3.0 status lists (0 when the file does not exist yet)."""
    if not path.is_file():
        return 0
    parsed = _read_yaml_file(path, problems)
    if parsed is None:
        return 0
    fields = Fields(parsed[0], parsed[1], path, problems)
    fields.only(("next_index",))
    value = fields.data.get("next_index")
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        fields.fail(("next_index",), "'next_index' should be a whole number", "restore the file from version control")
        return 0
    return value


def _load_earner(
    path: Path,
    text: str,
    credentials: dict[str, Credential],
    credential_aliases: dict[str, str],
    schools: dict[str, School],
    today: dt.date,
    problems: Problems,
    failed: frozenset[str] = frozenset(),
) -> Earner | None:
    """One earner file's text (read_text's, see _load_earner_files) checked against the catalog."""
    parsed = parse_yaml(text, path, problems)
    if parsed is None:
        return None
    fields = Fields(parsed[0], parsed[1], path, problems)
    fields.only(EARNER_FIELDS)
    name = fields.text("name", max_length=120)
    email = fields.text("email", max_length=254)
    if email and not _EMAIL.match(email):
        fields.fail(("email",), f"'email' '{email}' is not an email address", "write it as name@example.org")
    public = fields.boolean("public", default=False)
    slug = fields.identifier("slug", required=False)
    school = fields.identifier("school", required=False)
    if school is not None and school not in schools and not isinstance(schools, UnreadSchools):
        close = difflib.get_close_matches(school, list(schools), n=1)
        fields.fail(
            ("school",),
            f"unknown school '{school}'",
            f"did you mean '{close[0]}'?" if close else "use an id from earners/_schools.yml or add it there",
        )
    if public and slug is None and "slug" not in fields.data:
        fields.fail(
            ("public",),
            "a public earner needs a slug, the permanent part of their profile URL",
            "run: python build.py ids, which writes one derived from the name",
        )
    old_slugs = fields.text_list("aliases", item_is_id=True)
    role = fields.text("role", required=False, max_length=120)
    bio = fields.text("bio", required=False, max_length=1000)
    awards = []
    entries = fields.mappings("awards")  # none: a member of staff the PD planner counts (issue 18)
    for item, at in entries:
        award = _load_award(fields.sub(item, at), path, credentials, credential_aliases, today, failed)
        if award is not None:
            awards.append(award)
    if not fields.ok or len(awards) != len(entries):
        return None
    return Earner(
        name=name,
        email=email,
        public=public,
        school=school,
        role=role,
        bio=bio,
        awards=tuple(awards),
        source=path,
        slug=slug,
        aliases=old_slugs,
    )


def _load_award(
    fields: Fields,
    path: Path,
    credentials: dict[str, Credential],
    aliases: dict[str, str],
    today: dt.date,
    failed: frozenset[str] = frozenset(),
) -> Award | None:
    fields.only(AWARD_FIELDS)
    named = fields.data.get("credential")
    titled = _credential_titled(named, credentials) if isinstance(named, str) and not is_id(named) else None
    if titled is not None:
        fields.fail(("credential",), f"'{named}' is the title of a credential", f"use its id: 'credential: {titled}'")
        credential_id = None
    else:
        credential_id = fields.identifier("credential")
    if credential_id in aliases:
        fields.warn(
            ("credential",),
            f"'{credential_id}' is the old id of '{aliases[credential_id]}'",
            f"write 'credential: {aliases[credential_id]}'",
        )
        credential_id = aliases[credential_id]
    credential = credentials.get(credential_id or "")
    if credential_id in failed:
        pass  # its spec has problems, reported in its file; this award is checked again once it loads
    elif credential_id is not None and credential is None:
        titled = _credential_titled(credential_id, credentials)
        close = difflib.get_close_matches(credential_id, list(credentials), n=1)
        fields.fail(
            ("credential",),
            f"unknown credential '{credential_id}'",
            f"'{credential_id}' is the title of '{titled}': use its id 'credential: {titled}'"
            if titled
            else f"did you mean '{close[0]}'?"
            if close
            else "use the id of a credential in catalog/",
        )
    elif credential is not None and credential.status == "draft":
        fields.fail(
            ("credential",),
            f"'{credential_id}' is a draft and cannot be awarded",
            "set 'status: active' in its spec first",
        )
    issued = fields.date("issued", today)
    if issued and issued > today:
        fields.fail(("issued",), f"'issued' {issued} is in the future", "awards are recorded once earned")
    expires = fields.date("expires", today, required=False)
    if issued and expires and expires <= issued:
        fields.fail(("expires",), f"'expires' {expires} is not after 'issued' {issued}", "check both dates")
    evidence = []
    for item, at in fields.mappings("evidence"):
        sub = fields.sub(item, at)
        sub.only(("url", "narrative"))
        url = sub.text("url", required=False, max_length=2000) or None
        narrative = sub.text("narrative", required=False, max_length=5000) or None
        if url and not _URL.match(url):
            sub.fail(("url",), f"evidence url '{url}' is not a web address", "write a full https:// address")
        if not url and not narrative:
            sub.fail((), "evidence needs a 'url' or a 'narrative'", "add one or both")
        if sub.ok:
            evidence.append(Evidence(url, narrative))
    revoked = None
    if "revoked" in fields.data:
        sub = fields.sub(fields.data["revoked"], (*fields.at, "revoked"))
        sub.only(("date", "reason"))
        date = sub.date("date", today)
        reason = sub.text("reason", max_length=500)
        if date and issued and date < issued:
            sub.fail(("date",), f"revoked on {date}, before it was issued on {issued}", "check both dates")
        if date and date > today:
            sub.fail(("date",), f"revocation date {date} is in the future", "record a revocation once decided")
        if sub.ok and date:
            revoked = Revocation(date, reason)
    award_id = fields.data.get("id")
    legacy = fields.boolean("id_legacy", default=False)
    keep = "if an earlier system already published badges under it, keep it and add a line 'id_legacy: true'"
    if award_id is None:
        pass
    elif legacy:
        if not (isinstance(award_id, str) and _LEGACY_AWARD_ID.match(award_id)):
            fields.fail(
                ("id",),
                f"award id {award_id!r} is not valid",
                "an id kept from an earlier system must be 20 to 64 lower-case letters, digits or hyphens",
            )
    elif not (isinstance(award_id, str) and _AWARD_ID.match(award_id)):
        fields.fail(
            ("id",),
            f"award id {award_id!r} is not one Cairn makes (26 characters of a-z and 2-7)",
            f"if it was never published, delete the line and run: python build.py ids; {keep}",
        )
    elif not plausibly_random(award_id):
        fields.fail(
            ("id",),
            f"award id {award_id!r} looks typed, not random: its assertion URL could be guessed",
            f"delete the line and run: python build.py ids, which writes a random one; {keep}",
        )
    salt = fields.data.get("salt")
    if salt is not None and not (isinstance(salt, str) and _SALT.match(salt)):
        fields.fail(("salt",), f"salt {salt!r} is not valid", "use 32 to 64 lower-case hex digits, or remove it")
    status_index = fields.data.get("status_index")
    if status_index is not None and (
        isinstance(status_index, bool) or not isinstance(status_index, int) or not 0 <= status_index < 100_000_000
    ):
        fields.fail(
            ("status_index",),
            f"status_index {status_index!r} is not valid",
            "it is written by python build.py ids; restore the old value or remove the line",
        )
        status_index = None
    if award_id is None or salt is None or "status_index" not in fields.data:
        missing = ", ".join(
            k
            for k, v in (("id", award_id), ("salt", salt), ("status_index", fields.data.get("status_index")))
            if v is None
        )
        fields.fail((), f"this award has no {missing}", "run: python build.py ids, which writes them into this file")
    public = fields.boolean("public", default=True)
    if not fields.ok or credential is None or issued is None:
        return None
    return Award(
        credential=credential.id,
        issued=issued,
        source=path,
        line=fields.line(),
        evidence=tuple(evidence),
        expires=expires,
        revoked=revoked,
        id=award_id,
        salt=salt,
        public=public,
        status_index=status_index,
    )


def _credential_titled(name: str, credentials: dict[str, Credential]) -> str | None:
    """The id of the credential whose title is `name` (any case), if one is (only asked on failure)."""
    wanted = " ".join(name.split()).casefold()
    return next((c.id for c in credentials.values() if " ".join(c.title.split()).casefold() == wanted), None)


def _warn_unused_topics(
    catalog: Path, topics: dict[str, Topic], credentials: dict[str, Credential], problems: Problems
) -> None:
    used = {t for c in credentials.values() if c.published for t in c.topics}
    for topic_id in topics:
        if topic_id not in used:
            problems.warn(
                catalog / TOPICS_FILE,
                1,
                f"topic '{topic_id}' has no published credential",
                "it is shown as a gap; remove it if the district does not mean to offer it",
            )
