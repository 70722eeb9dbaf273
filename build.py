#!/usr/bin/env python3
"""Cairn's command line. Run `python build.py --help`."""

import sys

try:
    from cairn.commands.cli import run
except ImportError:  # not installed: run from the checkout
    sys.path.insert(0, "plugins")
    from cairn.commands.cli import run

if __name__ == "__main__":
    run()
