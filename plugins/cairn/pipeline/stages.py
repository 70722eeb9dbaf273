"""One build, in the order the data flows: load and validate → plan what changed → make
pages, files, images and signatures → publish. It knows nothing of MkDocs: a generator's
adapter calls these stages and renders the pages it is handed (see adapters/mkdocs/).

Nothing reaches site/ or the private folder before `publish`; a build that fails or is
killed at any point leaves both as the last finished build left them (pipeline/publish.py).
"""

from __future__ import annotations

import fcntl
import functools
import itertools
import json
import logging
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from cairn import reports
from cairn.insights.roles import read_role_groups
from cairn.issue import files as issue
from cairn.issue.keys import ALLOW_DEVELOPMENT_VARIABLE, KeyProblem, is_local_site, load_signing_key
from cairn.issue.ob3 import did_web, public_key_from_multibase
from cairn.model import District, Earner
from cairn.pages import csp, insights, markdown, sitemap
from cairn.pages.data import (
    PageSpec,
    Sharing,
    home_data,
    page_search_entries,
    profile_page,
    profile_search_entry,
    profile_standing,
    site_pages,
    standalone_pages,
)
from cairn.people import Profile, TopicExperts, experts_by_topic, profiles
from cairn.pipeline.cache import CatalogDigests, ContentCache, Fingerprints
from cairn.pipeline.progress import Timings, stage
from cairn.pipeline.publish import (
    OutputFolder,
    Publication,
    as_published,
    manifest_path,
    prune_manifests,
    stage_folder,
)
from cairn.pipeline.unchanged import Stamp, forget_stamp, input_stamp, read_stamp, write_stamp
from cairn.pipeline.workers import fork_map
from cairn.settings import Settings
from cairn.sources.folders import check_sources, private_folder
from cairn.sources.load import Sources, load_district
from cairn.sources.problems import Problem, Problems, ProblemsFound
from cairn.urls import PATHS, Urls, file_of, page_of

log = logging.getLogger("mkdocs.plugins.cairn")

SearchEntries = list[dict[str, Any]]

AWARDS_PER_SLICE = 500  # award files are made by forked workers about this many awards at a time
PROFILES_PER_SLICE = 100
PAGES_PER_SLICE = 25  # generated pages: a credential's takes about 10 ms


class BuildFailed(Exception):
    """The build cannot go on; the message says why and what to do. Nothing was published."""


class PageRenderer(Protocol):
    """What a generator's adapter does for the core: render a page spec into HTML."""

    def prepare(self, sample: list[PageSpec], markdown: bool = False) -> None: ...

    def render(self, spec: PageSpec) -> bytes: ...

    def render_page(self, spec: PageSpec) -> tuple[bytes, SearchEntries | None]:
        """A page with its Markdown, and the search entries the generator makes of it."""
        ...


# What the generator's cached search entries of a page hold; a new value is a miss for every page
# cached before. 2: tables left out of them (adapters/mkdocs/plugin.py, on_page_content).
SEARCH_ENTRIES = "search-entries 2"


@dataclass
class Plan:
    """Stage 2's result: what the generator renders, with what data."""

    pages: list[PageSpec]  # generated pages, in a stable order
    home: dict[str, Any]  # data for the district's home page


class Build:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.cache = ContentCache(settings.cache_dir, enabled=settings.use_cache)
        self._lock: int | None = None
        self.site: OutputFolder | None = None
        self.private: OutputFolder | None = None
        self.timings = Timings()
        self.stamp: Stamp | None = None  # of the inputs as this build found them (pipeline/unchanged.py)
        self.notices: list[str] = []  # the warnings it gave, said again by a build that finds nothing changed

    # -- 0. nothing changed? -------------------------------------------------------------------

    def unchanged(self) -> bool:
        """True when the inputs are those of the last finished build and site/ and the private
        folder are as it left them: then there is nothing to do, and its warnings are said again.
        (A district's 5,000 earner files took 3 s to read and find unchanged.)"""
        settings = self.settings
        if not settings.use_cache or settings.serving:
            return False
        recorded = read_stamp(settings.cache_dir)
        if recorded is None or recorded[0] != input_stamp(settings).digest:
            return False
        self._lock_private()
        cache_dir = settings.cache_dir
        if (
            Publication(cache_dir).journal.exists()  # a commit did not finish: the build puts things right
            or not as_published(settings.site_dir, manifest_path(cache_dir, settings.site_dir), owned=True)
            or not as_published(settings.private_dir, manifest_path(cache_dir, settings.private_dir), owned=False)
        ):
            self._unlock()  # for the build that follows (stage folders stay: a journal may need them)
            return False
        for notice in recorded[1]:
            log.warning(notice)
        self.timings.end("check")
        log.info(f"cairn: nothing changed since the last build: {settings.site_dir} is as it left it")
        self.timings.report()
        self.close()
        return True

    # -- 1. load and validate ------------------------------------------------------------------

    def load(self) -> list[Problem]:
        """Read and check every source; returns the warnings. Raises BuildFailed with every
        problem listed when there is an error (or a warning, when strict)."""
        settings = self.settings
        if settings.use_cache and not settings.serving:
            self.stamp = input_stamp(settings)  # before reading: a file changed while we read builds again
        problems = Problems(settings.root)
        # Where the settings put things, and every symbolic link in the source folders, first:
        # the private folder (and the cache in it) is touched only when all of it is sound.
        check_sources(settings, problems)
        sound = not problems.errors
        if sound:
            try:
                private_folder(settings.private_dir)
            except OSError as error:
                raise BuildFailed(f"cairn private_dir '{settings.private_dir}': {error.strerror}") from None
        sources = Sources(catalog=settings.catalog_dir, earners=settings.earners_dir, root=settings.root)
        district, problems = load_district(sources, settings.today, problems, cache=self.cache if sound else None)
        self.roles = read_role_groups(settings.earners_dir, problems)  # earners/_roles.yml, for insights
        if sound:
            self.cache.flush()
        problems.items = list(dict.fromkeys(problems.items))  # a link the loader met was reported above too
        try:
            problems.raise_if_errors(strict=settings.strict)
        except ProblemsFound as found:
            raise BuildFailed(found.report()) from None
        self.district: District = district
        try:
            # A development key signs only a local site, unless `build --allow-development-key` said so.
            key, made = load_signing_key(
                settings.signing_key,
                settings.create_development_key,
                site_url=settings.issuer.site_url,
                allow_development=os.environ.get(ALLOW_DEVELOPMENT_VARIABLE) == "1",
            )
        except KeyProblem as error:
            raise BuildFailed(f"cairn: {error}") from None
        self.notices = [str(warning) for warning in problems.warnings]
        if made:
            log.warning(
                f"cairn: made a development signing key at {settings.signing_key}; it is for trials only: "
                "make the district's key with `python build.py key` before publishing"
            )
        if key.development and not is_local_site(settings.issuer.site_url):  # allowed, for a trial
            notice = (
                f"cairn: signing a site for {settings.issuer.site_url} with the development key {key.source}: "
                "for a trial only; its credentials stop verifying when the key is made again"
            )
            log.warning(notice)
            self.notices.append(notice)
        for retired in settings.retired_keys:
            try:
                public_key_from_multibase(retired)
            except ValueError as error:
                raise BuildFailed(f"{settings.config_file.name}: cairn retired_keys: {error}") from None
        self.signer = issue.Signer(key, did_web(settings.issuer.site_url), self.cache)
        awards = sum(len(earner.awards) for earner in district.earners)
        warned = f", {len(problems.warnings)} warning(s)" if problems.warnings else ", no problems"
        log.info(
            f"cairn: checked {len(district.published):,} credentials, {len(district.earners):,} earners and "
            f"{awards:,} awards{warned}"
        )
        self.timings.end("load")
        return problems.warnings

    # -- 2. plan: what is shown, and what changed since the last finished build ------------------

    def plan(self) -> Plan:
        settings, district = self.settings, self.district
        self.sharing = Sharing(settings.issuer.site_url, settings.issuer.name, settings.linkedin_organization_id)
        self.people: list[Profile] = profiles(district, settings.today)
        self.by_topic: list[TopicExperts] = experts_by_topic(district, self.people)
        pages = site_pages(district, self.sharing, self.people, self.by_topic)
        pages += insights.insights_pages(district, settings, self.roles)  # /insights/, unless turned off
        self.badges = issue.badge_images(district, self.cache)
        self._open_outputs()
        self.csp = csp.Policy(settings.issuer.site_url, serving=settings.serving)
        self.site_digest = ContentCache.key(site_digest(settings), self.csp.identity(), markdown.identity())
        self.catalog = CatalogDigests(district, self.badges)
        self.fingerprints = Fingerprints()
        self.fingerprints.seed(district.earners)
        self.fingerprints.seed_profiles(self.people, self.catalog, settings.today)
        self.fingerprints.seed_experts(self.by_topic)
        self._page_keys: dict[str, str] = {}
        self.own_pages: list[PageSpec] = []
        self.timings.end("plan")
        return Plan(pages=pages, home=home_data(district) | insights.home_data(settings))

    def _open_outputs(self) -> None:
        """One build at a time; a commit that did not finish is undone before any manifest is read."""
        settings = self.settings
        cache_dir = settings.cache_dir
        self._lock_private()
        self.publication = Publication(cache_dir)
        recovered = self.publication.recover()
        if recovered:
            log.warning(f"cairn: {recovered}")
        prune_manifests(cache_dir)
        self.site = OutputFolder(settings.site_dir, manifest_path(cache_dir, settings.site_dir), owned=True)
        foreign = self.site.foreign_folder()
        if foreign:
            shown = ", ".join(foreign[:3]) + (" …" if len(foreign) > 3 else "")
            raise BuildFailed(
                f"site_dir {settings.site_dir} holds {len(foreign):,} file(s) that Cairn did not make ({shown}), and "
                "publishing removes every file it did not make: choose an empty or new folder, or empty this one"
            )
        self.private = OutputFolder(
            settings.private_dir, manifest_path(cache_dir, settings.private_dir), owned=False, private=True
        )

    def _lock_private(self) -> None:
        """One build at a time per private folder (a second waits for nothing: it is refused)."""
        if self._lock is not None:
            return
        cache_dir = self.settings.cache_dir
        cache_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._lock = os.open(cache_dir / "build.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._lock)
            self._lock = None
            raise BuildFailed(
                f"another build is running with the private folder {self.settings.private_dir}: wait for it to finish"
            ) from None

    @property
    def generator_output(self) -> Path:
        """Where the generator writes its own pages, to be published with the rest."""
        return stage_folder(self.settings.site_dir) / "generator"

    # -- 3. make: pages (rendered by the generator), profiles, badge files, feeds ----------------

    def kept_page(self, spec: PageSpec) -> SearchEntries | None:
        """The search entries the generator gave a generated page whose data, templates and
        settings are those of its published HTML: it is not rendered again (600 pages took 10 s
        of a rebuild). None when the generator must render it. The index takes them through
        pages/data.page_search_entries, as it takes a freshly rendered page's."""
        assert self.site is not None
        key = self._page_key(spec)
        entries = self._cached_entries(key)
        if entries is None or not self.site.keep_group(f"page:{spec.src_uri}", key):
            self._page_keys[spec.src_uri] = key
            return None
        return entries

    def _page_key(self, spec: PageSpec) -> str:
        return ContentCache.key(
            "page", SEARCH_ENTRIES, self.site_digest, self.settings.today.isoformat(), spec.template, spec.title,
            spec.description, spec.markdown, repr(spec.tags), self.fingerprints.of(spec.data),
        )  # fmt: skip

    def pages(self, specs: list[PageSpec], renderer: PageRenderer, searched: bool) -> SearchEntries:
        """Generated pages that are not in the navigation (credentials, topics, stacks, schools),
        rendered like profiles: only when their key changed, across the cores, the blocks each
        kind of page shares rendered once. Returns their search entries (none unless `searched`),
        in the order of `specs`. (MkDocs rendered 600 such pages on one core in 6-9 s and read
        every kept page's Markdown again: 1.1 s of a rebuild.)"""
        site = self.site
        assert site is not None
        self.timings.end("profiles")
        self.own_pages = specs  # in the sitemap with the profiles (publish)
        found: dict[str, SearchEntries] = {}
        kinds: dict[tuple[int, str], list[tuple[PageSpec, str]]] = {}
        for spec in specs:
            key = self._page_key(spec)
            cached = self._cached_entries(key) if searched else []
            if cached is not None and site.keep_group(f"page:{spec.src_uri}", key):
                found[spec.src_uri] = cached
            else:  # pages at one depth with one template share Material's blocks
                kinds.setdefault((spec.src_uri.count("/"), spec.template), []).append((spec, key))

        def render_slice(pending: list[tuple[PageSpec, str]], index: int) -> list[tuple[Any, ...]]:
            result = []
            for spec, key in pending[index * PAGES_PER_SLICE : (index + 1) * PAGES_PER_SLICE]:
                path = file_of(page_of(spec.src_uri))
                html, entries = renderer.render_page(spec)
                staged = site.write_group_files([(path, self.csp.secure(html, path))])
                result.append((spec.src_uri, key, [path], *staged, entries))
            return result

        made = 0
        for pending in kinds.values():
            renderer.prepare([spec for spec, _ in pending[:2]], markdown=True)
            slices = -(-len(pending) // PAGES_PER_SLICE)
            for batch in fork_map(functools.partial(render_slice, pending), slices):
                for uri, key, paths, count, size, entries in batch:
                    site.record_group(f"page:{uri}", key, paths, count, size)
                    if searched and entries is not None:
                        self.cache.put(ContentCache.key("search-entries", key), json.dumps(entries).encode())
                    found[uri] = entries or []
                    made += 1
        log.info(f"cairn: generated pages: {made:,} made, {len(specs) - made:,} unchanged")
        self.timings.end("pages")
        if not searched:
            return []
        return [
            entry for spec in specs for entry in page_search_entries(spec, page_of(spec.src_uri), found[spec.src_uri])
        ]

    def _cached_entries(self, key: str) -> SearchEntries | None:
        raw = self.cache.get(ContentCache.key("search-entries", key))
        if raw is None:
            return None
        try:
            entries = json.loads(raw)
        except ValueError:
            return None
        ok = isinstance(entries, list) and all(isinstance(e, dict) for e in entries)
        return entries if ok else None

    def page_rendered(self, spec: PageSpec, dest: str, html: bytes, entries: SearchEntries | None) -> bool:
        """A freshly rendered generated page, staged as one group; False for a page that is not
        Cairn's to publish (the generator writes it)."""
        assert self.site is not None
        key = self._page_keys.get(spec.src_uri)
        if key is None:
            return False
        self.site.write_group(f"page:{spec.src_uri}", key, [(dest, self.csp.secure(html, dest))])
        if entries is not None:
            self.cache.put(ContentCache.key("search-entries", key), json.dumps(entries).encode())
        return True

    def profiles(self, renderer: PageRenderer) -> SearchEntries:
        """Public profiles, rendered only when something they show changed, across the cores;
        returns every profile's search entry (one search box for everything)."""
        site = self.site
        assert site is not None
        self.timings.end("markdown")  # the generator read the generated pages' Markdown before this
        pending, entries = [], []
        for profile in self.people:
            url = PATHS.earner(profile.slug)
            key = ContentCache.key(
                "profile-page", self.site_digest, self.catalog.for_profile(profile.earner),
                self.settings.today.isoformat(), earner_key(profile.earner),
            )  # fmt: skip
            if not site.keep_group(f"page:{url}", key):
                pending.append((profile, f"page:{url}", key))
            entries.append(profile_search_entry(profile).document(url))
        renderer.prepare([self._profile_page(p) for p, _, _ in pending[:2]])

        def render_slice(index: int) -> list[tuple[str, str, list[str], int, int]]:
            result = []
            for profile, group, key in pending[index * PROFILES_PER_SLICE : (index + 1) * PROFILES_PER_SLICE]:
                path = file_of(PATHS.earner(profile.slug))
                html = self.csp.secure(renderer.render(self._profile_page(profile)), path)
                result.append((group, key, [path], *site.write_group_files([(path, html)])))
            return result

        slices = -(-len(pending) // PROFILES_PER_SLICE)
        for made in stage(fork_map(render_slice, slices), "making profile pages", len(pending), "page", len):
            for group, key, paths, count, size in made:
                site.record_group(group, key, paths, count, size)
        unchanged = len(self.people) - len(pending)
        log.info(f"cairn: profiles of public earners: {len(pending):,} made, {unchanged:,} unchanged")
        return entries

    def _profile_page(self, profile: Profile) -> PageSpec:
        """A profile's page, with what its badges count for (made of what its key holds:
        CatalogDigests.for_profile, the day and the earner)."""
        return profile_page(profile, self.sharing, profile_standing(self.district, profile, self.settings.today))

    def standalone_pages(self) -> list[Any]:
        return standalone_pages(self.district, self.people, self.sharing)

    def make_files(self, standalone: list[tuple[str, bytes]]) -> None:
        """Everything besides pages: badge images, Open Badges 2.0 and 3.0 files, feeds, share
        images and QR codes, the verify page's names, award links and delivery packages, and the
        private reports (renewals, HR's recognition report)."""
        self.timings.end("navigation")  # the generator rendered the pages in the navigation
        site, private = self.site, self.private
        assert site is not None and private is not None
        district, issuer, signer = self.district, self.settings.issuer, self.signer
        site.write_all((PATHS.badge_image(cid), png) for cid, png in self.badges.items())
        site.write_all(issue.ob2_shared_files(district, issuer))
        site.write_all(issue.feed_files(district, issuer, self.by_topic))
        site.write_all(issue.verify_name_files(self.people, issuer.site_url))
        site.write_all(issue.share_files(district, issuer, self.badges, self.cache))
        site.write_all(
            (path, self.csp.secure(html, path) if path.endswith(".html") else html) for path, html in standalone
        )
        site.write_all(issue.ob3_shared_files(district, issuer, signer, list(self.settings.retired_keys)))
        self._award_files()
        private.write("award-links.csv", self._award_links())
        renewals = issue.renewals_csv(district, issuer, self.settings.today, self.settings.renewals_within_days)
        private.write("renewals.csv", renewals)
        # HR's recognition report is made again only when an earner or what it reads changed.
        year_starts = self.settings.school_year_starts
        report_key = reports.report_key(district, issuer.name, map(earner_key, district.earners), year_starts)
        if not private.keep_group("recognition-report", report_key):
            report = reports.private_files(district, issuer.name, year_starts)
            private.record_group(
                "recognition-report", report_key, [p for p, _ in report], *private.write_group_files(report)
            )
        self.timings.end("files")

    def _award_links(self) -> bytes:
        """award-links.csv, each earner's rows kept from the last build unless the earner, the
        credentials they hold or the site's address changed (made afresh, 50,000 rows took 1 s)."""
        issuer, district = self.settings.issuer, self.district
        entry = ContentCache.key("award-link-rows", repr(issue.AWARD_LINK_COLUMNS))
        try:
            known = json.loads(self.cache.get(entry) or b"{}")
        except ValueError:
            known = {}
        if not isinstance(known, dict):
            known = {}
        used: dict[str, str] = {}
        urls = Urls(issuer.site_url)

        def rows_of(earner: Earner) -> str:
            key = ContentCache.key(earner_key(earner), self.catalog.for_awards(earner), issuer.site_url)
            rows = known.get(key)
            if not isinstance(rows, str):
                rows = issue.award_link_rows(district, urls, earner)
            used[key] = rows
            return rows

        made = issue.award_links_csv(district, issuer, rows_of)
        if used != known:
            self.cache.put(entry, json.dumps(used).encode())
        return made

    def _award_files(self) -> None:
        """Each earner's award files, made again only when the earner's record, the catalog or
        the settings changed since the last finished build."""
        site, private = self.site, self.private
        assert site is not None and private is not None
        issuer = self.settings.issuer
        # repr leaves out fields marked repr=False (the issuer's image, an earner's email): add them.
        settings = ContentCache.key(repr(issuer), issuer.image_png or b"", self.signer.verification_method)
        pending = []
        for earner in self.district.earners:
            group = f"earner:{earner.source.name}"
            key = ContentCache.key("earner-files", settings, self.catalog.for_awards(earner), earner_key(earner))
            kept = [site.keep_group(group, key), private.keep_group(group, key)]
            if not all(kept):
                pending.append((earner, group, key))
        # Slices of about 500 awards, each made, signed and staged by a forked worker; the
        # first here, so the document shapes fastcanon learns from it are inherited.
        slices = list(_slices(pending, AWARDS_PER_SLICE))
        results = itertools.chain(
            (self._issue_slice(chunk) for chunk in slices[:1]),
            fork_map(lambda index: self._issue_slice(slices[index + 1]), len(slices) - 1),
        )
        for made in stage(results, "issuing badge files", len(pending), "earner", len):
            for group, key, site_files, private_files in made:
                site.record_group(group, key, *site_files)
                private.record_group(group, key, *private_files)
        awards = sum(len(earner.awards) for earner, _, _ in pending)
        unchanged = len(self.district.earners) - len(pending)
        log.info(
            f"cairn: badge files: {awards:,} awards of {len(pending):,} earners issued and signed, "
            f"{unchanged:,} earners unchanged"
        )

    def _issue_slice(self, chunk: list[tuple[Earner, str, str]]) -> list[tuple[str, str, tuple, tuple]]:
        """Make and stage the award files of some earners (in a worker); returns what the
        parent records: per earner its group, key, and (paths, count, bytes) per folder."""
        site, private = self.site, self.private
        assert site is not None and private is not None
        earners = [earner for earner, _, _ in chunk]
        made = issue.earner_files(earners, self.district, self.settings.issuer, self.signer, self.badges)
        result = []
        for (_, group, key), files in zip(chunk, made, strict=True):
            staged_site = site.write_group_files(files.site)
            staged_private = private.write_group_files(files.private)
            result.append(
                (
                    group,
                    key,
                    ([p for p, _ in files.site], *staged_site),
                    ([p for p, _ in files.private], *staged_private),
                )
            )
        return result

    # -- 4. publish ---------------------------------------------------------------------------

    def publish(self) -> None:
        """The generator's own output joins Cairn's files, then both folders change at once."""
        site, private = self.site, self.private
        assert site is not None and private is not None
        output = self.generator_output
        urls = PATHS.at(self.settings.issuer.site_url)
        own = [urls.home() + page_of(spec.src_uri) for spec in self.own_pages]
        sitemap.add_urls(output, own + [urls.earner(p.slug) for p in self.people])
        # The content folder's own header rules (if any) follow Cairn's in the one file.
        own_headers = output / csp.HEADERS_FILE
        district_rules = own_headers.read_bytes() if own_headers.is_file() else b""
        own_headers.unlink(missing_ok=True)
        site.adopt_tree(output, html=self.csp.secure)
        site.write(csp.HEADERS_FILE, csp.headers_file(site.paths(), district_rules))
        self.publication.commit([site, private])
        for name, folder in (("the site", site), ("the private folder", private)):
            stats = folder.stats
            log.info(
                f"cairn: published {name} {folder.root}: {stats.written:,} files new or changed "
                f"({stats.bytes_written / 1e6:,.1f} MB), {stats.kept:,} unchanged, {stats.deleted:,} removed"
            )
        if site.stats.foreign:
            shown = ", ".join(site.stats.foreign[:5]) + (" …" if len(site.stats.foreign) > 5 else "")
            log.warning(
                f"cairn: removed {len(site.stats.foreign)} file(s) from {self.settings.site_dir} that no source makes "
                f"({shown}); files the site needs as they are (CNAME, .nojekyll) belong in the content folder"
            )
        self.cache.flush()
        if self.stamp is not None:
            write_stamp(self.settings.cache_dir, self.stamp, self.notices)
        elif not self.settings.serving:
            forget_stamp(self.settings.cache_dir)
        self.close()
        links = self.settings.private_dir / "award-links.csv"
        log.info(f"cairn: award links to send to earners (private: it holds emails) in {links}")
        self.timings.end("publish")
        self.timings.report()

    def close(self) -> None:
        """After publishing, or when the build stops: staged files never outlive their build."""
        for folder in (self.settings.site_dir, self.settings.private_dir):
            shutil.rmtree(stage_folder(folder), ignore_errors=True)
        self._unlock()

    def _unlock(self) -> None:
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None


def _slices(pending: list[tuple[Earner, str, str]], awards: int) -> Iterator[list[tuple[Earner, str, str]]]:
    """`pending` cut into lists whose earners hold about `awards` awards each."""
    chunk: list[tuple[Earner, str, str]] = []
    count = 0
    for item in pending:
        chunk.append(item)
        count += len(item[0].awards)
        if count >= awards:
            yield chunk
            chunk, count = [], 0
    if chunk:
        yield chunk


def earner_key(earner: Earner) -> str:
    """Everything an earner's files and profile take from the earner: the digest of the file
    and the facts it was checked against (load.py), else its fields (repr leaves out the email)."""
    return earner.digest or repr(earner) + "\x00" + earner.email


def site_digest(settings: Settings) -> str:
    """What every page's look depends on besides its own data: the versions of Cairn and the
    generator, mkdocs.yml, the theme overrides and the content pages (the navigation)."""
    folders = [settings.content_dir, *filter(None, [settings.theme_dir])]
    parts: list[str | bytes] = [settings.engine, settings.config_file.read_bytes()]
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            parts += [path.relative_to(folder).as_posix(), path.read_bytes()]
    return ContentCache.key("site", *parts)
