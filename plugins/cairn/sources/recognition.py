"""Reading what credentials count for: catalog/_recognition.yml, a spec's `recognition:`
overrides, a stack's `completion:`, and the milestones they lead to.

    # catalog/_recognition.yml: a list of schemes
    - id: pay
      label: Base-pay increase
      kind: money            # money | credits | points
      unit: USD
      by_level: {foundational: 200, proficient: 400, advanced: 600}   # or per_hour: 0.1, or fixed: 50
      show: catalog          # catalog | profiles | private; money is never per person in public
      effective: next-month  # money only: on-award (default) | next-month | next-school-year
    - id: points
      label: District degree points
      kind: points
      unit: points
      per_hour: 5
      show: profiles
      milestones:            # points and credits only; thresholds increasing
        - {credential: associate, at: 150}
        - {credential: bachelor, at: 300}

Amounts are Decimal, never float: 0.1 CEU an hour for 15 hours is 1.5 exactly.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from cairn.model import (
    LEVELS,
    PAY_EFFECTIVE,
    SCHEME_KINDS,
    SCHEME_SHOWS,
    Completion,
    Credential,
    District,
    MilestoneRule,
    Scheme,
    Stack,
    Threshold,
)
from cairn.recognition import milestones_met, progress
from cairn.sources.fields import Fields, _kind, _show
from cairn.sources.problems import Problems
from cairn.sources.source import parse_yaml, read_text

RECOGNITION_FILE = "_recognition.yml"
MILESTONES_FOLDER = "_milestones"  # catalog/_milestones/<id>.md: the milestone credentials
SCHEME_FIELDS = ("id", "label", "kind", "unit", "by_level", "per_hour", "fixed", "show", "effective", "milestones")
EARNS = ("by_level", "per_hour", "fixed")
MAX_AMOUNT = Decimal(1_000_000_000)
_EARNS_HINT = (
    "add one of: 'by_level: {foundational: 200, proficient: 400, advanced: 600}',"
    " 'per_hour: 0.1' (times the credential's estimated_hours) or 'fixed: 50'"
)


@dataclass
class ReadSchemes:
    """The schemes of catalog/_recognition.yml, and what the cross-checks need to point at them."""

    path: Path
    schemes: dict[str, Scheme] = field(default_factory=dict)
    present: bool = False  # the file exists
    readable: bool = True  # False: it could not be parsed (reported); overrides are not judged
    failed: set[str] = field(default_factory=set)  # ids of schemes with problems (reported there)
    fields: dict[str, Fields] = field(default_factory=dict)  # scheme id -> its entry, for lines
    # scheme id -> the entry of each of its thresholds, in order (Scheme.milestones), for lines
    threshold_fields: dict[str, list[Fields]] = field(default_factory=dict)


def read_amount(fields: Fields, key: tuple[Any, ...], value: Any, what: str) -> Decimal | None:
    """A non-negative number as a Decimal (YAML's 0.1 read as the text '0.1', never as a float)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        fields.fail(key, f"{what} {_show(value)} is not a number", "write a plain number, e.g. 2.5")
        return None
    amount = Decimal(str(value))
    if not amount.is_finite() or amount > MAX_AMOUNT:
        fields.fail(key, f"{what} {_show(value)} is not a usable amount", "write a plain number, e.g. 2.5")
        return None
    if amount < 0:
        fields.fail(key, f"{what} {_show(value)} is negative", "amounts are 0 or more (0: it counts for nothing)")
        return None
    return amount


def read_schemes(catalog: Path, problems: Problems) -> ReadSchemes:
    """catalog/_recognition.yml, validated on its own (credentials are checked in link_milestones).
    No file: no schemes."""
    path = catalog / RECOGNITION_FILE
    read = ReadSchemes(path)
    if not path.is_file():
        return read
    read.present = True
    text = read_text(path, problems, within=catalog)
    parsed = parse_yaml(text, path, problems) if text is not None else None
    if parsed is None:
        read.readable = False
        return read
    data, lines = parsed
    if data is None:
        return read  # only comments: no schemes yet
    if not isinstance(data, list):
        problems.add(
            path,
            lines.of(),
            f"expected a list of schemes, found {_kind(data)}",
            "start each scheme with '- id: ...' (see the README's Recognition section)",
        )
        read.readable = False
        return read
    first_line: dict[str, int] = {}
    for index, item in enumerate(data):
        fields = Fields(item, lines, path, problems, at=(index,))
        scheme, threshold_fields = _read_scheme(fields)
        scheme_id = fields.data.get("id")
        if not isinstance(scheme_id, str):
            continue
        if scheme_id in first_line:
            fields.fail(
                ("id",), f"scheme '{scheme_id}' is declared twice (first on line {first_line[scheme_id]})", "keep one"
            )
            continue
        first_line[scheme_id] = fields.line("id")
        read.fields[scheme_id] = fields
        read.threshold_fields[scheme_id] = threshold_fields
        if scheme is None or not fields.ok:
            read.failed.add(scheme_id)
        else:
            read.schemes[scheme_id] = scheme
    return read


def _read_scheme(fields: Fields) -> tuple[Scheme | None, list[Fields]]:
    """The scheme (None when it has problems), and the entry each of its thresholds came from."""
    fields.only(SCHEME_FIELDS)
    scheme_id = fields.identifier("id")
    label = fields.text("label", max_length=80)
    kind = fields.choice("kind", SCHEME_KINDS)
    unit = fields.text("unit", max_length=20)
    show = fields.choice("show", SCHEME_SHOWS)
    if fields.data.get("kind") == "money" and show == "profiles":
        fields.fail(
            ("show",),
            "a money scheme cannot show 'profiles': what a person is paid is never published",
            "write 'show: catalog' (the amount on each credential's page) or 'show: private' (HR's report only)",
        )
    effective = fields.choice("effective", PAY_EFFECTIVE, default=PAY_EFFECTIVE[0])
    if "effective" in fields.data and fields.data.get("kind") in SCHEME_KINDS and kind != "money":
        fields.fail(
            ("effective",),
            f"a {kind} scheme has no effective date: 'effective' says when a pay change takes effect",
            "remove 'effective', or make the scheme 'kind: money'",
        )
    earns = [key for key in EARNS if key in fields.data]
    if not earns:
        fields.fail((), f"scheme '{scheme_id}' does not say what a credential earns", _EARNS_HINT)
    for other in earns[1:]:
        fields.fail(
            (other,),
            f"'{earns[0]}' and '{other}' are both given",
            "a scheme earns one way: keep one; a credential's own amount goes in its spec:"
            f" 'recognition: {{{scheme_id}: 2}}'",
        )
    by_level: list[tuple[str, Decimal]] = []
    if "by_level" in fields.data:
        value = fields.data["by_level"]
        if not isinstance(value, dict) or not value:
            fields.fail(
                ("by_level",),
                f"'by_level' should be a mapping of levels to amounts, found {_kind(value)}",
                "write e.g. 'by_level: {foundational: 200, proficient: 400, advanced: 600}'",
            )
        else:
            for level, amount in value.items():
                if level not in LEVELS:
                    close = difflib.get_close_matches(str(level), LEVELS, n=1)
                    fields.fail(
                        ("by_level", level),
                        f"'{level}' is not a level",
                        f"did you mean '{close[0]}'?" if close else "the levels are " + ", ".join(LEVELS),
                    )
                    continue
                read = read_amount(fields, ("by_level", level), amount, f"the amount for '{level}'")
                if read is not None:
                    by_level.append((level, read))
    per_hour = fixed = None
    if "per_hour" in fields.data:
        per_hour = read_amount(fields, ("per_hour",), fields.data["per_hour"], "'per_hour'")
    if "fixed" in fields.data:
        fixed = read_amount(fields, ("fixed",), fields.data["fixed"], "'fixed'")
    thresholds: list[Threshold] = []
    threshold_fields: list[Fields] = []
    entries = fields.mappings("milestones")
    if entries and kind == "money":
        fields.fail(
            ("milestones",),
            "a money scheme has no milestones",
            "milestones count points or credits: move them to such a scheme",
        )
        entries = []
    previous: Decimal | None = None
    for item, at in entries:
        sub = fields.sub(item, at)
        sub.only(("credential", "at"))
        credential = sub.identifier("credential")
        if "at" not in sub.data:
            sub.fail((), "'at' is missing", f"add 'at: ' and the {unit or 'amount'} the milestone is reached at")
            continue
        threshold = read_amount(sub, ("at",), sub.data["at"], "'at'")
        if threshold is not None and threshold == 0:
            sub.fail(("at",), "'at' is 0: the milestone would be met by everyone", "write the threshold, above 0")
        elif threshold is not None and previous is not None and threshold <= previous:
            sub.fail(
                ("at",),
                f"'at' {sub.data['at']} is not above the milestone before it ({previous})",
                "list milestones from the lowest threshold up, each higher than the last",
            )
        elif credential is not None and threshold is not None and scheme_id is not None:
            thresholds.append(Threshold(credential, scheme_id, threshold))
            threshold_fields.append(sub)
            previous = threshold
    if not fields.ok or scheme_id is None:
        return None, threshold_fields
    scheme = Scheme(
        id=scheme_id,
        label=label,
        kind=kind,
        unit=unit,
        show=show,
        by_level=tuple(by_level),
        per_hour=per_hour,
        fixed=fixed,
        milestones=tuple(thresholds),
        effective=effective,
    )
    return scheme, threshold_fields


def read_overrides(fields: Fields, read: ReadSchemes) -> tuple[tuple[str, Decimal], ...]:
    """A spec's `recognition: {scheme id: amount, ...}`: its own amounts, replacing the scheme's."""
    value = fields.data.get("recognition")
    if value is None:
        return ()
    if not isinstance(value, dict):
        fields.fail(
            ("recognition",),
            f"'recognition' should be a mapping of scheme ids to amounts, found {_kind(value)}",
            "write e.g. 'recognition: {ceu: 2.5, pay: 0}'",
        )
        return ()
    result = []
    for scheme_id, amount in value.items():
        if scheme_id not in read.schemes:
            if not read.readable or scheme_id in read.failed:
                continue  # its scheme has problems, reported in _recognition.yml
            if not read.present:
                fields.fail(
                    ("recognition", scheme_id),
                    f"unknown scheme '{scheme_id}': there is no catalog/{RECOGNITION_FILE}",
                    f"declare the scheme in catalog/{RECOGNITION_FILE} first (see the README's Recognition section)",
                )
                continue
            close = difflib.get_close_matches(str(scheme_id), list(read.schemes), n=1)
            fields.fail(
                ("recognition", scheme_id),
                f"unknown scheme '{scheme_id}'",
                f"did you mean '{close[0]}'?"
                if close
                else f"the schemes in catalog/{RECOGNITION_FILE} are: " + (", ".join(read.schemes) or "none"),
            )
            continue
        parsed = read_amount(fields, ("recognition", scheme_id), amount, f"the amount for '{scheme_id}'")
        if parsed is not None:
            result.append((scheme_id, parsed))
    return tuple(result)


def read_completion(fields: Fields, stack_id: str) -> Completion | None:
    """A stack's `completion: {credential: <milestone id>, of: all | N}` (`of` defaults to all)."""
    value = fields.data.get("completion")
    if value is None:
        return None
    sub = fields.sub(value, ("completion",))
    sub.only(("credential", "of"))
    credential = sub.identifier("credential")
    of = sub.data.get("of", "all")
    count: int | None = None
    if of != "all":
        if isinstance(of, bool) or not isinstance(of, int) or of < 1:
            sub.fail(
                ("of",),
                f"'of' {_show(of)} should be 'all' or a whole number of credentials",
                "write 'of: all' or, e.g., 'of: 3'",
            )
            return None
        count = of
    if credential is None or not sub.ok:
        return None
    return Completion(credential, stack_id, count)


def link_milestones(
    read: ReadSchemes,
    stacks: list[tuple[Stack, Fields]],
    credentials: dict[str, Credential],
    problems: Problems,
    failed: frozenset[str] = frozenset(),
) -> dict[str, MilestoneRule]:
    """Each milestone credential's rule, checked against the catalog: the credential of a
    threshold or a completion is a milestone, has one rule only, and every milestone not a draft
    has one; a stack's `of` is not more than its credentials; a scheme priced by level prices
    the level of every credential that has no override. `failed`: ids of specs with problems."""
    rules: dict[str, MilestoneRule] = {}
    where: dict[str, str] = {}  # milestone id -> where its rule is, for a message

    def claim(rule: MilestoneRule, fields: Fields, key: tuple[Any, ...], place: str) -> None:
        credential = credentials.get(rule.credential)
        if credential is None:
            if rule.credential in failed:
                return  # its spec has problems, reported there
            milestones = [c.id for c in credentials.values() if c.is_milestone]
            close = difflib.get_close_matches(rule.credential, milestones, n=1)
            fields.fail(
                key,
                f"unknown milestone credential '{rule.credential}'",
                f"did you mean '{close[0]}'?"
                if close
                else f"write its spec as catalog/{MILESTONES_FOLDER}/{rule.credential}.md",
            )
        elif not credential.is_milestone:
            fields.fail(
                key,
                f"'{rule.credential}' is a micro-credential, not a milestone",
                f"name a credential of catalog/{MILESTONES_FOLDER}/ here (a milestone is earned by this rule)",
            )
        elif rule.credential in rules:
            fields.fail(
                key,
                f"the milestone '{rule.credential}' already has a rule ({where[rule.credential]})",
                "a milestone is earned one way: give each rule its own milestone credential",
            )
        else:
            rules[rule.credential] = rule
            where[rule.credential] = f"{place}, line {fields.line(*key)}"

    for scheme in read.schemes.values():
        for threshold, entry in zip(scheme.milestones, read.threshold_fields[scheme.id], strict=True):
            claim(threshold, entry, ("credential",), f"scheme '{scheme.id}' in {RECOGNITION_FILE}")
    for stack, fields in stacks:
        rule = stack.completion
        if rule is None:
            continue
        before = len(problems.errors)
        claim(rule, fields, ("completion", "credential"), f"stack '{stack.id}'")
        # A listed credential that failed to load counts (its own error says why): one cause, one message.
        members = [c for c in stack.credentials if c not in credentials or credentials[c].published]
        if len(problems.errors) == before and rule.of is not None and rule.of > len(members):
            fields.fail(
                ("completion", "of"),
                f"'of' {rule.of} is more than the stack's {len(members)} credentials",
                "write a number up to that, or 'of: all'",
            )
    # Named by a rule with a problem of its own (reported): not "without a rule" as well.
    named = {
        entry.get("credential")
        for fields in read.fields.values()
        for entry in _listed(fields.data.get("milestones"))
        if isinstance(entry, dict)
    }
    named |= {
        entry.get("credential")
        for _, fields in stacks
        for entry in _listed(fields.data.get("completion"))
        if isinstance(entry, dict)
    }
    for credential in credentials.values():
        if (
            credential.is_milestone
            and credential.published
            and credential.id not in rules
            and credential.id not in named
        ):
            problems.warn(
                credential.source,
                1,
                f"the milestone '{credential.id}' has no rule, so it can never be earned",
                f"name it in a scheme's 'milestones:' in catalog/{RECOGNITION_FILE} or in a stack's"
                " 'completion:' in its _stack.yml, or set 'status: draft'",
            )
    _check_levels_priced(read, credentials, problems)
    return rules


def _listed(value: Any) -> list[Any]:
    """A YAML value that may be one mapping or a list of them, as a list."""
    return value if isinstance(value, list) else [value]


def _check_levels_priced(read: ReadSchemes, credentials: dict[str, Credential], problems: Problems) -> None:
    """One problem per scheme and level it does not price (not one per credential)."""
    for scheme in read.schemes.values():
        if not scheme.by_level:
            continue
        priced = {level for level, _ in scheme.by_level}
        unpriced: dict[str, list[str]] = {}
        for credential in credentials.values():
            if credential.is_milestone or not credential.published or credential.override(scheme.id) is not None:
                continue
            if credential.level not in priced:
                unpriced.setdefault(credential.level, []).append(credential.id)
        fields = read.fields[scheme.id]
        for level, ids in unpriced.items():
            shown = ", ".join(sorted(ids)[:3]) + (f" and {len(ids) - 3} more" if len(ids) > 3 else "")
            fields.fail(
                ("by_level",),
                f"scheme '{scheme.id}' prices no '{level}' level, the level of {shown}",
                f"add '{level}: <amount>' to its by_level (0 if it earns nothing), or give each credential"
                f" its own amount: 'recognition: {{{scheme.id}: ...}}'",
            )


def check_milestone_awards(district: District, problems: Problems) -> None:
    """A milestone award (not revoked) whose rule is not met on the day it was issued is an
    error. A milestone met but not recorded is not: `python build.py ids` writes it."""
    for earner in district.earners:
        for award in earner.awards:
            if award.revoked is not None or award.credential not in district.milestone_rules:
                continue
            step = progress(district, earner, award.credential, award.issued)
            if step.met:
                continue
            met = next((m.met for m in milestones_met(district, earner) if m.credential == award.credential), None)
            if met is not None:
                hint = (
                    f"its rule was met on {met}: if it was never published, write 'issued: {met}'; if it was,"
                    f" revoke it and add the milestone again with 'issued: {met}' (python build.py ids gives it an id)"
                )
            else:
                hint = (
                    "if it was never published, delete it (python build.py ids writes it once the rule is met);"
                    " else revoke it"
                )
            problems.add(
                award.source,
                award.line,
                f"the milestone '{award.credential}' is awarded on {award.issued}, but its rule is not met"
                f" that day: {step.shortfall()}",
                hint,
            )
