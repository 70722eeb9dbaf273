"""The typed model of a district's catalog and earners, built once by the loader.

Everything downstream (images, pages, badges) reads these objects and never re-parses
source files.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
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
# What a credential is: a micro-credential (earned by a submission scored on its rubric) or a
# milestone (earned by a rule over other credentials: a scheme's threshold, a stack's completion).
CREDENTIAL_KINDS = ("micro-credential", "milestone")
SCHEME_KINDS = ("money", "credits", "points")
# Who may see a scheme's amounts: the catalog and credential pages; also earners' totals on public
# profiles; or private reports only. Money per person is never public (recognition.shown).
SCHEME_SHOWS = ("catalog", "profiles", "private")
# When a money scheme's pay change takes effect (its `effective:`): the day the award was issued,
# the first day of the month after it, or the first day of the school year after it.
PAY_EFFECTIVE = ("on-award", "next-month", "next-school-year")
_CENT = Decimal("0.01")


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
    # A milestone is in no stack (stack ""), has no level unless given (""), no estimated hours
    # (0), an empty rubric (no levels, no rows) and, of the six sections, only those written
    # (the others have empty markdown and page "", so nothing shows them).
    kind: str = "micro-credential"
    recognition: tuple[tuple[str, Decimal], ...] = ()  # per-scheme overrides: (scheme id, amount)

    @property
    def published(self) -> bool:
        return self.status != "draft"

    @property
    def is_milestone(self) -> bool:
        return self.kind == "milestone"

    def section(self, title: str) -> Section:
        return next(s for s in self.sections if s.title == title)

    def override(self, scheme_id: str) -> Decimal | None:
        """The amount this spec's front matter sets for a scheme, if it sets one."""
        return next((amount for sid, amount in self.recognition if sid == scheme_id), None)


def expiry(award: Award, credential: Credential) -> dt.date | None:
    """When an award lapses: its own 'expires', else its credential's 'expires_after' from the
    day it was issued; None when it never does. It is expired on that day and after."""
    if award.expires:
        return award.expires
    if credential.expires_after:
        return credential.expires_after.after(award.issued)
    return None


@dataclass(frozen=True)
class Threshold:
    """A scheme's milestone: the credential is earned on reaching `at` of the scheme."""

    credential: str
    scheme: str
    at: Decimal


@dataclass(frozen=True)
class Completion:
    """A stack's completion credential: earned when `of` of the stack's credentials are current
    on the same day (None: every active one)."""

    credential: str
    stack: str
    of: int | None = None


MilestoneRule = Threshold | Completion


@dataclass(frozen=True)
class Scheme:
    """What credentials count for, declared in catalog/_recognition.yml: pay, credits, points.

    A credential earns exactly one of: `by_level` (an amount per level), `per_hour` (times its
    estimated hours) or `fixed`; its spec's `recognition:` front matter overrides the amount."""

    id: str
    label: str
    kind: str  # one of SCHEME_KINDS
    unit: str  # "USD", "CEU", "points"
    show: str  # one of SCHEME_SHOWS
    by_level: tuple[tuple[str, Decimal], ...] = ()
    per_hour: Decimal | None = None
    fixed: Decimal | None = None
    milestones: tuple[Threshold, ...] = ()  # points and credits only, thresholds increasing
    effective: str = "on-award"  # money only: one of PAY_EFFECTIVE

    def effective_on(self, issued: dt.date, year_start_month: int) -> dt.date:
        """The day a pay change for an award issued on `issued` takes effect. 'next-month' and
        'next-school-year' mean the *following* one: an award of 1 March takes effect on 1 April,
        one of 1 July (a school year's first day) on 1 July of the year after."""
        if self.effective == "next-month":
            return dt.date(issued.year + issued.month // 12, issued.month % 12 + 1, 1)
        if self.effective == "next-school-year":
            start = school_year_start(issued, year_start_month)
            return start.replace(year=start.year + 1)
        return issued

    def amount_for(self, credential: Credential) -> Decimal | None:
        """What the credential earns in this scheme, rounded to 2 places (cents for money);
        None when nothing (a level the scheme does not price). A milestone earns only what
        its spec's overrides say."""
        amount = credential.override(self.id)
        if amount is None and not credential.is_milestone:
            if self.by_level:
                amount = dict(self.by_level).get(credential.level)
            elif self.per_hour is not None:
                amount = self.per_hour * Decimal(str(credential.estimated_hours))
            else:
                amount = self.fixed
        return None if amount is None else amount.quantize(_CENT, rounding=ROUND_HALF_UP)

    def figure(self, amount: Decimal) -> str:
        """An amount as written for people: '1.5', '1,250', money always in cents '600.00'."""
        text = f"{amount.quantize(_CENT, rounding=ROUND_HALF_UP):,}"
        if self.kind != "money" and "." in text:
            text = text.rstrip("0").rstrip(".")
        return text

    def describe(self, amount: Decimal) -> str:
        """'1.5 CEU', '50 points', '600.00 USD'."""
        return f"{self.figure(amount)} {self.unit}"


SCHOOL_YEAR_STARTS = 7  # the month a school year starts in, unless the settings say (school_year_starts)


def school_year_label(start: dt.date) -> str:
    """'2025–26' for the year that starts on `start`; '2025' for a year starting in January.
    The one way the planner, the insights and HR's report name a school year."""
    return f"{start.year}–{(start.year + 1) % 100:02d}" if start.month > 1 else str(start.year)


def school_year_start(day: dt.date, start_month: int) -> dt.date:
    """The first day of the school year `day` is in, school years starting on the 1st of
    `start_month` (7: 1 July, so 2026-06-30 is in the year that began on 2025-07-01)."""
    return dt.date(day.year if day.month >= start_month else day.year - 1, start_month, 1)


@dataclass(frozen=True)
class Stack:
    id: str
    title: str
    description: str
    color: str
    credentials: tuple[str, ...]  # in the order they are meant to be earned
    source: Path
    completion: Completion | None = None  # the milestone earned by completing the stack


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


MILESTONE_FAMILY = "Milestone"  # what a milestone's badge says where a credential's names its stack
MILESTONE_COLOR = "#7a5a00"  # a dark gold: white text on it passes WCAG AA


@dataclass(frozen=True)
class District:
    """Everything the loader read, valid and cross-checked."""

    topics: dict[str, Topic]
    stacks: dict[str, Stack]
    credentials: dict[str, Credential]  # every credential, drafts included
    schools: dict[str, School]
    earners: tuple[Earner, ...]
    schemes: dict[str, Scheme] = field(default_factory=dict)  # in the order of _recognition.yml
    milestone_rules: dict[str, MilestoneRule] = field(default_factory=dict)  # milestone id -> its rule

    @functools.cached_property  # asked per award: 50,000 times at district size
    def amounts(self) -> dict[str, tuple[tuple[Scheme, Decimal], ...]]:
        """What each credential earns, scheme by scheme (in scheme order); zero amounts left out."""
        table: dict[str, tuple[tuple[Scheme, Decimal], ...]] = {}
        for credential in self.credentials.values():
            earned = ((scheme, scheme.amount_for(credential)) for scheme in self.schemes.values())
            table[credential.id] = tuple((scheme, amount) for scheme, amount in earned if amount)
        return table

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

    def family(self, credential: Credential) -> tuple[str, str]:
        """The name and colour a credential's badge and card show: its stack's; for a milestone
        (in no stack) "Milestone", in the colour of the stack it completes, if it completes one."""
        if credential.stack in self.stacks:
            stack = self.stacks[credential.stack]
            return stack.title, stack.color
        rule = self.milestone_rules.get(credential.id)
        color = self.stacks[rule.stack].color if isinstance(rule, Completion) and rule.stack in self.stacks else ""
        return MILESTONE_FAMILY, color or MILESTONE_COLOR

    def stack_credentials(self, stack_id: str) -> list[Credential]:
        return list(self._stack_members[stack_id])

    @functools.cached_property  # asked for per earner and stack: 120,000 times at district size
    def _stack_members(self) -> dict[str, tuple[Credential, ...]]:
        return {
            # A credential that failed to load is not there: check reports it, and goes on.
            sid: tuple(
                self.credentials[c]
                for c in stack.credentials
                if c in self.credentials and self.credentials[c].published
            )
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
