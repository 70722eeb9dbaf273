"""Problems found in a user's files, collected and reported together."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in one place, with what to do about it."""

    path: str
    line: int
    message: str
    hint: str = ""
    warning: bool = False

    def __str__(self) -> str:
        kind = "warning: " if self.warning else ""
        hint = f" ({self.hint})" if self.hint else ""
        return f"{self.path}:{self.line}: {kind}{self.message}{hint}"


@dataclass
class Problems:
    """Collects problems across every file, so one run reports them all."""

    root: Path
    items: list[Problem] = field(default_factory=list)

    def add(self, path: Path | str, line: int | None, message: str, hint: str = "") -> None:
        self.items.append(Problem(self._relative(path), line or 1, message, hint))

    def warn(self, path: Path | str, line: int | None, message: str, hint: str = "") -> None:
        self.items.append(Problem(self._relative(path), line or 1, message, hint, warning=True))

    def _relative(self, path: Path | str) -> str:
        path = Path(path)
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return path.as_posix()

    @property
    def errors(self) -> list[Problem]:
        return sorted(p for p in self.items if not p.warning)

    @property
    def warnings(self) -> list[Problem]:
        return sorted(p for p in self.items if p.warning)

    def raise_if_errors(self, strict: bool = False) -> None:
        if self.errors or (strict and self.warnings):
            raise ProblemsFound(sorted(self.items))


class ProblemsFound(Exception):
    """Raised once, after loading, when the user's files have errors."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        errors = sum(1 for p in problems if not p.warning)
        super().__init__(f"{errors} problem(s) in the catalog or earner files")

    def report(self) -> str:
        lines = [str(p) for p in self.problems]
        errors = sum(1 for p in self.problems if not p.warning)
        warnings = len(self.problems) - errors
        lines.append(f"{errors} error(s), {warnings} warning(s)")
        return "\n".join(lines)
