"""Which generator runs Cairn: MkDocs 1.6 or ProperDocs, its maintained drop-in fork (issue 13).

ProperDocs has MkDocs' API under its own name, and an import hook (properdocs.replacement) that
makes every `mkdocs.*` import, Cairn's and Material's alike, load the `properdocs.*` module.
Material requires the `mkdocs` package, so the two are always installed side by side, and
importing `properdocs` without the hook mixes them (Material's plugins then fail ProperDocs'
BasePlugin check). So the choice is all or nothing, made here once before anything imports
mkdocs (this package's __init__ imports this module); the rest of Cairn keeps `from mkdocs ...`.

The choice: CAIRN_ENGINE=mkdocs|properdocs when set; else whichever the running command has
already loaded (`mkdocs build`, `properdocs build`); else ProperDocs when installed, else MkDocs.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import sys

ENV = "CAIRN_ENGINE"
ENGINES = ("mkdocs", "properdocs")


class EngineError(SystemExit):
    """CAIRN_ENGINE asks for a generator that cannot run here: exit 1 with `error: <why>`, no traceback."""

    def __init__(self, why: str) -> None:
        super().__init__(f"error: {why}")


def _loaded() -> str | None:
    module = sys.modules.get("mkdocs")
    if module is None:
        return None
    return "properdocs" if module is sys.modules.get("properdocs") else "mkdocs"


def _choose() -> str:
    wanted = os.environ.get(ENV, "").strip().lower()
    if wanted and wanted not in ENGINES:
        raise EngineError(f"{ENV}={wanted}: use mkdocs or properdocs")
    loaded = _loaded()
    if loaded:
        if wanted and wanted != loaded:
            raise EngineError(f"{ENV}={wanted}, but this process already runs {loaded}: use `python build.py`")
        return loaded
    if wanted:
        if importlib.util.find_spec(wanted) is None:
            raise EngineError(f"{ENV}={wanted}, but {wanted} is not installed: pip install {wanted}")
        return wanted
    return "properdocs" if importlib.util.find_spec("properdocs") is not None else "mkdocs"


NAME = _choose()
"""'mkdocs' or 'properdocs'."""
LOGGER = NAME
"""The generator's top logger: where Cairn's command line attaches its handler."""

if NAME == "properdocs":
    import properdocs.replacement  # noqa: F401 (from here on, mkdocs.* loads properdocs.*)

    # As the `properdocs` command does: records on the legacy "mkdocs" logger (Cairn's own,
    # Material's) pass through the "properdocs" logger, to be shown and counted by --strict.
    _legacy = logging.getLogger("mkdocs")
    _legacy.parent = logging.getLogger("properdocs")
    _legacy.setLevel(logging.NOTSET)
    _legacy.propagate = True
