"""The MkDocs adapter: loads the district once, then hands MkDocs generated pages and images.

Everything it does is delegated to the core (load, pages, images); it only translates
into MkDocs' objects, which keeps a move to another generator a bounded change.
"""

from __future__ import annotations

import datetime as dt
import gzip
import itertools
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from markupsafe import escape
from material import __version__ as material_version
from mkdocs import __version__ as mkdocs_version
from mkdocs.commands.build import get_context
from mkdocs.config import config_options as opt
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc
from mkdocs.utils import get_build_date

from cairn.build.cache import CatalogDigests, ContentCache, Fingerprints
from cairn.build.progress import stage
from cairn.build.publish import OutputFolder
from cairn.build.workers import fork_map
from cairn.issue import files as issue
from cairn.issue import images
from cairn.issue.keys import KeyProblem, load_signing_key
from cairn.issue.ob3 import did_web, public_key_from_multibase
from cairn.model import District, Earner, Issuer
from cairn.pages.data import (
    PageSpec,
    Sharing,
    badge_path,
    home_data,
    profile_page,
    profile_search_entry,
    profile_url,
    site_pages,
    standalone_pages,
)
from cairn.pages.markdown import SpecMarkdown
from cairn.people import experts_by_topic, profiles
from cairn.sources.load import Sources, load_district
from cairn.sources.problems import ProblemsFound

log = logging.getLogger("mkdocs.plugins.cairn")


class _QuietSkips(logging.Filter):
    # Pages kept from the last build render empty on purpose (see _keep_page): not news.
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Page skipped")


logging.getLogger("mkdocs.commands.build").addFilter(_QuietSkips())


class IssuerConfig(Config):
    # The district as an Open Badges issuer: public facts only
    name = opt.Type(str)
    url = opt.Type(str)
    email = opt.Type(str)
    description = opt.Type(str, default="")
    image = opt.Optional(opt.Type(str))  # a PNG, relative to mkdocs.yml


class CairnConfig(Config):
    # Where the committee's files live, relative to mkdocs.yml
    catalog_dir = opt.Type(str, default="catalog")
    earners_dir = opt.Type(str, default="earners")

    # Private output (award links with emails), relative to mkdocs.yml; never inside site_dir
    private_dir = opt.Type(str, default="build")

    # Who issues the badges
    issuer = opt.SubConfig(IssuerConfig)

    # LinkedIn's id of the district's page, for "add to profile" links (else the issuer's name is used)
    linkedin_organization_id = opt.Optional(opt.Type(int))

    # Open Badges 3.0 signing: the key file (outside site_dir; never committed) unless the
    # CAIRN_SIGNING_KEY environment variable holds the key; retired public keys stay in the
    # DID document so credentials they signed still verify
    signing_key = opt.Type(str, default="keys/ob3-signing-key.pem")
    retired_keys = opt.ListOfItems(opt.Type(str), default=[])
    create_development_key = opt.Type(bool, default=False)

    # Treat warnings as errors
    strict = opt.Type(bool, default=False)


def issuer_from_config(config: Any, plugin_config: CairnConfig) -> Issuer:
    """The Issuer from mkdocs.yml, or a PluginError that says which setting to fix."""
    site_url = config.site_url or ""
    parts = urlsplit(site_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise PluginError(
            f"mkdocs.yml: site_url '{site_url}' is not an absolute address (badges must point at the "
            "published site: set site_url to e.g. https://badges.example.org/)"
        )
    settings = plugin_config.issuer
    root = Path(config.config_file_path).parent
    image = None
    if settings.image:
        try:
            image = images.normalise_png((root / settings.image).read_bytes())
        except (OSError, images.ImageRejected) as error:
            raise PluginError(f"mkdocs.yml: cairn issuer image '{settings.image}': {error}") from None
    return Issuer(
        name=settings.name,
        url=settings.url,
        email=settings.email,
        description=settings.description,
        site_url=site_url if site_url.endswith("/") else site_url + "/",
        image_png=image,
    )


class CairnPlugin(BasePlugin[CairnConfig]):
    district: District | None = None
    # Set by build.py: MkDocs builds into a staging folder and Cairn brings into this folder
    # only what changed (see output.py). Unset under `mkdocs build`, which empties site_dir.
    publish_dir: Path | None = None

    def on_config(self, config: Any) -> Any:
        root = Path(config.config_file_path).parent
        sources = Sources(catalog=root / self.config.catalog_dir, earners=root / self.config.earners_dir, root=root)
        self.today = dt.date.today()
        self.private_dir = root / self.config.private_dir
        private = self.private_dir.resolve()
        for site_dir in filter(None, (Path(config.site_dir).resolve(), self.publish_dir)):
            if private.is_relative_to(site_dir) or site_dir.is_relative_to(private):
                raise PluginError(f"mkdocs.yml: cairn private_dir '{self.config.private_dir}' must be outside site_dir")
        cache = ContentCache(self.private_dir / ".cache")
        district, problems = load_district(sources, self.today, cache=cache)
        cache.flush()
        try:
            problems.raise_if_errors(strict=self.config.strict)
        except ProblemsFound as found:
            # MkDocs stops before touching site_dir when on_config fails.
            raise PluginError(found.report()) from None
        for warning in problems.warnings:
            log.warning(str(warning))
        self.district = district
        self.sources = sources
        self.issuer = issuer_from_config(config, self.config)
        site_dir = Path(config.site_dir).resolve()
        key_path = (root / self.config.signing_key).resolve()
        published = [site_dir, Path(config.docs_dir).resolve(), *filter(None, [self.publish_dir])]
        if any(key_path.is_relative_to(folder) for folder in published):
            raise PluginError(
                f"mkdocs.yml: cairn signing_key '{self.config.signing_key}' must be outside "
                "site_dir and docs_dir: a private key is never published"
            )
        try:
            key, made = load_signing_key(key_path, self.config.create_development_key)
        except KeyProblem as error:
            raise PluginError(str(error)) from None
        if made:
            log.warning(
                f"cairn: made a development signing key at {key_path}; it is for trials only: "
                "keep a real key out of git and give it with CAIRN_SIGNING_KEY or signing_key"
            )
        for retired in self.config.retired_keys:
            try:
                public_key_from_multibase(retired)
            except ValueError as error:
                raise PluginError(f"mkdocs.yml: cairn retired_keys: {error}") from None
        self.signer = issue.Signer(key, did_web(self.issuer.site_url), cache)
        self.pages: dict[str, PageSpec] = {}
        config.markdown_extensions.append(SpecMarkdown())
        return config

    def on_files(self, files: Files, *, config: Any) -> Files:
        assert self.district is not None
        sharing = self.sharing = Sharing(self.issuer.site_url, self.issuer.name, self.config.linkedin_organization_id)
        # Whether an award has expired is judged on the day of the build.
        people = profiles(self.district, self.today)
        self.people = people
        self.by_topic = experts_by_topic(self.district, people)
        self.pages = {spec.src_uri: spec for spec in site_pages(self.district, sharing, people, self.by_topic)}
        for uri, spec in self.pages.items():
            files.append(File.generated(config, uri, content=spec.markdown))
        if files.get_file_from_path("index.md") is None:
            files.append(File.generated(config, "index.md", content=""))
        self.badges = issue.badge_images(self.district, self.signer.cache)
        for credential_id, png in self.badges.items():
            files.append(File.generated(config, badge_path(credential_id), content=png))
        self.files = files
        # Everything has been checked by now: only from here on may the output folders change.
        self._open_outputs(config)
        return files

    def on_nav(self, nav: Any, *, config: Any, files: Files) -> Any:
        self.nav = nav
        return nav

    def on_page_markdown(self, markdown: str, *, page: Page, config: Any, files: Files) -> str:
        spec = self.pages.get(page.file.src_uri)
        if spec is not None:
            # Material prints meta title and description without escaping (its templates run
            # with autoescape off), so titles that contain '<' arrive already escaped.
            page.meta.update(template=spec.template, title=escape(spec.title), description=escape(spec.description))
            if spec.tags:
                page.meta["tags"] = [escape(tag) for tag in spec.tags]
            if self._keep_page(page, spec):
                return ""
        elif page.is_homepage:
            page.meta.setdefault("template", "home.html")
        return markdown

    def _keep_page(self, page: Page, spec: PageSpec) -> bool:
        """A generated page whose data, templates and settings are those of its published HTML
        is not rendered again: its search entries come from the cache and an empty template
        makes MkDocs skip it. Rendering 600 pages with Material took 10 s of a rebuild."""
        key = ContentCache.key(
            "page", self.site_digest, self.today.isoformat(), spec.template, spec.title, spec.description,
            spec.markdown, repr(spec.tags), self.fingerprints.of(spec.data),
        )  # fmt: skip
        group = f"page:{page.file.src_uri}"
        entries = self.signer.cache.get(ContentCache.key("search-entries", key))
        if entries is None or self.search_index is None or not self.site.keep_group(group, key):
            self.page_keys[page.file.src_uri] = key
            return False
        page.meta.update(template="cairn-kept.html", search={"exclude": True})
        self.kept_entries[page.file.src_uri] = json.loads(entries)  # added when the page's turn comes
        return True

    @event_priority(100)  # before the search plugin adds this page's entries
    def on_page_context(self, context: dict[str, Any], *, page: Page, config: Any, nav: Any) -> dict[str, Any]:
        assert self.district is not None
        spec = self.pages.get(page.file.src_uri)
        context["cairn"] = dict(spec.data) if spec else {}
        if page.is_homepage:
            context["cairn"].update(home_data(self.district))
        if self.search_index is not None:
            # In page order, as the search plugin would add them, so the index is the same bytes.
            self.search_index.entries.extend(self.kept_entries.pop(page.file.src_uri, []))
            self.entries_before = len(self.search_index.entries)
        return context

    def on_post_page(self, output: str, *, page: Page, config: Any) -> str:
        """A freshly rendered generated page goes to the site as one group, its search entries
        to the cache; MkDocs, handed nothing, writes nothing."""
        key = self.page_keys.get(page.file.src_uri)
        if key is None or not output.strip():
            return output
        html = output.encode("utf-8", errors="xmlcharrefreplace")
        self.site.write_group(f"page:{page.file.src_uri}", key, [(page.file.dest_uri, html)])
        if self.search_index is not None:
            entries = self.search_index.entries[self.entries_before :]
            self.signer.cache.put(ContentCache.key("search-entries", key), json.dumps(entries).encode())
        return ""

    def on_env(self, env: Any, *, config: Any, files: Files) -> Any:
        # MkDocs renders with autoescape off, which Material's templates rely on. Cairn's own
        # templates (those in custom_dir that do not replace one of Material's) escape every
        # value, so a name like "<script>" is shown as text.
        custom_dir = Path(config.theme.custom_dir) if config.theme.custom_dir else None
        ours = {p.relative_to(custom_dir).as_posix() for p in custom_dir.rglob("*.html")} if custom_dir else set()
        others = [Path(d) for d in config.theme.dirs if custom_dir is None or Path(d) != custom_dir]
        ours = {name for name in ours if not any((d / name).exists() for d in others)}
        env.autoescape = lambda name: name in ours
        self.env = env
        self._profile_pages(config)
        return env

    def _open_outputs(self, config: Any) -> None:
        cache = self.private_dir / ".cache"
        if self.publish_dir is not None:
            self.site = OutputFolder(self.publish_dir, cache / "site-manifest.json")
        else:
            # `mkdocs build` and `mkdocs serve` empty site_dir themselves: write it all.
            self.site = OutputFolder(Path(config.site_dir), None, clean=False)
        self.private = OutputFolder(self.private_dir, cache / "private-manifest.json", clean=False)
        self.search_index = next((p.search_index for p in config.plugins.values() if hasattr(p, "search_index")), None)
        self.page_keys: dict[str, str] = {}
        self.fingerprints = Fingerprints()
        assert self.district is not None
        self.kept_entries: dict[str, list[dict[str, Any]]] = {}
        self.site_digest = site_digest(config)
        self.catalog = CatalogDigests(self.district, self.badges)
        self.fingerprints.seed(self.district.earners)
        self.fingerprints.seed_profiles(self.people, self.catalog, self.today)

    def _profile_pages(self, config: Any) -> None:
        """Profiles are rendered here with Material's templates, outside MkDocs' page pipeline,
        and only when something they show changed; their search entries are added to
        Material's index (one search box for everything)."""
        pending = []
        for profile in self.people:
            url = profile_url(profile.slug)
            key = ContentCache.key(
                "profile-page",
                self.site_digest,
                self.catalog.for_profile(profile.earner),
                self.today.isoformat(),
                earner_key(profile.earner),
            )
            if not self.site.keep_group(f"page:{url}", key):
                pending.append((profile, f"page:{url}", key))
            if self.search_index is not None:
                entry = profile_search_entry(profile)
                text = f"<p>{escape(entry.text)}</p>"
                self.search_index.entries.append(
                    {"location": url, "title": entry.title, "text": text, "tags": list(entry.tags)}
                )
        # Material renders about 110 pages a second on one core: its blocks that come out the
        # same on every profile are rendered once, the rest in slices of 100 across the cores.
        documents = self.files.documentation_pages()
        self.shared_blocks = self._shared_profile_blocks([p for p, _, _ in pending[:2]], config, documents)

        def render_slice(index: int) -> list[tuple[str, str, list[str], int, int]]:
            result = []
            for profile, group, key in pending[index * 100 : index * 100 + 100]:
                path = profile_url(profile.slug) + "index.html"
                html = self._render(profile_page(profile, self.sharing), config, documents, self.shared_blocks)
                result.append((group, key, [path], *self.site.write_group_files(group, [(path, html)])))
            return result

        slices = (len(pending) + 99) // 100
        for made in stage(fork_map(render_slice, slices), "rendering profile pages", slices, "slice"):
            for group, key, paths, count, size in made:
                self.site.record_group(group, key, paths, count, size)
        shared = f" ({len(self.shared_blocks)} of Material's blocks made once)" if self.shared_blocks else ""
        log.info(f"cairn: {len(pending):,} of {len(self.people):,} profile pages rendered{shared}, the rest unchanged")

    def _shared_profile_blocks(self, sample: list[Any], config: Any, documents: Any) -> dict[str, str]:
        """The output of Material's blocks that do not depend on the profile (every profile is at
        earners/<slug>/ and none is in the navigation), to be reused on every profile. Trusted
        only when two profiles give the same blocks and the second, made with the first's
        blocks, is the same bytes as its own full render; else every profile renders in full."""
        if len(sample) < 2:
            return {}
        specs = [profile_page(profile, self.sharing) for profile in sample]
        recorded: list[dict[str, str]] = [{}, {}]
        for spec, blocks in zip(specs, recorded, strict=True):
            self._render(spec, config, documents, record=blocks)
        plain = self._render(specs[1], config, documents)
        if recorded[0] != recorded[1] or self._render(specs[1], config, documents, recorded[0]) != plain:
            log.warning("cairn: profile pages differ in Material's shared blocks; rendering each in full")
            return {}
        return recorded[0]

    def _render(
        self,
        spec: PageSpec,
        config: Any,
        documents: Any,
        shared: dict[str, str] | None = None,
        record: dict[str, str] | None = None,
    ) -> bytes:
        """A page through Material's templates, as MkDocs would render it, minus the Markdown.
        Blocks in `shared` are put in as given; the output of SHARED_BLOCKS goes to `record`."""
        page = Page(str(escape(spec.title)), File.generated(config, spec.src_uri, content=""), config)
        page.meta = {"template": spec.template, "title": escape(spec.title), "description": escape(spec.description)}
        if spec.tags:
            page.meta["tags"] = [escape(tag) for tag in spec.tags]
        page.markdown, page.content, page.toc = "", "", get_toc([])
        page.active = True
        variables = get_context(self.nav, documents, config, page)
        variables["cairn"] = dict(spec.data)
        template = self.env.get_template(spec.template)
        # Jinja's own rendering (Template.render), with some blocks swapped for given text. Blocks
        # put first in the context's lists win: {% extends %} appends each parent's after them.
        context = template.new_context(dict(variables))
        for name, text in (shared or {}).items():
            context.blocks[name] = [lambda _context, text=text: iter((text,))]
        if record is not None:
            for name in SHARED_BLOCKS:
                context.blocks[name] = [_recording(name, record), *context.blocks.get(name, [])]
        html = self.env.concat(template.root_render_func(context))
        return html.encode("utf-8", errors="xmlcharrefreplace")

    @event_priority(-100)  # after the search plugin has written its index into site_dir
    def on_post_build(self, *, config: Any) -> None:
        # Open Badges files are written directly: at 50,000 awards, going through MkDocs'
        # Files collection costs more than the writing itself.
        assert self.district is not None
        site, private = self.site, self.private
        site.write_all(issue.ob2_shared_files(self.district, self.issuer))
        site.write_all(issue.feed_files(self.district, self.issuer, self.by_topic))
        site.write_all(issue.verify_name_files(self.people, self.issuer.site_url))
        site.write_all(issue.share_files(self.district, self.issuer, self.badges, self.signer.cache))
        site.write_all(self._standalone_files())
        site.write_all(issue.ob3_shared_files(self.district, self.issuer, self.signer, self.config.retired_keys))
        self._award_files()
        private.write("award-links.csv", issue.award_links_csv(self.district, self.issuer))
        staging = Path(config.site_dir)
        add_to_sitemap(staging, [self.issuer.site_url + profile_url(p.slug) for p in self.people])
        if self.publish_dir is not None:
            site.copy_tree(staging)
        for name, folder in (("site", site), ("private folder", private)):
            stats = folder.finish()
            log.info(
                f"cairn: {name}: {stats.written:,} files written ({stats.bytes_written / 1e6:,.1f} MB), "
                f"{stats.kept:,} unchanged, {stats.deleted:,} deleted"
            )
        self.signer.cache.flush()
        links = self.private_dir / "award-links.csv"
        log.info(f"cairn: award links for the committee (private, holds emails) in {links}")

    def _award_files(self) -> None:
        """Each earner's award files, made again only when the earner's record, the catalog or
        the settings changed since the last build (see output.py)."""
        assert self.district is not None
        # repr leaves out fields marked repr=False (the issuer's image, an earner's email): add them.
        settings = ContentCache.key(repr(self.issuer), self.issuer.image_png or b"", self.signer.verification_method)
        pending = []
        for earner in self.district.earners:
            group = f"earner:{earner.source.name}"
            key = ContentCache.key("earner-files", settings, self.catalog.for_awards(earner), earner_key(earner))
            kept = [self.site.keep_group(group, key), self.private.keep_group(group, key)]
            if not all(kept):
                pending.append((earner, group, key))
        # Slices of about 500 awards, each made, signed and written by a forked worker; the
        # first here, so the document shapes fastcanon learns from it are inherited.
        slices = list(_slices(pending, AWARDS_PER_SLICE))
        results = itertools.chain(
            (self._issue_slice(chunk) for chunk in slices[:1]),
            fork_map(lambda index: self._issue_slice(slices[index + 1]), len(slices) - 1),
        )
        for made in stage(results, "issuing award files", len(slices), "slice"):
            for group, key, site_files, private_files in made:
                self.site.record_group(group, key, *site_files)
                self.private.record_group(group, key, *private_files)
        log.info(f"cairn: award files of {len(pending):,} of {len(self.district.earners):,} earners made")

    def _issue_slice(self, chunk: list[tuple[Earner, str, str]]) -> list[tuple[str, str, tuple, tuple]]:
        """Make and write the award files of some earners (in a worker); returns what the
        parent records: per earner its group, key, and (paths, count, bytes) per folder."""
        assert self.district is not None
        earners = [earner for earner, _, _ in chunk]
        made = issue.earner_files(earners, self.district, self.issuer, self.signer, self.badges)
        result = []
        for (_, group, key), files in zip(chunk, made, strict=True):
            site = self.site.write_group_files(group, files.site)
            private = self.private.write_group_files(group, files.private)
            result.append((group, key, ([p for p, _ in files.site], *site), ([p for p, _ in files.private], *private)))
        return result

    def _standalone_files(self) -> Iterator[tuple[str, bytes]]:
        for page in standalone_pages(self.district, self.people, self.sharing):
            html = self.env.get_template(page.template).render(**page.context)
            yield page.path, html.encode("utf-8")

    def on_serve(self, server: Any, *, config: Any, builder: Any) -> Any:
        server.watch(str(self.sources.catalog))
        server.watch(str(self.sources.earners))
        return server


AWARDS_PER_SLICE = 500

# Material's blocks whose output is the same on every profile page (see _shared_profile_blocks).
SHARED_BLOCKS = ("styles", "libs", "fonts", "analytics", "tabs", "site_nav", "footer", "config", "scripts")


def _recording(name: str, record: dict[str, str]) -> Any:
    """A block that renders the template's own (the next in Jinja's list: the templates a page
    extends add theirs there as it renders) and records its output."""

    def render(context: Any) -> Iterator[str]:
        text = "".join(context.blocks[name][1](context))
        record[name] = text
        yield text

    return render


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


def site_digest(config: Any) -> str:
    """What every page's look depends on besides its own data: the versions of Cairn, MkDocs
    and Material, mkdocs.yml, the theme overrides and the content pages (the navigation)."""
    folders = [Path(config.docs_dir)]
    if config.theme.custom_dir:
        folders.append(Path(config.theme.custom_dir))
    parts: list[str | bytes] = [mkdocs_version, material_version, Path(config.config_file_path).read_bytes()]
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            parts += [path.relative_to(folder).as_posix(), path.read_bytes()]
    return ContentCache.key("site", *parts)


def add_to_sitemap(site_dir: Path, urls: list[str]) -> None:
    """Profiles are not MkDocs pages, so MkDocs' sitemap leaves them out: add them, in its format."""
    sitemap = site_dir / "sitemap.xml"
    if not urls or not sitemap.is_file():
        return
    day = get_build_date()
    entries = "".join(
        f"    <url>\n         <loc>{escape(url)}</loc>\n         <lastmod>{day}</lastmod>\n    </url>\n" for url in urls
    )
    text = sitemap.read_text(encoding="utf-8").replace("</urlset>", entries + "</urlset>")
    sitemap.write_text(text, encoding="utf-8")
    # Dated like MkDocs' own: midnight of the build day, so rebuilds give the same bytes.
    stamp = int(dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC).timestamp())
    with (
        open(site_dir / "sitemap.xml.gz", "wb") as raw,
        gzip.GzipFile(fileobj=raw, filename="sitemap.xml.gz", mode="wb", mtime=stamp) as packed,
    ):
        packed.write(text.encode("utf-8"))
