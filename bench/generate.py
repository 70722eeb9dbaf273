"""A realistic synthetic district: stacks, topics, schools, public and non-public earners,
expired and revoked awards. The same seed gives the same files.

    python bench/generate.py --credentials 500 --earners 5000 --awards 50000 --seed 1 --out /tmp/district
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import random
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TOPICS = [
    "pbl",
    "sel",
    "scrum",
    "formative-assessment",
    "computational-thinking",
    "culturally-responsive",
    "classroom-discourse",
    "family-engagement",
    "multilingual-learners",
    "literacy",
    "math-practices",
    "assessment-design",
]
LEVELS = ["foundational", "proficient", "advanced"]
FIRST = [
    "Ana",
    "Marcus",
    "Priya",
    "José",
    "Mei",
    "Grace",
    "Tomás",
    "Lan",
    "Siobhán",
    "Ahmed",
    "Olivia",
    "Daniel",
    "Rosa",
    "Kevin",
    "Fatima",
    "William",
    "Lily",
    "Hannah",
    "Emily",
    "Jamal",
    "Sarah",
    "Rafael",
    "Anjali",
    "Lucía",
]
LAST = [
    "Ruiz",
    "Bell",
    "Raman",
    "Núñez",
    "Chen",
    "Okafor",
    "Herrera",
    "Nguyễn",
    "O'Connor",
    "Hassan",
    "Martin",
    "Park",
    "Delgado",
    "O'Brien",
    "Al-Sayed",
    "Carter",
    "Thompson",
    "Kowalski",
    "Nakamura",
    "Robinson",
]
SPEC = """---
title: "{title}"
summary: "{summary}"
level: {level}
topics: [{topics}]
estimated_hours: {hours}
{expiry}status: {status}
---

## Competency

The educator {verb} so that every student {outcome}.

## Key Method

Plan, try in class, gather evidence from students, reflect with a colleague.

## Method Components

- Plan one lesson around the method.
- Teach it and collect student work.
- Reflect on what changed and what to try next.

## Research & Resources

- Author, A. ({year}). *A study of {title_lower}*. Journal of Teaching.

## Submission Criteria

1. **Overview.** Your class and why you chose this method.
2. **Evidence.** Student work from two lessons.
3. **Reflection.** What changed for students.

## Scoring Rubric

| Criterion | Not yet | Proficient | Exemplary |
|---|---|---|---|
| Overview | Missing context | Class and reason described | Reason tied to data |
| Evidence | One lesson | Two lessons | Two lessons with analysis |
| Reflection | Lists activities | Names changes | Plans next steps from evidence |
"""


def award_id(rng: random.Random) -> str:
    return base64.b32encode(rng.getrandbits(128).to_bytes(16, "big")).decode().rstrip("=").lower()


def generate(credentials: int, earners: int, awards: int, seed: int, out: Path) -> None:
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    (out / "catalog").mkdir(parents=True)
    (out / "earners").mkdir()
    for name in ("theme", "content"):
        shutil.copytree(REPO / name, out / name)
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    (out / "mkdocs.yml").write_text(config, encoding="utf-8")
    (out / "catalog" / "_topics.yml").write_text(
        "".join(
            f"{t}:\n  label: {t.replace('-', ' ').capitalize()}\n"
            f"  description: Everything about {t.replace('-', ' ')}.\n"
            for t in TOPICS
        ),
        encoding="utf-8",
    )
    stacks = max(1, credentials // 10)
    ids = []
    for s in range(stacks):
        folder = out / "catalog" / f"stack-{s:03d}"
        folder.mkdir()
        members = [f"credential-{c:04d}" for c in range(s, credentials, stacks)]
        (folder / "_stack.yml").write_text(
            f"title: Stack {s}\ndescription: A path of {len(members)} credentials.\n"
            f'color: "#{rng.randrange(0x202020, 0x808080):06x}"\n'
            "credentials:\n" + "".join(f"  - {m}\n" for m in members),
            encoding="utf-8",
        )
        for m in members:
            number = int(m.split("-")[1])
            title = f"Practice {number}: {rng.choice(['Questioning', 'Feedback', 'Projects', 'Routines', 'Talk'])}"
            status = "draft" if number % 97 == 96 else "active"
            (folder / f"{m}.md").write_text(
                SPEC.format(
                    title=title,
                    summary=f"A credential about {title.lower()}.",
                    level=rng.choice(LEVELS),
                    topics=", ".join(rng.sample(TOPICS, rng.randint(1, 3))),
                    hours=rng.choice([5, 8, 10, 15, 20, 30]),
                    expiry="expires_after: 3 years\n" if number % 3 == 0 else "",
                    status=status,
                    verb="applies the method",
                    outcome="takes part",
                    year=2000 + number % 24,
                    title_lower=title.lower(),
                ),
                encoding="utf-8",
            )
            if status == "active":
                ids.append(m)
    schools = [f"school-{i:02d}" for i in range(max(4, earners // 250))]
    (out / "earners" / "_schools.yml").write_text(
        "".join(f"{s}:\n  name: School {s[-2:]}\n" for s in schools), encoding="utf-8"
    )
    per = [awards // earners + (1 if i < awards % earners else 0) for i in range(earners)]
    index = 0
    start = dt.date(2022, 1, 1)
    for e in range(earners):
        public = rng.random() < 0.5
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)} {e}"
        lines = [f"name: {name}"]
        if public:
            lines.append(f"slug: earner-{e:06d}")
        lines += [
            f"email: earner{e}@example.org",
            f"public: {'true' if public else 'false'}",
            f"school: {rng.choice(schools)}",
            "role: Teacher",
            "awards:",
        ]
        for credential in rng.sample(ids, min(per[e], len(ids))):
            issued = start + dt.timedelta(days=rng.randrange(1400))
            lines += [
                f"  - credential: {credential}",
                f"    id: {award_id(rng)}",
                f"    salt: {rng.getrandbits(128):032x}",
                f"    status_index: {index}",
                f"    issued: {issued.isoformat()}",
            ]
            index += 1
            roll = rng.random()
            if roll < 0.03:
                lines.append(f"    expires: {(issued + dt.timedelta(days=365)).isoformat()}")
            elif roll < 0.04:
                lines += [
                    "    revoked:",
                    f"      date: {(issued + dt.timedelta(days=30)).isoformat()}",
                    "      reason: Issued in error.",
                ]
            lines += ["    evidence:", f"      url: https://example.org/evidence/{e}/{credential}"]
        (out / "earners" / f"earner-{e:06d}.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (out / "earners" / "_status-list.yml").write_text(f"next_index: {index}\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--credentials", type=int, default=500)
    parser.add_argument("--earners", type=int, default=5000)
    parser.add_argument("--awards", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    generate(args.credentials, args.earners, args.awards, args.seed, args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
