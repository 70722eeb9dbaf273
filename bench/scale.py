"""Benchmark: Cairn against a naive MkDocs build of the same content, rebuilds, and linearity.

    python bench/scale.py                      # district: 500 credentials, 5,000 earners, 50,000 awards
    python bench/scale.py --no-baseline --linearity 10000,50000,200000
    python bench/scale.py --earners 70000 --awards 1000000 --no-baseline --no-rebuilds --linearity ''   # a state

Prints a table; not a test. Each build runs in its own process; peak memory is the largest
sum of the proportional set size (PSS) of the build and its forked workers, sampled every
50 ms: the memory the whole process tree holds.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
from generate import generate  # noqa: E402

HOSTS = (
    ("GitHub Pages", 1_000_000_000, None),
    ("GitLab Pages", 1_000_000_000, 200_000),
    ("Cloudflare Pages (free)", None, 20_000),
    ("Cloudflare Pages (paid)", None, 100_000),
)
TEST_KEY = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"  # the W3C test vector's: never a real key

MEASURE = """
import os, subprocess, sys, time

def tree(pid):
    found = [pid]
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                for child in f.read().split():
                    found += tree(int(child))
        except OSError:
            pass
    return found

def pss_kb(pid):
    # Proportional set size: pages a forked worker shares with its parent count once, in parts.
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("Pss:"))
    except (OSError, StopIteration):
        return 0

start = time.perf_counter()
process = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
peak = 0
while process.poll() is None:
    try:
        peak = max(peak, sum(pss_kb(p) for p in tree(process.pid)))
    except OSError:
        pass
    time.sleep(0.05)
print(process.returncode, time.perf_counter() - start, peak)
"""


def measure(command: list[str], cwd: Path) -> tuple[float, float]:
    """(seconds, peak memory in MB) of a command: the largest sum, sampled every 50 ms, of the
    proportional set size of the process and every process it started (forked workers share
    the parent's pages; RSS would count them once per worker)."""
    env = {**os.environ, "CAIRN_SIGNING_KEY": TEST_KEY, "NO_MKDOCS_2_WARNING": "1"}
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, *command], cwd=cwd, env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    if out[0] != "0":
        raise SystemExit(f"{' '.join(command)} failed in {cwd}")
    return float(out[1]), int(out[2]) / 1024


def tree_size(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def pages(folder: Path) -> int:
    return sum(1 for _ in folder.rglob("*.html"))


def cairn_build(project: Path) -> tuple[float, float]:
    return measure([sys.executable, str(REPO / "build.py"), "build"], project)


def baseline(project: Path) -> Path:
    """The same content the obvious way: a Markdown page per credential and per public earner."""
    import yaml

    base = project.parent / "baseline"
    docs = base / "docs"
    (docs / "credentials").mkdir(parents=True)
    (docs / "earners").mkdir()
    (docs / "index.md").write_text("# District micro-credentials\n", encoding="utf-8")
    for spec in (project / "catalog").glob("*/*.md"):
        shutil.copy(spec, docs / "credentials" / spec.name)
    for path in (project / "earners").glob("earner-*.yml"):
        earner = yaml.safe_load(path.read_text(encoding="utf-8"))
        if earner.get("public"):
            awards = "\n".join(
                f"- [{a['credential']}](../credentials/{a['credential']}.md), {a['issued']}"
                for a in earner["awards"]
                if "revoked" not in a
            )
            (docs / "earners" / f"{earner['slug']}.md").write_text(
                f"# {earner['name']}\n\n{earner.get('role', '')}\n\n## Badges\n\n{awards}\n", encoding="utf-8"
            )
    (base / "mkdocs.yml").write_text(
        "site_name: Baseline\ntheme:\n  name: material\nplugins:\n  - search\n", encoding="utf-8"
    )
    return base


def row(name: str, seconds: float, rss: float, site: Path, extra: str = "") -> str:
    files, size = tree_size(site)
    count = pages(site)
    return (
        f"{name:<34}{seconds:>9.1f} s{count / seconds:>9.0f} pages/s{rss:>9.0f} MB{size / 1e6:>10.1f} MB"
        f"{files:>10,} files {extra}"
    )


def fits(site: Path) -> str:
    files, size = tree_size(site)
    ok = [
        name
        for name, max_size, max_files in HOSTS
        if (max_size is None or size <= max_size) and (max_files is None or files <= max_files)
    ]
    return ", ".join(ok) or "none of the listed hosts"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--credentials", type=int, default=500)
    parser.add_argument("--earners", type=int, default=5000)
    parser.add_argument("--awards", type=int, default=50_000)
    parser.add_argument(
        "--district",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="build the district and its rebuilds (--no-district: only the linearity run)",
    )
    parser.add_argument("--baseline", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument(
        "--rebuilds",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="time the rebuilds after one award and one credential change (--no-rebuilds for the state size)",
    )
    parser.add_argument(
        "--linearity", default="10000,50000,200000", help="award counts for the time-per-award run ('' to skip)"
    )
    parser.add_argument("--work", type=Path, default=None, help="folder to build in (default: a temporary one)")
    args = parser.parse_args()

    work = args.work or Path(tempfile.mkdtemp(prefix="cairn-scale-"))
    if args.district:
        district(args, work)
    linearity(args, work)


def district(args: argparse.Namespace, work: Path) -> None:
    project = work / "district"
    generate(args.credentials, args.earners, args.awards, 1, project)
    print(f"district: {args.credentials} credentials, {args.earners} earners, {args.awards} awards ({work})")
    print(f"{'build':<34}{'wall':>11}{'rate':>17}{'peak PSS':>12}{'output':>13}{'count':>16}")

    cold, cold_rss = cairn_build(project)
    print(row("Cairn, cold", cold, cold_rss, project / "site"))
    warm, warm_rss = cairn_build(project)
    print(row("Cairn, nothing changed", warm, warm_rss, project / "site"))

    if not args.rebuilds:
        print(f"district site fits: {fits(project / 'site')}")
        return
    earner = project / "earners" / "earner-000001.yml"
    earner.write_text(
        re.sub(r"issued: (\d{4})-", lambda m: f"issued: {int(m.group(1)) - 1}-", earner.read_text(), count=1)
    )
    one_award, rss = cairn_build(project)
    print(row("Cairn, one award changed", one_award, rss, project / "site"))
    spec = next((project / "catalog").glob("*/credential-0001.md"))
    spec.write_text(spec.read_text().replace("A credential about", "A revised credential about", 1))
    one_credential, rss = cairn_build(project)
    print(row("Cairn, one credential changed", one_credential, rss, project / "site"))

    if args.baseline:
        base = baseline(project)
        seconds, rss = measure([sys.executable, "-m", "mkdocs", "build", "-q"], base)
        print(row("naive MkDocs + Material", seconds, rss, base / "site"))
        print(f"Cairn / baseline (cold): {cold / seconds:.2f}")
    print(f"district site fits: {fits(project / 'site')}")


def linearity(args: argparse.Namespace, work: Path) -> None:
    sizes = [int(s) for s in args.linearity.split(",") if s.strip()]
    if sizes:
        # "added award": the time each award past the previous size cost. The catalog's pages and
        # images are a fixed cost, so time per award falls as awards grow; the added cost shows
        # whether the part that grows with awards is linear.
        print(f"\n{'awards':>10}{'earners':>10}{'cold build':>14}{'per award':>14}{'added award':>14}{'peak PSS':>12}")
        previous = None
        for awards in sizes:
            earners = max(100, awards // 10)
            folder = work / f"linear-{awards}"
            generate(args.credentials, earners, awards, 2, folder)
            seconds, rss = cairn_build(folder)
            added = f"{(seconds - previous[1]) / (awards - previous[0]) * 1000:>11.2f} ms" if previous else f"{'':>14}"
            print(
                f"{awards:>10,}{earners:>10,}{seconds:>12.1f} s{seconds / awards * 1000:>11.2f} ms{added}{rss:>9.0f} MB"
            )
            previous = (awards, seconds)
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
