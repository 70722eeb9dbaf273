#!/usr/bin/env python3
"""Cairn's command line for this district. Run `python build.py --help`."""

import sys

from cairn.commands.cli import main

if __name__ == "__main__":
    sys.exit(main())
