"""Role groups: which kind of job an earner's free-text `role` describes, for equity figures.

Earner files say what people do in their own words ("Grade 3 teacher", "Special education
teacher, K–2 inclusion", "District instructional coach"). The equity figures compare groups
of roles, so each role is put in one group by phrases found in it:

- the role and each phrase are compared as words, ignoring case, accents and punctuation
  ("K–12 STEM coordinator" holds the phrase "stem coordinator" and the word "coordinator",
  but "teacher" is not found in "teachers": write both if both occur);
- the groups are tried in order and the first with a phrase found in the role wins, which is
  why special education comes before classroom ("Special education teacher" also holds
  "teacher");
- a role in which no phrase is found, or an empty role, is in the group "other".

A district whose words differ replaces the default with `earners/_roles.yml`, beside
`_schools.yml` (the loader skips files whose names start with "_"):

    # Role groups for the equity figures: the first group with a phrase found in a
    # person's role wins, in the order written here; roles matching none are "other".
    special-education: [special education, resource room, inclusion, sped]
    administrator: [principal, dean, director]
    coach: [coach, coordinator, learning specialist]
    classroom: [teacher, kindergarten]
    support: [counselor, librarian, library media]

The file replaces the default whole (a district states its mapping in one place); a group id
is a lower-case id, and one not among the default four is shown by its id ("Support").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from cairn.sources.fields import ID_HINT, is_id
from cairn.sources.problems import Problems
from cairn.sources.source import parse_yaml, read_text

ROLES_FILE = "_roles.yml"
OTHER = "other"

LABELS = {
    "classroom": "Classroom teachers",
    "special-education": "Special education",
    "coach": "Coaches and specialists",
    "administrator": "Administrators",
    OTHER: "Other roles",
}

# The default mapping, in the order tried. Coaches include the district's instructional
# specialists and coordinators (they support teachers and do not supervise them); counselors
# and librarians match none and are "other".
DEFAULT_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "special-education",
        (
            "special education",
            "special ed",
            "sped",
            "exceptional",
            "inclusion",
            "resource room",
            "intervention specialist",
            "learning support",
        ),
    ),
    (
        "administrator",
        (
            "principal",
            "assistant principal",
            "vice principal",
            "dean",
            "superintendent",
            "director",
            "administrator",
            "head of school",
        ),
    ),
    (
        "coach",
        (
            "coach",
            "instructional specialist",
            "learning specialist",
            "coordinator",
            "teacher leader",
            "mentor teacher",
        ),
    ),
    ("classroom", ("teacher", "teachers", "kindergarten", "grade", "instructor", "educator")),
)


def words(text: str) -> str:
    """'K–12 STEM Coordinator' -> ' k 12 stem coordinator ': lower case, accents dropped,
    anything not a letter or digit a single space, padded so phrases match as whole words."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return " " + " ".join(re.split(r"[^a-z0-9]+", folded)).strip() + " "


@dataclass(frozen=True)
class RoleGroup:
    id: str
    label: str
    phrases: tuple[str, ...]


@dataclass(frozen=True)
class RoleGroups:
    """The mapping in force: the default, or the district's `earners/_roles.yml`."""

    groups: tuple[RoleGroup, ...]
    source: Path | None = None  # the district's file, None for the default
    _cache: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def group_of(self, role: str) -> str:
        """The id of the group a role is in ("other" when no phrase is found)."""
        found = self._cache.get(role)
        if found is None:
            text = words(role)
            found = next(
                (g.id for g in self.groups if any(f" {p.strip()} " in text for p in map(words, g.phrases))), OTHER
            )
            self._cache[role] = found
        return found

    @property
    def ids(self) -> tuple[str, ...]:
        """Every group in order, "other" last."""
        return (*(g.id for g in self.groups), OTHER)

    def label(self, group_id: str) -> str:
        group = next((g for g in self.groups if g.id == group_id), None)
        if group is not None:
            return group.label
        return LABELS.get(group_id, group_id.replace("-", " ").capitalize())


def default_role_groups() -> RoleGroups:
    return RoleGroups(tuple(RoleGroup(gid, LABELS[gid], phrases) for gid, phrases in DEFAULT_GROUPS))


def read_role_groups(earners_dir: Path, problems: Problems) -> RoleGroups:
    """The district's `earners/_roles.yml`, or the default when there is none. Every mistake
    in the file is recorded in `problems` with its line; with errors the default is returned
    (the caller stops on problems.raise_if_errors before any figure is shown)."""
    path = earners_dir / ROLES_FILE
    if not path.is_file():
        return default_role_groups()
    text = read_text(path, problems, within=earners_dir)
    if text is None:
        return default_role_groups()
    parsed = parse_yaml(text, path, problems)
    if parsed is None:
        return default_role_groups()
    data, lines = parsed
    hint = "write one group per line: 'coach: [coach, coordinator]'"
    if not isinstance(data, dict) or not data:
        problems.add(path, lines.of(), "expected a mapping of role groups to lists of phrases", hint)
        return default_role_groups()
    groups: list[RoleGroup] = []
    seen: dict[str, tuple[str, int]] = {}  # phrase as words -> (group, line)
    failed = False
    for group_id, value in data.items():
        line = lines.of(group_id)
        if group_id == OTHER:
            problems.add(
                path,
                line,
                f"'{OTHER}' is the group of roles that match no phrase, so it takes no phrases",
                "remove it, or give the group another id",
            )
            failed = True
            continue
        if not is_id(group_id):
            problems.add(path, line, f"group '{group_id[:60]}' is not a valid id", ID_HINT)
            failed = True
            continue
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value:
            problems.add(path, line, f"group '{group_id}' should have a list of phrases", hint)
            failed = True
            continue
        phrases = []
        for index, phrase in enumerate(value):
            at = lines.of(group_id, index)
            if not isinstance(phrase, str) or not words(phrase).strip():
                problems.add(
                    path, at, f"a phrase of group '{group_id}' is not text with a letter or digit", "write a word"
                )
                failed = True
                continue
            key = words(phrase)
            if key in seen:
                other, other_line = seen[key]
                problems.add(
                    path,
                    at,
                    f"the phrase '{phrase.strip()[:60]}' is already in group '{other}' on line {other_line}",
                    "keep it in one group: the first group with a phrase found in a role wins",
                )
                failed = True
                continue
            seen[key] = (group_id, at)
            phrases.append(phrase.strip())
        groups.append(
            RoleGroup(group_id, LABELS.get(group_id, group_id.replace("-", " ").capitalize()), tuple(phrases))
        )
    if failed:
        return default_role_groups()
    return RoleGroups(tuple(groups), source=path)
