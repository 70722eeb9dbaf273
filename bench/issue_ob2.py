"""Benchmark: issue N Open Badges 2.0 awards (assertion JSON + baked PNG) and print the rate.

    python bench/issue_ob2.py [--awards 50000] [--credentials 500]

Builds the model directly (no YAML) so the figure is the issuing cost alone: JSON
serialisation, baking and writing files. Not a test: machines here are noisy.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "plugins"))

from cairn.commands.ids import new_award_id, new_salt  # noqa: E402
from cairn.issue import files as issue  # noqa: E402
from cairn.issue import images  # noqa: E402
from cairn.model import (  # noqa: E402
    SECTIONS,
    Award,
    Credential,
    District,
    Duration,
    Earner,
    Evidence,
    Issuer,
    Revocation,
    Rubric,
    Section,
    Stack,
    Topic,
)


def synthetic_district(credentials: int, awards: int, seed: int = 1) -> District:
    rng = random.Random(seed)
    topics = {f"topic-{i}": Topic(f"topic-{i}", f"Topic {i}", "A topic.") for i in range(20)}
    rubric = Rubric("Criterion", ("Not yet", "Proficient"), (("Evidence", ("Missing", "Present")),))
    sections = tuple(Section(title, title, f"{title} text for the benchmark.") for title in SECTIONS)
    ids = [f"credential-{i}" for i in range(credentials)]
    stacks = {
        f"stack-{s}": Stack(f"stack-{s}", f"Stack {s}", "A stack.", "#1f6f8b", tuple(ids[s::10]), Path("x"))
        for s in range(10)
    }
    creds = {
        cid: Credential(
            id=cid,
            title=f"Credential {i}",
            summary="A summary.",
            stack=f"stack-{i % 10}",
            level="proficient",
            topics=(f"topic-{i % 20}",),
            estimated_hours=10,
            status="active",
            sections=sections,
            rubric=rubric,
            body="",
            source=Path("x"),
            expires_after=Duration(3, "years") if i % 3 == 0 else None,
        )
        for i, cid in enumerate(ids)
    }
    earners = []
    per_earner = 10
    for e in range(awards // per_earner):
        earner_awards = []
        for _ in range(per_earner):
            revoked = Revocation(dt.date(2025, 6, 1), "Issued in error.") if rng.random() < 0.01 else None
            earner_awards.append(
                Award(
                    credential=rng.choice(ids),
                    issued=dt.date(2024, 1, 1) + dt.timedelta(rng.randrange(600)),
                    source=Path("x"),
                    line=1,
                    evidence=(Evidence("https://example.org/e", "Narrative."),),
                    revoked=revoked,
                    id=new_award_id(),
                    salt=new_salt(),
                )
            )
        earners.append(
            Earner(
                name=f"Earner {e}",
                email=f"earner{e}@example.org",
                public=e % 2 == 0,
                school=None,
                role="Teacher",
                bio="",
                awards=tuple(earner_awards),
                source=Path("x"),
            )
        )
    return District(topics=topics, stacks=stacks, credentials=creds, schools={}, earners=tuple(earners))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--awards", type=int, default=50_000)
    parser.add_argument("--credentials", type=int, default=500)
    args = parser.parse_args()

    district = synthetic_district(args.credentials, args.awards)
    issuer = Issuer("Bench District", "https://example.org/", "badges@example.org", "", "https://badges.example.org/")
    started = time.perf_counter()
    badges = {
        cid: images.generate_badge(c.title, "#1f6f8b", c.level, "Stack") for cid, c in district.credentials.items()
    }
    badge_seconds = time.perf_counter() - started

    out = Path(tempfile.mkdtemp(prefix="cairn-bench-"))
    try:
        started = time.perf_counter()
        ob2 = itertools.chain(
            issue.ob2_shared_files(district, issuer),
            *(issue.ob2_award_files(district, issuer, earner) for earner in district.earners),
        )
        files, total_bytes = issue.write_files(out, ob2)
        seconds = time.perf_counter() - started
    finally:
        shutil.rmtree(out, ignore_errors=True)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    awards = sum(len(e.awards) for e in district.earners)
    print(f"{'awards':<28}{awards:>12,}")
    print(f"{'badge images generated':<28}{len(badges):>12,}  in {badge_seconds:.2f} s")
    print(f"{'files written':<28}{files:>12,}  ({total_bytes / 1e6:,.1f} MB)")
    print(f"{'issuing time':<28}{seconds:>12.2f} s")
    print(f"{'awards per second':<28}{awards / seconds:>12,.0f}  (target 10,000)")
    print(f"{'files per second':<28}{files / seconds:>12,.0f}")
    print(f"{'peak memory (RSS)':<28}{peak_mb:>12,.0f} MB")
    print(f"{'cpu count':<28}{os.cpu_count():>12}")


if __name__ == "__main__":
    main()
