"""The command line: python build.py init | key | build | serve | check | new credential <stack>/<id>.

Exit codes: 0 fine, 1 problems in the user's files, 2 a wrong command line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from cairn.adapters.mkdocs import engine
from cairn.insights.roles import read_role_groups
from cairn.sources.fields import ID_HINT, is_id
from cairn.sources.load import STATUS_FILE, Sources, load_district
from cairn.sources.problems import Problem, Problems

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python build.py", description="Build a district's micro-credential site.")
    parser.add_argument(
        "-f", "--config-file", default="mkdocs.yml", help="the site's mkdocs.yml (default: %(default)s)"
    )
    # Every command takes -f too, before or after its name (`build -f other.yml`).
    config_file = argparse.ArgumentParser(add_help=False)
    config_file.add_argument(
        "-f", "--config-file", default=argparse.SUPPRESS, help="the site's mkdocs.yml (default: mkdocs.yml)"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = commands.add_parser(
        "build",
        parents=[config_file],
        help="check the sources and build the site into site/",
        description="Check catalog/ and earners/, then build the site. On any problem "
        "nothing is written and the previous site/ stays as it was.",
    )
    build.add_argument("--strict", action="store_true", help="treat warnings as errors")
    build.add_argument("--site-dir", help="build here instead of the site_dir in mkdocs.yml")
    build.add_argument("--no-cache", action="store_true", help="do all the work again, trusting nothing cached")
    build.add_argument("--debug", action="store_true", help="show the full traceback of a fault in Cairn")
    build.add_argument(
        "--allow-development-key",
        action="store_true",
        help="sign with a development key even though site_url is a published address (a trial site only)",
    )

    serve = commands.add_parser(
        "serve",
        parents=[config_file],
        help="build and serve the site, rebuilding on changes",
        description="Serve the site at http://127.0.0.1:8000/ and rebuild when a file changes.",
    )
    serve.add_argument(
        "--address", help="host:port to serve on (default: 127.0.0.1:8000; with --private, 127.0.0.1:8001)"
    )
    serve.add_argument(
        "--private",
        action="store_true",
        help="make the PD planner's private pages and serve them on this computer only",
    )

    commands.add_parser(
        "planner",
        parents=[config_file],
        help="make the PD planner's private pages in the private folder (build/planner/)",
        description="Check the sources, then write the planner (every member of staff: who holds what, who has "
        "not, who can lead, uptake, equity, CSV exports) into the private folder, replacing the last one whole. "
        "serve --private makes it too. Never published.",
    )

    check = commands.add_parser(
        "check",
        parents=[config_file],
        help="validate catalog/ and earners/ without building",
        description="Report every problem in catalog/ and earners/ as path:line: message.",
    )
    check.add_argument("--strict", action="store_true", help="treat warnings as errors")

    commands.add_parser(
        "ids",
        parents=[config_file],
        help="write missing award ids and salts into the earner files",
        description="Give every award without an id or salt a new random one, written into its earner file below "
        "the award's first line; comments and layout are kept. Ids never change afterwards: they are in badge URLs.",
    )

    importing = commands.add_parser(
        "import",
        parents=[config_file],
        help="add awards from a spreadsheet (CSV or XLSX) to the earner files",
        description="Check every row of a CSV or XLSX file (one award a row: name, email, school, role, credential, "
        "issued, evidence_url, evidence_narrative, expires, public) and say what would change; with --apply, "
        "write the earner files and give the new awards ids, as ids does. Nothing is written while a row is wrong.",
    )
    importing.add_argument("file", metavar="FILE", help="a .csv or .xlsx file; row 1 holds the column headings")
    importing.add_argument("--apply", action="store_true", help="write the changes (default: a dry run)")

    verify = commands.add_parser(
        "verify",
        parents=[config_file],
        help="verify a badge: a baked PNG, an assertion URL or an assertion file",
        description="Follow the assertion to its BadgeClass and Issuer; check hosts, revocation, expiry and, "
        "with --email, the recipient. Exit 0 only when the badge is valid.",
    )
    verify.add_argument("badge", help="a baked PNG file, an assertion URL or an assertion JSON file")
    verify.add_argument("--email", help="check that the badge was issued to this email address")

    new = commands.add_parser(
        "new",
        parents=[config_file],
        help="create a new credential spec from a skeleton",
        description="Create a skeleton spec with the six sections and a rubric table.",
    )
    kinds = new.add_subparsers(dest="kind", required=True, metavar="KIND")
    credential = kinds.add_parser(
        "credential",
        parents=[config_file],
        help="new credential <stack>/<id>",
        description="Write catalog/<stack>/<id>.md as a draft and add it to the stack.",
    )
    credential.add_argument("target", metavar="STACK/ID", help="e.g. formative-assessment/cold-calling")

    init = commands.add_parser(
        "init",
        parents=[config_file],
        help="make a new district folder",
        description="Write a district folder that check passes and build builds: mkdocs.yml, an example draft "
        "credential, vocabulary files to fill, .gitignore, CI workflows for GitHub and GitLab Pages, a README. "
        "Values not given are asked for on a terminal.",
    )
    init.add_argument("directory", metavar="DIR", help="the new folder (it must not exist or be empty)")
    init.add_argument("--name", help='the district\'s name, e.g. "Maple Valley USD"')
    init.add_argument("--site-url", help="the published site's address, e.g. https://badges.maplevalley.org/")
    init.add_argument("--issuer-email", help="the committee's email, shown in every badge")
    init.add_argument("--issuer-url", help="the district's own web site (default: the site's address)")
    init.add_argument("--timezone", default="UTC", help="the district's IANA time zone (default: %(default)s)")
    init.add_argument("--cairn-requirement", help="the pip requirement CI installs Cairn from (requirements.txt)")

    key = commands.add_parser(
        "key",
        parents=[config_file],
        help="make the district's Open Badges 3.0 signing key",
        description="Make an Ed25519 signing key and write it, readable by you only, where signing_key in "
        "mkdocs.yml says; print its public key and how to give it to CI.",
    )
    how = key.add_mutually_exclusive_group()
    how.add_argument(
        "--print", dest="print_only", action="store_true", help="print a new key for a CI secret; write nothing"
    )
    how.add_argument(
        "--rotate", action="store_true", help="replace the key: the old one is moved aside and its public key printed"
    )
    return parser


def run() -> None:
    """The command line as a program (build.py, the `cairn` script). A finished command exits
    without the interpreter's tear-down, which freed a district's objects one by one: 1.5 s
    after every build. `serve` ends the usual way (its temporary folder goes at exit)."""
    code = main()
    if "serve" in sys.argv[1:]:
        sys.exit(code)
    sys.stdout.flush()
    sys.stderr.flush()
    logging.shutdown()
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    args = _parser().parse_args(argv)
    if args.command == "init" or (args.command == "key" and args.print_only):  # no mkdocs.yml needed
        from cairn.commands.init import init_main
        from cairn.commands.keycmd import key_main

        return init_main(args) if args.command == "init" else key_main(None, print_only=True, rotate=False)
    config_file = Path(args.config_file)
    if not config_file.is_file():
        print(f"error: {config_file} not found (run from the site's folder or pass --config-file)", file=sys.stderr)
        return EXIT_USAGE
    _setup_logging(logging.WARNING)
    try:
        if args.command == "new":
            return _new_credential(config_file, args.target)
        if args.command == "ids":
            return _ids(config_file)
        if args.command == "import":
            from cairn.commands.importer import run as import_main

            return import_main(config_file, args.file, args.apply)
        if args.command == "verify":
            return _verify(config_file, args.badge, args.email)
        if args.command == "check":
            return _check(config_file, args.strict)
        if args.command == "planner":
            return _make_planner(config_file)
        if args.command == "key":
            from cairn.commands.keycmd import key_main

            return key_main(_mkdocs_config(config_file), print_only=False, rotate=args.rotate)
        if args.command == "build":
            from cairn.commands.keycmd import development_key_allowed

            with development_key_allowed(args.allow_development_key):
                return _build(config_file, args.strict, args.site_dir, not args.no_cache, args.debug)
        if args.private:
            return _serve_private(config_file, args.address or "127.0.0.1:8001")
        return _serve(config_file, args.address or "127.0.0.1:8000")
    except _SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_PROBLEMS


def _sources(config_file: Path, config: Any = None) -> Sources:
    # The core reads its two folders from the cairn plugin's settings in mkdocs.yml.
    config = config or _mkdocs_config(config_file)
    plugin = config.plugins["cairn"]
    root = config_file.resolve().parent
    return Sources(catalog=root / plugin.config.catalog_dir, earners=root / plugin.config.earners_dir, root=root)


def _report(config_file: Path, strict: bool) -> bool:
    """Print every problem; True when the build may go ahead."""
    from cairn.sources.folders import check_sources

    config = _mkdocs_config(config_file)
    settings = _settings(config)
    problems = Problems(settings.root)
    check_sources(settings, problems)  # where the settings put things, and every link in the source folders
    district, problems = load_district(_sources(config_file, config), settings.today, problems)
    read_role_groups(settings.earners_dir, problems)  # earners/_roles.yml, if the district has one
    problems.items = list(dict.fromkeys(problems.items))  # a link the loader met was reported above too
    for problem in sorted(problems.items):
        print(problem, file=sys.stderr)
    errors, warnings = len(problems.errors), len(problems.warnings)
    blocking = errors + (warnings if strict else 0)
    if blocking:
        print(f"{errors} error(s), {warnings} warning(s): fix them and run again", file=sys.stderr)
        return False
    published = len(district.published)
    print(
        f"ok: {published} credentials, {len(district.earners)} earners"
        + (f", {warnings} warning(s)" if warnings else ""),
        file=sys.stderr,
    )
    return True


def _check(config_file: Path, strict: bool) -> int:
    return EXIT_OK if _report(config_file, strict) else EXIT_PROBLEMS


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is now, not the one at start-up."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def _setup_logging(level: int) -> None:
    logger = logging.getLogger(engine.LOGGER)
    if not any(getattr(h, "cairn", False) for h in logger.handlers):
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
        handler.cairn = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.setLevel(level)


class _SettingsError(Exception):
    """mkdocs.yml cannot be used; the message says which setting to fix."""


def _mkdocs_config(config_file: Path, **overrides: str) -> Any:
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    try:
        return load_config(str(config_file), **overrides)
    except MkDocsException as error:
        raise _SettingsError(f"{config_file}: {error}") from None


def _issuer(config: Any) -> Any:
    return _settings(config).issuer


def _settings(config: Any) -> Any:
    from mkdocs.exceptions import PluginError

    from cairn.adapters.mkdocs.plugin import settings_from_config

    try:
        return settings_from_config(config, config.plugins["cairn"].config)
    except PluginError as error:
        raise _SettingsError(str(error)) from None


def _today(config: Any) -> dt.date:
    """The build's one day (settings.build_day): the district's date of SOURCE_DATE_EPOCH, else of now."""
    from cairn.settings import SettingsError, build_day

    try:
        return build_day(config.plugins["cairn"].config.timezone, os.environ)
    except SettingsError as error:
        raise _SettingsError(f"{Path(config.config_file_path).name}: {error}") from None


def _build(config_file: Path, strict: bool, site_dir: str | None, use_cache: bool, debug: bool) -> int:
    # The plugin loads and checks the sources once and stops the build with every problem
    # listed; checking here first as well would read every file twice. Nothing is published
    # until every page and file is made (pipeline/stages.py).
    from mkdocs.commands.build import build
    from mkdocs.exceptions import MkDocsException

    _setup_logging(logging.INFO)
    overrides = {"site_dir": str(Path(site_dir).resolve())} if site_dir else {}
    config = _mkdocs_config(config_file, **overrides)
    if site_dir:
        # Publishing empties the site folder of what the build did not make: refused before anything is touched.
        from cairn.sources.folders import folder_conflicts

        conflicts = [c for c in folder_conflicts(_settings(config)) if c.setting == "site_dir"]
        for conflict in conflicts:
            print(f"error: --site-dir {site_dir}: it {conflict.what} ({conflict.hint})", file=sys.stderr)
        if conflicts:
            return EXIT_USAGE
    plugin = config.plugins["cairn"]
    plugin.config.strict = plugin.config.strict or strict
    plugin.config.cache = plugin.config.cache and use_cache
    target = Path(config.site_dir)
    start = time.perf_counter()
    from cairn.pipeline.stages import Build, BuildFailed

    try:
        if Build(_settings(config)).unchanged():  # the same inputs, and the folders as they were left
            print(
                f"nothing changed: {target} is as the last build left it ({time.perf_counter() - start:.1f} s)",
                file=sys.stderr,
            )
            return EXIT_OK
    except BuildFailed as failed:
        print(f"{failed}\nerror: the build failed; {target} is unchanged", file=sys.stderr)
        return EXIT_PROBLEMS
    previous = signal.signal(signal.SIGTERM, _interrupt)  # a cancelled CI job: as Ctrl-C
    try:
        build(config)
    except KeyboardInterrupt:
        if plugin.build is not None:
            plugin.build.close()
        print(f"error: the build was stopped; {target} is unchanged", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (MkDocsException, OSError) as error:
        print(f"{error}\nerror: the build failed; {target} is unchanged", file=sys.stderr)
        return EXIT_PROBLEMS
    except Exception as error:  # a fault in Cairn or a library, not in the user's files
        if debug:
            raise
        print(
            f"error: the build stopped: {type(error).__name__}: {error}\n"
            f"{target} is unchanged. This is a fault in Cairn, not in your files: please report it "
            "with the output of the same command run with --debug",
            file=sys.stderr,
        )
        return EXIT_PROBLEMS
    finally:
        signal.signal(signal.SIGTERM, previous)
    print(f"built {target} in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return EXIT_OK


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _serve(config_file: Path, address: str) -> int:
    if not _report(config_file, strict=False):
        return EXIT_PROBLEMS
    from mkdocs.commands.serve import serve

    _setup_logging(logging.INFO)
    serve(str(config_file), dev_addr=address, livereload=True)
    return EXIT_OK


def _make_planner(config_file: Path) -> int:
    """`python build.py planner`: the planner's pages, written whole into the private folder.

    Not part of `build`: it names every member of staff and is for the people who plan PD on
    their own computer, while CI (which publishes site/ and throws the private folder away)
    would remake 5,000 pages on every change (measured: one changed award took 53 s, not 10)."""
    import shutil

    from cairn.insights.planner import PLANNER_DIR, private_files
    from cairn.sources.folders import check_sources

    config = _mkdocs_config(config_file)
    settings = _settings(config)
    problems = Problems(settings.root)
    check_sources(settings, problems)  # the private folder is never inside the site or a source folder
    district, problems = load_district(_sources(config_file, config), settings.today, problems)
    roles = read_role_groups(settings.earners_dir, problems)
    if problems.errors:
        for problem in sorted(dict.fromkeys(problems.items)):
            print(problem, file=sys.stderr)
        print(f"{len(problems.errors)} error(s): fix them and run again; no planner was written", file=sys.stderr)
        return EXIT_PROBLEMS
    files = private_files(district, settings, roles)
    private = settings.private_dir
    private.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder, new, old = private / PLANNER_DIR, private / f".{PLANNER_DIR}.new", private / f".{PLANNER_DIR}.old"
    for leftover in (new, old):  # a run that was stopped
        shutil.rmtree(leftover, ignore_errors=True)
    for path, content in files:
        target = new / path.removeprefix(f"{PLANNER_DIR}/")
        for parent in reversed([d for d in target.parents if d == new or new in d.parents]):
            if not parent.is_dir():
                parent.mkdir(mode=0o700)
        target.write_bytes(content)
        target.chmod(0o600)
    # The old planner goes aside, the new one takes its name, the old one goes: never a half of each.
    if folder.exists():
        folder.rename(old)
    new.rename(folder)
    shutil.rmtree(old, ignore_errors=True)
    print(
        f"the PD planner ({len(files):,} files, every member of staff: keep it private): {folder / 'index.html'}",
        file=sys.stderr,
    )
    return EXIT_OK


def _serve_private(config_file: Path, address: str) -> int:
    """The planner's pages, made afresh, on 127.0.0.1 only, until Ctrl-C."""
    import functools
    import http.server

    from cairn.insights.planner import PLANNER_DIR

    host, _, port = address.rpartition(":")
    if host not in ("127.0.0.1", "localhost") or not port.isdigit():
        print(
            f"error: --address {address}: the planner names every member of staff, so it is served on this "
            "computer only: give 127.0.0.1:<port>",
            file=sys.stderr,
        )
        return EXIT_USAGE
    made = _make_planner(config_file)
    if made != EXIT_OK:
        return made
    folder = _settings(_mkdocs_config(config_file)).private_dir / PLANNER_DIR

    class Handler(http.server.SimpleHTTPRequestHandler):
        def end_headers(self) -> None:
            self.send_header("X-Robots-Tag", "noindex")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Referrer-Policy", "no-referrer")
            super().end_headers()

        def parse_request(self) -> bool:
            # Another site's page may not reach this server by a name of its own (DNS rebinding).
            if not super().parse_request():
                return False
            name = (self.headers.get("Host") or "").rpartition(":")[0]
            if name not in ("127.0.0.1", "localhost"):
                self.send_error(421, "this server answers to 127.0.0.1 and localhost only")
                return False
            return True

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the stdlib's name)
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", int(port)), functools.partial(Handler, directory=folder))
    print(f"Serving the PD planner (private) at http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C stops it)")
    sys.stdout.flush()
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.server_close()
    print("stopped", file=sys.stderr)
    return EXIT_OK


def _new_credential(config_file: Path, target: str) -> int:
    from cairn.commands.scaffold import ScaffoldError, new_credential, topic_for_stack

    parts = target.strip("/").split("/")
    if len(parts) != 2 or not all(is_id(part) for part in parts):
        print(f"error: '{target}' should be <stack>/<id>; {ID_HINT}", file=sys.stderr)
        return EXIT_USAGE
    config = _mkdocs_config(config_file)
    sources = _sources(config_file, config)
    district, _ = load_district(sources, _today(config), Problems(sources.root))
    if parts[1] in district.credentials or any(parts[1] in c.aliases for c in district.credentials.values()):
        print(f"error: a credential with id or alias '{parts[1]}' already exists", file=sys.stderr)
        return EXIT_PROBLEMS
    first_topic = topic_for_stack(district, parts[0])
    try:
        written = new_credential(sources.catalog, parts[0], parts[1], first_topic)
    except ScaffoldError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_PROBLEMS
    for path in written:
        print(f"wrote {path.relative_to(sources.root)}")
    print(
        "the new spec is a draft: replace every 'TODO:' with its own words (check refuses them),"
        " set 'status: active', then run python build.py check"
    )
    return EXIT_OK


def refuse(problems: list[Problem], why: str) -> int:
    """Print every problem that stops a command, and how many and why, then the exit code."""
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{len(problems)} problem(s) {why}", file=sys.stderr)
    return EXIT_PROBLEMS


# The problems `ids` itself mends: what it writes.
IDS_FILL_IN = ("this award has no ", "a public earner needs a slug")


def _ids(config_file: Path) -> int:
    from cairn.commands.ids import assign_missing_ids, award_met_milestones

    config = _mkdocs_config(config_file)
    sources = _sources(config_file, config)
    # Ids, salts and status indices are given only to awards `check` accepts once they have
    # them: a status index spent on an award that is then corrected away is lost for good.
    _, found = load_district(sources, _today(config))
    blocking = [p for p in found.errors if not p.message.startswith(IDS_FILL_IN)]
    if blocking:
        return refuse(blocking, "to fix first: ids are written only for awards check accepts (nothing was written)")
    problems = Problems(sources.root)
    files = [p for p in sorted(sources.earners.glob("*.y*ml")) if not p.name.startswith(("_", "."))]
    changed = assign_missing_ids(files, problems, sources.earners / STATUS_FILE)
    # Milestones are judged on the awards as check reads them, with the ids just written.
    district, _ = load_district(sources, _today(config))
    for path, count in award_met_milestones(district, problems, sources.earners / STATUS_FILE).items():
        changed[path] = changed.get(path, 0) + count
    for problem in problems.errors:
        print(problem, file=sys.stderr)
    for path, count in changed.items():
        print(f"{path.relative_to(sources.root)}: {count} addition(s)")
    print(
        f"{len(changed)} file(s) given missing award ids, salts, status indices or slugs, or milestones reached",
        file=sys.stderr,
    )
    return EXIT_PROBLEMS if problems.errors else EXIT_OK


def _verify(config_file: Path, badge: str, email: str | None) -> int:
    from cairn.commands.verify import verify_badge

    config = _mkdocs_config(config_file)
    issuer = _issuer(config)
    verdict = verify_badge(
        badge, site_url=issuer.site_url, site_dir=Path(config.site_dir), email=email, today=_today(config)
    )
    print(verdict.report())
    return EXIT_OK if verdict.valid else EXIT_PROBLEMS
