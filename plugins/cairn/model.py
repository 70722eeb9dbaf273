"""The typed model of a district's catalog and earners, built once by the loader.

Everything downstream (images, pages, badges) reads these objects and never re-parses
source files.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
from dataclasses import dataclass, field
from pathlib import Path

LEVELS = ("foundational", "proficient", "advanced")
STATUSES = ("active", "draft", "retired")
SECTIONS = (
    "Competency",
    "Key Method",
    "Method Components",
    "Research & Resources",
    "Submission Criteria",
    "Scoring Rubric",
)


@dataclass(frozen=True)
class Duration:
    """A validity period such as '3 years' or '18 months'."""

    amount: int
    unit: str  # "years", "months", "weeks" or "days"

    def after(self, start: dt.date) -> dt.date:
        if self.unit in ("years", "months"):
            months = self.amount * (12 if self.unit == "years" else 1)
            year, month = divmod(start.month - 1 + months, 12)
            year, month = start.year + year, month + 1
            day = min(start.day, calendar.monthrange(year, month)[1])
            return dt.date(year, month, day)
        days = self.amount * (7 if self.unit == "weeks" else 1)
        return start + dt.timedelta(days=days)

    def __str__(self) -> str:
        unit = self.unit if self.amount != 1 else self.unit[:-1]
        return f"{self.amount} {unit}"


@dataclass(frozen=True)
class Topic:
    id: str
    label: str
    description: str
    aliases: tuple[str, ...] = ()  # what people also call it ("PBL", "SEL"): search and filters find it by them


@dataclass(frozen=True)
class School:
    id: str
    name: str


@dataclass(frozen=True)
class Alignment:
    framework: str
    code: str
    name: str
    url: str


@dataclass(frozen=True)
class Section:
    title: str  # the canonical name, e.g. "Research & Resources"
    heading: str  # as the author wrote it (the first of its headings)
    markdown: str  # its text, for badge files; several written sections become '### ' parts
    # What its credential page shows: the accepted headings as written, e.g. "## Supporting Research
    # and Rationale" then "## Resources"; "" when shown inside another (a rubric inside Part 2);
    # None: "## <title>" and the markdown.
    page: str | None = None


@dataclass(frozen=True)
class Rubric:
    criterion_heading: str
    levels: tuple[str, ...]
    rows: tuple[tuple[str, tuple[str, ...]], ...]  # (criterion, one cell per level)


@dataclass(frozen=True)
class Credential:
    id: str
    title: str
    summary: str
    stack: str
    level: str
    topics: tuple[str, ...]
    estimated_hours: float
    status: str
    sections: tuple[Section, ...]
    rubric: Rubric
    body: str  # the Markdown below the front matter, as written
    source: Path
    expires_after: Duration | None = None
    alignment: tuple[Alignment, ...] = ()
    aliases: tuple[str, ...] = ()
    image_png: bytes | None = field(default=None, repr=False)  # a supplied image, normalised

    @property
    def published(self) -> bool:
        return self.status != "draft"

    def section(self, title: str) -> Section:
        return next(s for s in self.sections if s.title == title)


@dataclass(frozen=True)
class Stack:
    id: str
    title: str
    description: str
    color: str
    credentials: tuple[str, ...]  # in the order they are meant to be earned
    source: Path


@dataclass(frozen=True)
class Evidence:
    url: str | None
    narrative: str | None


@dataclass(frozen=True)
class Revocation:
    date: dt.date
    reason: str


@dataclass(frozen=True)
class Award:
    credential: str
    issued: dt.date
    source: Path
    line: int
    evidence: tuple[Evidence, ...] = ()
    expires: dt.date | None = None
    revoked: Revocation | None = None
    id: str | None = None
    salt: str | None = None
    public: bool = True  # the earner may hide one award from their public profile
    status_index: int | None = None  # its place in the OB 3.0 revocation status lists, never reused


@dataclass(frozen=True)
class Earner:
    name: str
    email: str = field(repr=False)
    public: bool
    school: str | None
    role: str
    bio: str
    awards: tuple[Award, ...]
    source: Path
    slug: str | None = None
    aliases: tuple[str, ...] = ()  # old slugs, redirected to the current profile
    # What the earner was made from (the file's bytes and the catalog facts it was checked
    # against), so pages can fingerprint an earner without walking every award.
    digest: str = field(default="", repr=False, compare=False)


@dataclass(frozen=True)
class District:
    """Everything the loader read, valid and cross-checked."""

    topics: dict[str, Topic]
    stacks: dict[str, Stack]
    credentials: dict[str, Credential]  # every credential, drafts included
    schools: dict[str, School]
    earners: tuple[Earner, ...]

    @property
    def published(self) -> list[Credential]:
        """Credentials that have a page: active and retired, never drafts."""
        return [c for c in self.credentials.values() if c.published]

    @property
    def active(self) -> list[Credential]:
        """Credentials in the catalog list, in stack order."""
        return [c for c in self.in_stack_order() if c.status == "active"]

    def in_stack_order(self) -> list[Credential]:
        ordered: list[Credential] = []
        for stack in self.stacks.values():
            ordered.extend(self.credentials[cid] for cid in stack.credentials if self.credentials[cid].published)
        return ordered

    def stack_credentials(self, stack_id: str) -> list[Credential]:
        return list(self._stack_members[stack_id])

    @functools.cached_property  # asked for per earner and stack: 120,000 times at district size
    def _stack_members(self) -> dict[str, tuple[Credential, ...]]:
        return {
            sid: tuple(self.credentials[c] for c in stack.credentials if self.credentials[c].published)
            for sid, stack in self.stacks.items()
        }

    def earner_count(self, credential_id: str) -> int:
        """Distinct earners holding a non-revoked award of the credential, public or not.

        A district-wide count: it names no one.
        """
        return self._holder_counts.get(credential_id, 0)

    @functools.cached_property
    def _holder_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for earner in self.earners:
            for credential_id in {a.credential for a in earner.awards if a.revoked is None}:
                counts[credential_id] = counts.get(credential_id, 0) + 1
        return counts


@dataclass(frozen=True)
class Issuer:
    """The district as an Open Badges issuer, from the cairn plugin's settings."""

    name: str
    url: str  # the district's home page
    email: str  # a public contact address of the district, not an earner's
    description: str
    site_url: str  # where the site is published, ending in "/"
    image_png: bytes | None = field(default=None, repr=False)
