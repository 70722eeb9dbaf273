"""Benchmark: issue 19's table. Cairn's builds against the tuned MkDocs build of the same content.

    make bench                                   # the district: 500 credentials, 5,000 earners, 50,000 awards
    make bench ARGS=--state                      # the state: 70,000 earners, 1,000,000 awards (long)
    python bench/scale.py --credentials 50 --earners 500 --awards 5000 --linearity 2000,5000   # a quick try
    python bench/scale.py --no-baseline --baseline-seconds 15.6    # divide by a baseline measured before
    python bench/scale.py --profile /tmp/prof    # each Cairn build under py-spy (slower): speedscope files
    python bench/scale.py --no-district --linearity 10000,100000,1000000   # long: a state-sized build

Prints a table; not a test. Each build runs in its own process; its wall time includes the
interpreter's start-up. Peak memory is the largest sum of the proportional set size (PSS) of
the build and its forked workers, sampled every 50 ms: the memory the whole process tree holds
(RSS would count the pages a forked worker shares with its parent once per worker).

The baseline (built first, so every row can show its ratio): MkDocs + Material, tuned as
issue 19 says: a plain Markdown page per credential (its spec copied) and per earner (every
earner, public or not: 5,500 pages at district size), search on, and `nav:` listing only the
home page, so the pages are built but kept out of the navigation.

Issue 19's targets, and how to read the table:

    district (500 credentials, 5,000 earners, 50,000 awards), as ratios to the baseline's wall time:
      cold build (everything issued)   <= 1.5 ×    one award changed        <= 0.15 ×
      nothing changed                  <= 0.1 ×    one credential changed   <= 0.5 ×
      peak memory                      <= 1 GB (1,024 MB)
    state (--state: 500 credentials, 70,000 earners, 1,000,000 awards), absolute:
      cold build <= 12 min (720 s), one award changed <= 30 s, peak memory <= 3 GB (3,072 MB)
    time per added award flat from 10,000 to 1,000,000 awards (the linearity table)

- `× MkDocs` is the row's wall time divided by the baseline's; `target` is the target ratio
  and the seconds it allows here. `verdict` is "met", or "missed by X s (Y×)": X seconds over
  the target, Y times the target. Without a baseline (--no-baseline and no --baseline-seconds)
  ratios show "—" and the time verdicts cannot be given.
- `peak PSS` is each build's own peak; the "peak memory" line under the table judges the
  largest against the memory target.
- "stages" lines are the profile that shows why: Cairn logs how long each stage took
  (`cairn: time: start-up 0.81 s, load 2.10 s, ...`); "timed" is their sum against the wall
  time. With --profile DIR each Cairn build also writes a py-spy flame graph (speedscope JSON,
  open it at https://www.speedscope.app) to DIR/<build>.json.
- The linearity table builds districts of growing size (earners = awards / 10, seed 2). "added
  award" is the time each award past the previous size cost: the catalog is a fixed cost, so the
  time per award falls as awards grow, while the added cost shows whether the part that grows
  with awards is linear. It is flat when the last added-award time is within 25% of the first.
  --linearity 10000,100000,1000000 covers the issue's range; the 1,000,000 build alone takes
  as long as the state's cold build, so the default stops at 200,000.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
from generate import generate  # noqa: E402

SETTLE_SECONDS = 2.0  # as plugins/cairn/pipeline/unchanged.py

HOSTS = (
    ("GitHub Pages", 1_000_000_000, None),
    ("GitLab Pages", 1_000_000_000, 200_000),
    ("Cloudflare Pages (free)", None, 20_000),
    ("Cloudflare Pages (paid)", None, 100_000),
)
TEST_KEY = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"  # the W3C test vector's: never a real key


@dataclass(frozen=True)
class Target:
    """A build's target: a ratio to the baseline's wall time, or an absolute number of seconds."""

    ratio: float | None = None
    seconds: float | None = None

    def allowed(self, baseline: float | None) -> float | None:
        if self.seconds is not None:
            return self.seconds
        if self.ratio is not None and baseline is not None:
            return self.ratio * baseline
        return None

    def describe(self, baseline: float | None) -> str:
        if self.seconds is not None:
            return f"{self.seconds:,.0f} s"
        allowed = self.allowed(baseline)
        return f"{self.ratio:g}× = {allowed:.1f} s" if allowed is not None else f"{self.ratio:g}×"


@dataclass(frozen=True)
class Size:
    name: str
    credentials: int
    earners: int
    awards: int
    targets: dict[str, Target]  # by build: cold, nothing changed, one award changed, one credential changed
    memory_mb: float


DISTRICT = Size(
    "district",
    500,
    5_000,
    50_000,
    {
        "cold": Target(ratio=1.5),
        "nothing changed": Target(ratio=0.1),
        "one award changed": Target(ratio=0.15),
        "one credential changed": Target(ratio=0.5),
    },
    1024,
)
STATE = Size(
    "state",
    500,
    70_000,
    1_000_000,
    {"cold": Target(seconds=720), "one award changed": Target(seconds=30)},
    3 * 1024,
)

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

# The build's log goes to a file, never a pipe: nobody reads a pipe while the build runs, and a
# full one would stop the build.
with open(sys.argv[1], "wb") as log:
    start = time.perf_counter()
    process = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=log)
    peak = 0
    while process.poll() is None:
        try:
            peak = max(peak, sum(pss_kb(p) for p in tree(process.pid)))
        except OSError:
            pass
        time.sleep(0.05)
    seconds = time.perf_counter() - start
print(process.returncode, seconds, peak)
"""


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mb: float
    log: str  # the build's stderr


def measure(command: list[str], cwd: Path) -> Run:
    """Wall time, peak memory and stderr of a command: the peak is the largest sum, sampled every
    50 ms, of the proportional set size of the process and every process it started (forked
    workers share the parent's pages; RSS would count them once per worker)."""
    env = {**os.environ, "CAIRN_SIGNING_KEY": TEST_KEY, "NO_MKDOCS_2_WARNING": "1"}
    with tempfile.NamedTemporaryFile(prefix="cairn-bench-", suffix=".log", delete=False) as file:
        log_path = Path(file.name)
    try:
        out = subprocess.run(
            [sys.executable, "-c", MEASURE, str(log_path), *command],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        log = log_path.read_text(encoding="utf-8", errors="replace")
    finally:
        log_path.unlink(missing_ok=True)
    if out[0] != "0":
        tail = "\n".join(log.splitlines()[-20:])
        raise SystemExit(f"{' '.join(command)} failed (exit {out[0]}) in {cwd}; the end of its log:\n{tail}")
    return Run(float(out[1]), int(out[2]) / 1024, log)


TIME_LINE = re.compile(r"cairn: time: (.*)$", re.MULTILINE)
STAGE = re.compile(r"^(.+?)\s+(\d+(?:\.\d+)?)\s*s$")


def stage_times(log: str) -> list[tuple[str, float]] | None:
    """The stages of the build's last `cairn: time: start-up 0.81 s, load 2.10 s, ...` line, or
    None when it logged none (a Cairn older than issue 19)."""
    lines = TIME_LINE.findall(log)
    if not lines:
        return None
    stages = []
    for part in lines[-1].split(","):
        match = STAGE.match(part.strip())
        if match:
            stages.append((match.group(1), float(match.group(2))))
    return stages or None


def profile_line(name: str, run: Run) -> str:
    stages = stage_times(run.log)
    if stages is None:
        return f"  {name}: (no stage times logged)"
    timed = sum(seconds for _, seconds in stages)
    listed = " · ".join(f"{stage} {seconds:.1f}" for stage, seconds in stages)
    return f"  {name}: {listed}  (timed {timed:.1f} s of {run.seconds:.1f} s wall)"


def tree_size(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def fits(site: Path) -> str:
    files, size = tree_size(site)
    ok = [
        name
        for name, max_size, max_files in HOSTS
        if (max_size is None or size <= max_size) and (max_files is None or files <= max_files)
    ]
    return ", ".join(ok) or "none of the listed hosts"


def over(value: float, target: float, unit: str) -> str:
    """ "met", or "missed by X unit (Y×)": X over the target, Y times the target."""
    if value <= target:
        return "met"
    return f"missed by {value - target:,.1f} {unit} ({value / target:.1f}×)"


RELAY = (
    "import subprocess, sys; code = subprocess.call(sys.argv[1:]); "
    "print(f'bench: the build exited {code}', file=sys.stderr); sys.exit(code)"
)


def command_of_build() -> list[str]:
    return [sys.executable, str(REPO / "build.py"), "build"]


class Bench:
    """Runs builds, prints a row as each ends, keeps what the lines under the table need."""

    def __init__(self, args: argparse.Namespace, work: Path) -> None:
        self.work = work
        self.py_spy: Path | None = None
        self.profile_dir: Path | None = None
        if args.profile is not None:
            self.profile_dir = args.profile.resolve()
            self.py_spy = find_py_spy()
        self.baseline: float | None = args.baseline_seconds
        self.runs: list[tuple[str, Run]] = []  # (build, run) of every Cairn build, for the stage lines

    def cairn(self, project: Path, build: str) -> Run:
        command = command_of_build()
        if self.py_spy is not None and self.profile_dir is not None:
            self.profile_dir.mkdir(parents=True, exist_ok=True)
            output = self.profile_dir / f"{re.sub(r'[^a-z0-9]+', '-', build.lower()).strip('-')}.json"
            # py-spy exits 0 whatever the build did: a relay logs the build's exit status.
            command = [str(self.py_spy), "record", "--subprocesses", "-r", "50", "-f", "speedscope"]
            command += ["-o", str(output), "--", sys.executable, "-c", RELAY, *command_of_build()]
        run = measure(command, project)
        if self.py_spy is not None:
            status = re.search(r"^bench: the build exited (-?\d+)$", run.log, re.MULTILINE)
            if status is None or status.group(1) != "0":
                tail = "\n".join(run.log.splitlines()[-20:])
                raise SystemExit(f"the {build} build failed under py-spy in {project}; the end of its log:\n{tail}")
        self.runs.append((build, run))
        return run

    def row(self, name: str, run: Run, site: Path, target: Target | None) -> str:
        files, size = tree_size(site)
        ratio = f"{run.seconds / self.baseline:.2f}" if self.baseline else "—"
        if target is None:
            wanted, verdict = "—", "(the baseline)"
        else:
            wanted = target.describe(self.baseline)
            allowed = target.allowed(self.baseline)
            verdict = over(run.seconds, allowed, "s") if allowed is not None else "— (no baseline)"
        return (
            f"{name:<32}{run.seconds:>8.1f} s{ratio:>10}{wanted:>16}  {verdict:<28}"
            f"{run.peak_mb:>7.0f} MB{size / 1e6:>9.1f} MB{files:>10,}"
        )


HEADER = (
    f"{'build':<32}{'wall':>10}{'× MkDocs':>10}{'target':>16}  {'verdict':<28}"
    f"{'peak PSS':>10}{'output':>12}{'files':>10}"
)


def find_py_spy() -> Path:
    for candidate in (Path(sys.executable).with_name("py-spy"), shutil.which("py-spy")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return Path(candidate)
    raise SystemExit(
        "--profile runs each Cairn build under py-spy, which is not installed here: "
        f"{Path(sys.executable).parent}/pip install py-spy (or leave out --profile)"
    )


def write_baseline(project: Path) -> tuple[Path, int]:
    """The same content as plain Markdown, tuned as issue 19 says: a page per credential (its spec
    copied) and per earner, public or not; search on; the navigation lists only the home page, so
    MkDocs builds every page but does not put 5,500 pages in every page's navigation."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    base = project.parent / "baseline"
    shutil.rmtree(base, ignore_errors=True)
    docs = base / "docs"
    (docs / "credentials").mkdir(parents=True)
    (docs / "earners").mkdir()
    (docs / "index.md").write_text("# District micro-credentials\n", encoding="utf-8")
    pages = 1
    for spec in (project / "catalog").glob("*/*.md"):
        shutil.copy(spec, docs / "credentials" / spec.name)
        pages += 1
    for path in sorted((project / "earners").glob("earner-*.yml")):
        earner = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # a safe loader: C or Python
        awards = "\n".join(
            f"- [{a['credential']}](../credentials/{a['credential']}.md), {a['issued']}"
            for a in earner["awards"]
            if "revoked" not in a
        )
        (docs / "earners" / f"{earner.get('slug') or path.stem}.md").write_text(
            f"# {earner['name']}\n\n{earner.get('role', '')}\n\n## Badges\n\n{awards}\n", encoding="utf-8"
        )
        pages += 1
    (base / "mkdocs.yml").write_text(
        "site_name: Baseline\ntheme:\n  name: material\nplugins:\n  - search\nnav:\n  - Home: index.md\n",
        encoding="utf-8",
    )
    return base, pages


def version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "?"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__
    )
    parser.add_argument(
        "--state",
        action="store_true",
        help="the state size (70,000 earners, 1,000,000 awards; cold and one-award rows, absolute targets)",
    )
    parser.add_argument("--credentials", type=int, default=None, help="default 500")
    parser.add_argument("--earners", type=int, default=None, help="default 5,000; 70,000 with --state")
    parser.add_argument("--awards", type=int, default=None, help="default 50,000; 1,000,000 with --state")
    parser.add_argument(
        "--district",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="build the district (or the state) and its rebuilds (--no-district: only the linearity run)",
    )
    parser.add_argument(
        "--baseline",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="build the tuned MkDocs baseline first (not at the state size, whose targets are absolute)",
    )
    parser.add_argument(
        "--baseline-seconds",
        type=float,
        default=None,
        metavar="S",
        help="divide by S seconds instead of building the baseline (implies --no-baseline)",
    )
    parser.add_argument(
        "--rebuilds",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="time the rebuilds after nothing, one award and one credential changed",
    )
    parser.add_argument(
        "--linearity",
        default=None,
        help="award counts for the time-per-award run ('' to skip; default 10000,50000,200000, none with --state)",
    )
    parser.add_argument("--profile", type=Path, default=None, metavar="DIR", help="run Cairn under py-spy into DIR")
    parser.add_argument("--work", type=Path, default=None, help="folder to build in (default: a temporary one)")
    args = parser.parse_args()
    if args.baseline_seconds is not None and args.baseline_seconds <= 0:
        parser.error("--baseline-seconds must be a positive number of seconds")
    size = STATE if args.state else DISTRICT
    if args.linearity is None:
        args.linearity = "" if args.state else "10000,50000,200000"

    work = (args.work or Path(tempfile.mkdtemp(prefix="cairn-scale-"))).resolve()
    work.mkdir(parents=True, exist_ok=True)
    bench = Bench(args, work)
    if bench.profile_dir is not None:
        print(
            f"profiling: each Cairn build runs under {bench.py_spy}: slower than without, "
            "and py-spy's own memory counts in its peak PSS"
        )
    if args.district:
        district(args, size, bench)
    linearity(args, bench)
    if bench.profile_dir is not None and bench.runs:
        print(f"\npy-spy flame graphs (speedscope JSON, open at https://www.speedscope.app): {bench.profile_dir}/")


def district(args: argparse.Namespace, size: Size, bench: Bench) -> None:
    credentials = args.credentials or size.credentials
    earners = args.earners or size.earners
    awards = args.awards or size.awards
    project = bench.work / size.name
    generate(credentials, earners, awards, 1, project)
    # A district's files are not written the moment before its build: files this new leave no
    # nothing-changed stamp (plugins/cairn/pipeline/unchanged.py), so the second build would redo all.
    time.sleep(SETTLE_SECONDS + 0.5)
    print(f"{size.name}: {credentials:,} credentials, {earners:,} earners, {awards:,} awards ({bench.work})")

    baseline_run, base, count = None, project.parent / "baseline", 0
    if size is STATE:
        print("baseline: none at the state size; its targets are absolute")
        bench.baseline = None
    elif args.baseline and args.baseline_seconds is None:
        base, count = write_baseline(project)
        print(
            f"baseline: MkDocs {version('mkdocs')} + Material {version('mkdocs-material')}, tuned (nav: the home "
            f"page only; search on): {count:,} plain pages, one per credential and per earner, public or not"
        )
        baseline_run = measure([sys.executable, "-m", "mkdocs", "build"], base)
        bench.baseline = baseline_run.seconds
    elif bench.baseline is not None:
        print(f"baseline: {bench.baseline:.1f} s, given by --baseline-seconds (not measured in this run)")
    else:
        print("baseline: none (--no-baseline without --baseline-seconds): ratios and time verdicts show —")

    print(HEADER)
    if baseline_run is not None:
        print(bench.row("MkDocs + Material, tuned", baseline_run, base / "site", None))
        built = sum(1 for page in (base / "site").rglob("*.html") if page.name != "404.html")
        warnings = sum(1 for line in baseline_run.log.splitlines() if line.startswith("WARNING"))
        if built < count or warnings:
            print(f"  ! MkDocs built {built:,} of {count:,} pages with {warnings:,} warnings: see {base}")

    site = project / "site"
    builds = ["cold", "nothing changed", "one award changed", "one credential changed"]
    if not args.rebuilds:
        builds = ["cold"]
    for build in (b for b in builds if b in size.targets):
        if build == "one award changed":
            earner = project / "earners" / "earner-000001.yml"
            earner.write_text(
                re.sub(r"issued: (\d{4})-", lambda m: f"issued: {int(m.group(1)) - 1}-", earner.read_text(), count=1)
            )
        elif build == "one credential changed":
            spec = next((project / "catalog").glob("*/credential-0001.md"))
            spec.write_text(spec.read_text().replace("A credential about", "A revised credential about", 1))
        run = bench.cairn(project, build)
        print(bench.row(f"Cairn, {build}", run, site, size.targets[build]))

    name, peak = max(((b, r.peak_mb) for b, r in bench.runs), key=lambda pair: pair[1])
    print(
        f"peak memory: {peak:,.0f} MB ({name}) of {size.memory_mb:,.0f} MB target: {over(peak, size.memory_mb, 'MB')}"
    )
    print(f"{size.name} site fits: {fits(site)}")
    print("stages (s), the profile that shows why:")
    for build, run in bench.runs:
        print(profile_line(build, run))
    if baseline_run is not None:
        built_in = re.search(r"Documentation built in ([\d.]+) seconds", baseline_run.log)
        if built_in:
            print(
                f"  MkDocs baseline: built in {float(built_in.group(1)):.1f} s by its own count "
                f"(of {baseline_run.seconds:.1f} s wall)"
            )


def linearity(args: argparse.Namespace, bench: Bench) -> None:
    sizes = [int(s) for s in args.linearity.split(",") if s.strip()]
    if not sizes:
        return
    credentials = args.credentials or DISTRICT.credentials
    print(f"\n{'awards':>10}{'earners':>10}{'cold build':>14}{'per award':>14}{'added award':>14}{'peak PSS':>12}")
    previous = None
    added: list[float] = []
    runs = []
    for awards in sizes:
        earners = max(100, awards // 10)
        folder = bench.work / f"linear-{awards}"
        generate(credentials, earners, awards, 2, folder)
        run = bench.cairn(folder, f"linear {awards}")
        runs.append((f"{awards:,} awards", run))
        cell = f"{'':>14}"
        if previous:
            added.append((run.seconds - previous[1]) / (awards - previous[0]) * 1000)
            cell = f"{added[-1]:>11.2f} ms"
        print(
            f"{awards:>10,}{earners:>10,}{run.seconds:>12.1f} s{run.seconds / awards * 1000:>11.2f} ms{cell}"
            f"{run.peak_mb:>9.0f} MB"
        )
        previous = (awards, run.seconds)
        shutil.rmtree(folder, ignore_errors=True)
    print(f"time per added award: {flatness(added)}")
    print("stages (s):")
    for name, run in runs:
        print(profile_line(name, run))


def flatness(added: list[float]) -> str:
    """Flat when the last added-award time is within 25% of the first."""
    if len(added) < 2:
        return "needs three sizes or more to judge (one added-award time)" if added else "needs two sizes or more"
    first, last = added[0], added[-1]
    if first <= 0:
        return f"cannot judge: the first added-award time is {first:.2f} ms (sizes too small or too close)"
    change = (last - first) / first * 100
    figures = f"{first:.2f} ms, then {last:.2f} ms"
    if abs(change) <= 25:
        return f"flat ({figures}: {change:+.0f}%, within ±25%)"
    return f"{'grows' if change > 0 else 'falls'} by {abs(change):.0f}% ({figures}; flat is within ±25%)"


if __name__ == "__main__":
    main()
