#!/usr/bin/env python3
"""Cairn's command line. Run `python build.py --help`."""

import sys

try:
    from cairn.commands.cli import main
except ImportError:  # not installed: run from the checkout
    sys.path.insert(0, "plugins")
    from cairn.commands.cli import main

if __name__ == "__main__":
    sys.exit(main())
