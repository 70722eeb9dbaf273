"""`new credential <stack>/<id>`: a draft spec skeleton whose TODO: placeholders `check` refuses until replaced."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from cairn.model import District

# Every "TODO:" marks words the committee must write: `check` refuses a spec that still has one
# (sources/spec.py PLACEHOLDER), so a skeleton is never published as it is.
SPEC_TEMPLATE = """---
title: {title}
summary: "TODO: one sentence that tells a teacher what this credential recognises."
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

TODO: one sentence: what the educator can do.

## Key Method

TODO: the method in two or three sentences.

## Method Components

- TODO: the first thing the educator does.
- TODO: the next thing.

## Research & Resources

- TODO: Author, A. (Year). *Title*. Publisher.

## Submission Criteria

1. **Overview.** TODO: what to tell about the class and why this method.
2. **Evidence.** TODO: what artifacts to submit.
3. **Reflection.** TODO: what questions to answer.

## Scoring Rubric

| Criterion | Not yet | Proficient | Exemplary |
|---|---|---|---|
| Overview | TODO: what falls short | TODO: what meets the bar | TODO: what goes beyond |
| Evidence | TODO: what falls short | TODO: what meets the bar | TODO: what goes beyond |
| Reflection | TODO: what falls short | TODO: what meets the bar | TODO: what goes beyond |
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


def topic_for_stack(district: District, stack_id: str) -> str:
    """The topic a new credential of this stack most likely has: the one most of the stack's
    credentials list (a tie goes to the one met first); for a new stack, the vocabulary's first."""
    counts = Counter(t for c in district.credentials.values() if c.stack == stack_id for t in c.topics)
    if counts:
        return counts.most_common(1)[0][0]
    return next(iter(district.topics), "your-topic")


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
