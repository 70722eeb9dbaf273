"""`new credential <stack>/<id>`: a spec skeleton that passes `check` as a draft."""

from __future__ import annotations

import re
from pathlib import Path

SPEC_TEMPLATE = """---
title: {title}
summary: One sentence that tells a teacher what this credential recognises.
# foundational, proficient or advanced
level: foundational
# Topic ids from catalog/_topics.yml
topics: [{topic}]
estimated_hours: 10
# How long an award stays valid, e.g. 3 years; delete the line for no expiry
expires_after: 3 years
# A draft is checked but not published; set active when the committee approves it
status: draft
---

## Competency

The educator ... (one sentence: what the educator can do).

## Key Method

The educator ... (the method in two or three sentences).

## Method Components

- The first thing the educator does.
- The next thing.

## Research & Resources

- Author, A. (Year). *Title*. Publisher.

## Submission Criteria

1. **Overview.** Describe your class and why you chose this method.
2. **Evidence.** What artifacts to submit.
3. **Reflection.** What questions to answer.

## Scoring Rubric

| Criterion | Not yet | Proficient | Exemplary |
|---|---|---|---|
| Overview | What falls short | What meets the bar | What goes beyond |
| Evidence | What falls short | What meets the bar | What goes beyond |
| Reflection | What falls short | What meets the bar | What goes beyond |
"""

STACK_TEMPLATE = """title: {title}
description: What this stack of credentials leads to, in a sentence or two.
color: "#1f6f8b"
# The order in which the credentials are meant to be earned.
credentials:
  - {credential}
"""


class ScaffoldError(Exception):
    pass


def title_from_id(identifier: str) -> str:
    return identifier.replace("-", " ").capitalize()


def new_credential(catalog: Path, stack_id: str, credential_id: str, first_topic: str) -> list[Path]:
    """Write the skeleton and add it to its stack's order; returns the files written."""
    spec = catalog / stack_id / f"{credential_id}.md"
    if spec.exists():
        raise ScaffoldError(f"{spec} already exists")
    stack_file = catalog / stack_id / "_stack.yml"
    written = [spec]
    if stack_file.is_file():
        _add_to_order(stack_file, credential_id)
        written.append(stack_file)
    elif (catalog / stack_id / "_stack.md").is_file():
        raise ScaffoldError(
            f"add '- {credential_id}' to the credentials in {catalog / stack_id / '_stack.md'} yourself"
        )
    else:
        stack_file.parent.mkdir(parents=True, exist_ok=True)
        stack_file.write_text(
            STACK_TEMPLATE.format(title=title_from_id(stack_id), credential=credential_id), encoding="utf-8"
        )
        written.append(stack_file)
    spec.write_text(SPEC_TEMPLATE.format(title=title_from_id(credential_id), topic=first_topic), encoding="utf-8")
    return written


def _add_to_order(stack_file: Path, credential_id: str) -> None:
    """Append to the block list under `credentials:`, keeping the file's comments and layout."""
    lines = stack_file.read_text(encoding="utf-8").split("\n")
    start = next((i for i, line in enumerate(lines) if re.match(r"^credentials:\s*(#.*)?$", line)), None)
    if start is None:
        raise ScaffoldError(f"add '- {credential_id}' to the credentials list in {stack_file} yourself")
    last_item, indent = start, "  "
    for i in range(start + 1, len(lines)):
        item = re.match(r"^(\s*)- ", lines[i])
        if item:
            last_item, indent = i, item.group(1)
        elif lines[i].strip() and not lines[i].lstrip().startswith("#"):
            break
    lines.insert(last_item + 1, f"{indent}- {credential_id}")
    stack_file.write_text("\n".join(lines), encoding="utf-8")
