"""Cairn: a district's micro-credentials as a public, verifiable static site."""

__version__ = "0.1.0"
