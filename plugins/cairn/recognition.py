"""What credentials count for, and what an earner has: amounts, totals, milestones.

Pure functions over the model (no I/O). Each credential's amounts are worked out once per
district (District.amounts, from Scheme.amount_for); everything here walks one earner's
awards, so a district's 5,000 earners and 50,000 awards take a fraction of a second.

The rules, in one place:

- **Which awards count.** An award counts from the day it was issued. A revoked award never
  counts, on any day: revocation undoes the award. A credential counts once per earner, by
  its earliest award not revoked (a renewal earns nothing again).
- **Expiry.** An expired award still counts for pay, credits and points: they were earned
  when it was issued. A stack's completion wants its credentials *current* on the day
  (issued on or before it, not expired, not revoked).
- **Milestones.** A scheme's milestone is met on the issued date of the award that brings the
  earner's total in that scheme to its threshold; a stack's completion on the first day that
  N of its credentials (or every active one, for `of: all`) are current, which is always the
  issued date of an award. Only micro-credentials count toward a milestone: a milestone award
  earns what its own spec's overrides say in the totals, but never toward another milestone
  (so no milestone depends on another, and the order they are recorded in changes nothing).
- **Who sees what** (`shown`): the catalog shows schemes with `show: catalog` or `profiles`;
  a public profile only `profiles` schemes, and never money; private reports everything.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from cairn.model import Award, Completion, Credential, District, Earner, MilestoneRule, Scheme, Threshold, expiry

# Where amounts are shown: the public catalog and credential pages, an earner's public
# profile, or the private reports (HR's, the committee's).
Place = Literal["catalog", "profile", "private"]


def shown(scheme: Scheme, place: Place) -> bool:
    """Whether a scheme's amounts may be shown at `place`. Money per person is never public,
    whatever the file says (the loader refuses `show: profiles` on money too)."""
    if place == "private":
        return True
    if place == "catalog":
        return scheme.show in ("catalog", "profiles")
    return scheme.show == "profiles" and scheme.kind != "money"


def schemes_shown(district: District, place: Place) -> list[Scheme]:
    """The district's schemes that may be shown at `place`, in the order of _recognition.yml."""
    return [s for s in district.schemes.values() if shown(s, place)]


def rule_sentence(district: District, credential_id: str) -> str | None:
    """How a milestone is earned, in plain words, as every public place says it (its page, its
    badge files); None for a micro-credential or a milestone without a rule. The threshold of a
    scheme the catalog does not show stays private: "a total of points the district sets"."""
    rule = district.milestone_rules.get(credential_id)
    if isinstance(rule, Completion):
        stack = district.stacks[rule.stack].title
        held = "every active credential" if rule.of is None else f"any {rule.of} credentials"
        return f"Earned by holding {held} of the {stack} stack, current on the same day."
    if isinstance(rule, Threshold):
        scheme = district.schemes[rule.scheme]
        if not shown(scheme, "catalog"):
            return f"Earned by reaching a total of {scheme.unit} the district sets."
        return f"Earned by reaching {scheme.figure(rule.at)} {scheme.label}."
    return None


@dataclass(frozen=True)
class Amount:
    """What one credential (or one earner, in all) has in one scheme."""

    scheme: Scheme
    amount: Decimal

    def __str__(self) -> str:
        return self.scheme.describe(self.amount)  # "1.5 CEU"


def counts_for(district: District, credential: Credential | str, place: Place = "private") -> list[Amount]:
    """What a credential earns, scheme by scheme (schemes in file order; zero amounts left out),
    limited to the schemes that may be shown at `place`."""
    credential_id = credential if isinstance(credential, str) else credential.id
    return [Amount(s, a) for s, a in district.amounts.get(credential_id, ()) if shown(s, place)]


@dataclass(frozen=True)
class Earned:
    """One credential an earner counts: the award it counts by and what it earned."""

    award: Award
    amounts: tuple[Amount, ...]

    @property
    def credential(self) -> str:
        return self.award.credential

    @property
    def issued(self) -> dt.date:
        return self.award.issued


def counted_awards(earner: Earner, on: dt.date | None = None) -> list[Award]:
    """Each credential's earliest award not revoked, issued on or before `on` (None: any day),
    in the order they were issued."""
    first: dict[str, Award] = {}
    for award in earner.awards:
        if award.revoked is not None or (on is not None and award.issued > on):
            continue
        held = first.get(award.credential)
        if held is None or award.issued < held.issued:
            first[award.credential] = award
    return sorted(first.values(), key=lambda a: (a.issued, a.credential))


def earned(district: District, earner: Earner, on: dt.date | None = None, place: Place = "private") -> list[Earned]:
    """The credentials an earner counts, each once, in the order issued, with what each earned in
    the schemes shown at `place` (HR's report groups these by school year)."""
    result = []
    for award in counted_awards(earner, on):
        amounts = tuple(Amount(s, a) for s, a in district.amounts.get(award.credential, ()) if shown(s, place))
        result.append(Earned(award, amounts))
    return result


def totals(district: District, earner: Earner, on: dt.date | None = None, place: Place = "private") -> list[Amount]:
    """The earner's total in every scheme shown at `place` (in file order, zero totals included),
    from the awards issued on or before `on` (None: all)."""
    sums = {s.id: Decimal(0) for s in schemes_shown(district, place)}
    for award in counted_awards(earner, on):
        for scheme, amount in district.amounts.get(award.credential, ()):
            if scheme.id in sums:
                sums[scheme.id] += amount
    return [Amount(district.schemes[sid], total) for sid, total in sums.items()]


@dataclass(frozen=True)
class MilestoneMet:
    credential: str  # the milestone credential's id
    met: dt.date  # the day its rule was first met: the issued date of its award
    rule: MilestoneRule


def milestones_met(district: District, earner: Earner, on: dt.date | None = None) -> list[MilestoneMet]:
    """Every milestone whose rule the earner met on or before `on` (None: any day), with the day
    it was first met, by date. Whether the milestone is already recorded is not asked: see
    milestones_due."""
    counted = [a for a in counted_awards(earner, on) if not _is_milestone(district, a.credential)]
    result = []
    for milestone_id, rule in district.milestone_rules.items():
        if isinstance(rule, Threshold):
            met = _threshold_met(district, rule, counted)
        else:
            met = _completion_met(district, rule, earner, on)
        if met is not None:
            result.append(MilestoneMet(milestone_id, met, rule))
    return sorted(result, key=lambda m: (m.met, m.credential))


def milestones_due(district: District, earner: Earner, on: dt.date | None = None) -> list[MilestoneMet]:
    """The milestones `python build.py ids` writes into the earner's file: met, active, and not
    recorded yet (an award of it, even a revoked one, is the committee's decision: left alone)."""
    recorded = {a.credential for a in earner.awards}
    return [
        m
        for m in milestones_met(district, earner, on)
        if m.credential not in recorded and district.credentials[m.credential].status == "active"
    ]


@dataclass(frozen=True)
class Progress:
    """How far an earner is toward one milestone on one day."""

    milestone: Credential
    rule: MilestoneRule
    on: dt.date
    have: Decimal
    need: Decimal
    unit: str  # "points", "CEU", "credentials"
    scheme: Scheme | None = None  # a threshold's scheme
    missing: tuple[str, ...] = ()  # a completion's credentials not current on the day, in stack order

    @property
    def met(self) -> bool:
        return self.have >= self.need

    def _figure(self, amount: Decimal) -> str:
        return self.scheme.figure(amount) if self.scheme else f"{amount:,}"

    def __str__(self) -> str:
        """'140 of 300 points toward Bachelor'."""
        return f"{self._figure(self.have)} of {self._figure(self.need)} {self.unit} toward {self.milestone.title}"

    def shortfall(self) -> str:
        """What the earner has on the day, for a message: 'has 90 of 150 points on 2025-03-01'."""
        if isinstance(self.rule, Threshold):
            return f"has {self._figure(self.have)} of {self._figure(self.need)} {self.unit} on {self.on}"
        text = (
            f"holds {self._figure(self.have)} of {self._figure(self.need)} current credentials"
            f" of the stack '{self.rule.stack}' on {self.on}"
        )
        if self.missing and self.rule.of is None:
            text += " (not current: " + ", ".join(self.missing) + ")"
        return text


def progress(district: District, earner: Earner, milestone_id: str, on: dt.date) -> Progress:
    """The earner's progress toward one milestone on the day `on` (its rule must exist)."""
    rule = district.milestone_rules[milestone_id]
    milestone = district.credentials[milestone_id]
    if isinstance(rule, Threshold):
        scheme = district.schemes[rule.scheme]
        have = Decimal(0)
        for award in counted_awards(earner, on):
            if not _is_milestone(district, award.credential):
                have += _amount(district, award.credential, scheme.id)
        return Progress(milestone, rule, on, have, rule.at, scheme.unit, scheme)
    current = _current_on(district, earner, rule.stack, on)
    members = district.stack_credentials(rule.stack)
    if rule.of is None:
        required = [c.id for c in members if c.status == "active"]
        held = sum(1 for cid in required if cid in current)
        missing = tuple(cid for cid in required if cid not in current)
        return Progress(milestone, rule, on, Decimal(held), Decimal(len(required)), "credentials", None, missing)
    missing = tuple(c.id for c in members if c.id not in current)
    return Progress(milestone, rule, on, Decimal(len(current)), Decimal(rule.of), "credentials", None, missing)


def next_milestones(district: District, earner: Earner, on: dt.date, place: Place = "private") -> list[Progress]:
    """What the earner is working toward on `on`: for each scheme shown at `place`, its lowest
    threshold not yet met ("140 of 300 points toward Bachelor"); for each stack with a
    completion credential, its progress if the earner holds a current credential of the stack
    and has neither met the rule nor been awarded the milestone. Draft milestones are left out."""
    recorded = {a.credential for a in earner.awards if a.revoked is None}
    result = []
    for scheme in schemes_shown(district, place):
        for threshold in scheme.milestones:
            if district.credentials[threshold.credential].status == "draft":
                continue
            step = progress(district, earner, threshold.credential, on)
            if not step.met and threshold.credential not in recorded:
                result.append(step)
                break
    for stack in district.stacks.values():
        rule = stack.completion
        if rule is None or rule.credential in recorded or district.credentials[rule.credential].status == "draft":
            continue
        step = progress(district, earner, rule.credential, on)
        if step.have and not step.met:
            result.append(step)
    return result


def _is_milestone(district: District, credential_id: str) -> bool:
    credential = district.credentials.get(credential_id)
    return credential is not None and credential.is_milestone


def _amount(district: District, credential_id: str, scheme_id: str) -> Decimal:
    return next((a for s, a in district.amounts.get(credential_id, ()) if s.id == scheme_id), Decimal(0))


def _threshold_met(district: District, rule: Threshold, counted: list[Award]) -> dt.date | None:
    total = Decimal(0)
    for award in counted:
        total += _amount(district, award.credential, rule.scheme)
        if total >= rule.at:
            return award.issued
    return None


def _current_on(district: District, earner: Earner, stack_id: str, day: dt.date) -> set[str]:
    """The ids of the stack's credentials (not drafts) the earner holds current on the day."""
    members = {c.id: c for c in district.stack_credentials(stack_id)}
    current = set()
    for award in earner.awards:
        credential = members.get(award.credential)
        if credential is None or award.revoked is not None or award.issued > day:
            continue
        lapses = expiry(award, credential)
        if lapses is None or day < lapses:
            current.add(award.credential)
    return current


def _completion_met(district: District, rule: Completion, earner: Earner, on: dt.date | None) -> dt.date | None:
    """The first day the stack's rule holds: a day an award of the stack was issued (the count of
    current credentials only rises on those days)."""
    members = {c.id for c in district.stack_credentials(rule.stack)}
    days = sorted(
        {
            a.issued
            for a in earner.awards
            if a.credential in members and a.revoked is None and (on is None or a.issued <= on)
        }
    )
    for day in days:
        if progress(district, earner, rule.credential, day).met:
            return day
    return None
