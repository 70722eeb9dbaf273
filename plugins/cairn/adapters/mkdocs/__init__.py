"""Cairn on MkDocs 1.6 or ProperDocs: importing this package chooses which (see engine.py)."""

from cairn.adapters.mkdocs import engine as engine  # noqa: F401 (before any mkdocs import)
