"""The URL scheme (decision 1) is spelt once, in plugins/cairn/urls.py: every address it
spells exists in a built site, the documents carry exactly those addresses, and no template
or script under theme/ spells a path of the scheme itself."""

from __future__ import annotations

import datetime as dt
import html
import inspect
import json
import re
from pathlib import Path

import pytest
from cairn.model import District
from cairn.people import profiles, shown_awards
from cairn.sources.load import Sources, load_district
from cairn.urls import PATHS, TEMPLATE_URLS, Urls, did_document_path, file_of, source_of
from conftest import REPO

SITE_URL = "http://127.0.0.1:8000/"  # the sample's site_url
THEME = REPO / "theme"


def _district(project: Path) -> District:
    district, problems = load_district(
        Sources(catalog=project / "catalog", earners=project / "earners", root=project), dt.date.today()
    )
    assert not problems.errors
    return district


def _methods() -> dict[str, inspect.Signature]:
    """Every address Urls spells: its public methods, bar `at`."""
    return {
        name: inspect.signature(member)
        for name, member in inspect.getmembers(Urls, inspect.isfunction)
        if not name.startswith("_") and name != "at"
    }


def _call(urls: Urls, name: str, value: str = "x1") -> str:
    arguments = [1 if p.annotation in ("int", int) else value for p in list(_methods()[name].parameters.values())[1:]]
    return getattr(urls, name)(*arguments)


# -- the module ----------------------------------------------------------------------------


def test_absolute_urls_are_the_site_url_followed_by_the_site_relative_path() -> None:
    for base in (SITE_URL, "https://example.github.io/district/"):
        urls = PATHS.at(base)
        assert urls == Urls(base)
        for name in _methods():
            if name in ("badge_fragment", "did_document"):
                continue
            assert _call(urls, name) == base + _call(PATHS, name), name
    assert PATHS.badge_fragment("x1") == Urls(SITE_URL).badge_fragment("x1") == "badge-x1"
    assert Urls(SITE_URL).did_document() == SITE_URL + ".well-known/did.json"
    assert Urls("https://example.github.io/district/").did_document() == "https://example.github.io/district/did.json"
    assert did_document_path("https://example.github.io/district/") == "did.json"
    assert TEMPLATE_URLS is PATHS


def test_site_relative_paths_are_relative_and_pages_are_folders() -> None:
    for name in _methods():
        path = _call(PATHS, name)
        assert not path.startswith(("/", "http")), name
        assert "//" not in path, name
    for page in ("catalog", "credential", "stacks", "stack", "topics", "topic", "experts", "schools", "school"):
        assert _call(PATHS, page).endswith("/"), page
    assert source_of(PATHS.stack("a")) == "stacks/a/index.md"
    assert file_of(PATHS.earner("a")) == "earners/a/index.html"


# -- the built site ------------------------------------------------------------------------


def _page(site: Path, path: str) -> Path:
    """The file that serves a site-relative address (a page, a file, or a page with a query)."""
    path = path.split("#")[0].split("?")[0]
    return site / (file_of(path) if path.endswith("/") or not path else path)


def test_every_address_the_scheme_spells_for_the_sample_exists_in_the_built_site(sample_site: Path) -> None:
    project = sample_site.parent
    district = _district(project)
    people = profiles(district, dt.date.today())
    shown = {a.id for p in people for a in shown_awards(p.earner)}
    expected: list[str] = [
        PATHS.home(),
        PATHS.catalog(),
        PATHS.stacks(),
        PATHS.topics(),
        PATHS.experts(),
        PATHS.schools(),
        PATHS.verify(),
        PATHS.insights(),
        PATHS.issuer(),
        PATHS.revocations(),
        PATHS.status_list(1),
        did_document_path(SITE_URL),
        PATHS.api_credentials(),
        PATHS.api_experts(),
        *(PATHS.verify_names(a + b) for a in "abcdefghijklmnopqrstuvwxyz234567" for b in "a2"),
    ]
    for credential in district.published:
        cid = credential.id
        expected += [
            PATHS.credential(cid),
            PATHS.badge_image(cid),
            PATHS.badge_class(cid),
            PATHS.credential_qr_png(cid),
            PATHS.credential_qr_svg(cid),
            PATHS.share_image(cid),
            PATHS.embed(cid),
        ]
        expected += [PATHS.credential(alias) for alias in credential.aliases]  # redirects
    for stack in district.stacks:
        expected.append(PATHS.stack(stack))
    for topic in district.topics:
        expected += [PATHS.topic(topic), PATHS.catalog_topic(topic), PATHS.experts_on_topic(topic)]
    for school in district.schools:
        expected += [PATHS.school(school), PATHS.experts_at_school(school)]
    for profile in people:
        expected.append(PATHS.earner(profile.slug))
        expected += [PATHS.earner(alias) for alias in profile.earner.aliases]
    awards = [award for earner in district.earners for award in earner.awards]
    for award in awards:
        expected += [PATHS.assertion(award.id), PATHS.verify_award(award.id)]
        if award.id in shown:
            expected += [PATHS.ob3_credential(award.id), PATHS.verify_credential(award.id)]
    missing = [path for path in expected if not _page(sample_site, path).is_file()]
    assert not missing, missing
    assert len(expected) > 300
    # What the scheme does not publish is not there either: no OB 3.0 file of a hidden award.
    hidden = [a.id for a in awards if a.id not in shown]
    assert hidden and not any((sample_site / PATHS.ob3_credential(a)).exists() for a in hidden)
    assert (sample_site / PATHS.issuer_image()).exists() == ("image" in _json(sample_site, PATHS.issuer()))
    # Every badge on a profile has the fragment its share link points at.
    for profile in people:
        text = (sample_site / file_of(PATHS.earner(profile.slug))).read_text(encoding="utf-8")
        for award in shown_awards(profile.earner):
            assert f'id="{PATHS.badge_fragment(award.id)}"' in text


def _json(site: Path, path: str) -> dict:
    return json.loads((site / path).read_text(encoding="utf-8"))


def test_documents_carry_the_addresses_the_scheme_spells(sample_site: Path) -> None:
    urls = Urls(SITE_URL)
    district = _district(sample_site.parent)
    issuer = _json(sample_site, PATHS.issuer())
    assert issuer["id"] == urls.issuer() and issuer["revocationList"] == urls.revocations()
    for credential in district.published:
        badge = _json(sample_site, PATHS.badge_class(credential.id))
        assert badge["id"] == urls.badge_class(credential.id)
        assert badge["image"] == urls.badge_image(credential.id)
        assert badge["criteria"]["id"] == urls.credential(credential.id)
    earner = next(e for e in district.earners if e.public and e.slug and shown_awards(e))
    award = shown_awards(earner)[0]
    assertion = _json(sample_site, PATHS.assertion(award.id))
    assert assertion["id"] == urls.assertion(award.id)
    credential = _json(sample_site, PATHS.ob3_credential(award.id))
    status = credential["credentialStatus"]["statusListCredential"]
    assert status == urls.status_list(1) and _json(sample_site, PATHS.status_list(1))["id"] == status
    feed = _json(sample_site, PATHS.api_credentials())
    assert feed["site"] == urls.home()
    assert {c["url"] for c in feed["credentials"]} == {urls.credential(c.id) for c in district.in_stack_order()}
    people = {p.slug: p for p in profiles(district, dt.date.today())}
    shard = _json(sample_site, PATHS.verify_names(award.id[:2]))
    assert shard[award.id]["profile"] == urls.earner(earner.slug) and earner.slug in people
    profile = (sample_site / file_of(PATHS.earner(earner.slug))).read_text(encoding="utf-8")
    assert html.escape(urls.profile_badge(earner.slug, award.id)) in profile  # the "Copy link" button


def test_the_verify_page_hands_its_script_the_patterns_of_the_scheme(sample_site: Path) -> None:
    text = (sample_site / file_of(PATHS.verify())).read_text(encoding="utf-8")
    attributes = dict(re.findall(r'data-([a-z0-9-]+)-url="([^"]*)"', text))
    urls = Urls(SITE_URL)
    assert attributes["site"] == SITE_URL
    # The script fills the placeholders exactly so (theme/assets/cairn-verify.js, `fill`).
    assert attributes["assertion"].replace(Urls.AWARD, "abc") == urls.assertion("abc")
    assert attributes["ob3"].replace(Urls.AWARD, "abc") == urls.ob3_credential("abc")
    assert attributes["names"].replace(Urls.PREFIX, "ab") == urls.verify_names("ab")
    script = (THEME / "assets" / "cairn-verify.js").read_text(encoding="utf-8")
    assert Urls.AWARD in script and Urls.PREFIX.strip("{}") in script


# -- nothing else spells the scheme --------------------------------------------------------


def _roots() -> set[str]:
    """How the scheme's addresses begin: "credentials/", "issuer.json", "badge-" and so on."""
    roots = set()
    for name in _methods():
        path = _call(PATHS, name, "x1")
        if path:
            roots.add(re.match(r"[^/?#]*(?:/|$)", path).group(0).replace("x1", ""))
    roots.add(did_document_path("https://example.org/d/"))
    return roots


ROOTS = _roots()
_ROOT = "|".join(re.escape(r) for r in sorted(ROOTS, key=len, reverse=True))
_STRING = re.compile(r""""(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'""")
# A string that is a path of the scheme, or a suffix glued to one (".json"; in templates "/" too).
_SPELT = re.compile(rf"^(?:\.\.?/|/)*(?:{_ROOT})|^(?:\.json|\.png|\.svg)$")


def _spelt(literal: str, template: bool = False) -> bool:
    value = literal[1:-1]
    return bool(_SPELT.search(value)) or (template and value == "/")


def spellings_in_template(text: str) -> list[str]:
    """Paths of the scheme a Jinja template spells: as string literals in its tags, or as text
    glued to an interpolation (`{{ site }}assertions/…`, `badge-{{ id }}`)."""
    text = re.sub(r"\{#.*?#\}", "", text, flags=re.DOTALL)
    found = [
        literal
        for tag in re.findall(r"\{\{.*?\}\}|\{%.*?%\}", text, flags=re.DOTALL)
        for literal in _STRING.findall(tag)
        if _spelt(literal, template=True)
    ]
    found += re.findall(rf"\}}\}}/?(?:{_ROOT})", text)
    found += re.findall(rf"(?<![\w-])(?:{_ROOT})[^\"'<>\s{{}}]*\{{\{{", text)
    return found


def spellings_in_script(text: str) -> list[str]:
    """Paths of the scheme a script spells in its string literals (comments aside)."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL)
    text = re.sub(r"(^|\s)//.*$", r"\1", text, flags=re.MULTILINE)
    return [literal for literal in _STRING.findall(text) if _spelt(literal)]


def _theme_files(pattern: str) -> list[Path]:
    return sorted(p for p in THEME.rglob(pattern) if "vendor" not in p.parts)


def test_no_template_spells_a_path_of_the_scheme() -> None:
    files = _theme_files("*.html")
    assert len(files) > 10
    found = {f.relative_to(THEME).as_posix(): spellings_in_template(f.read_text(encoding="utf-8")) for f in files}
    assert not {name: spelt for name, spelt in found.items() if spelt}, "use the `urls` global (urls.py)"


def test_no_script_spells_a_path_of_the_scheme() -> None:
    files = _theme_files("*.js")
    assert any(f.name == "cairn-verify.js" for f in files)
    found = {f.name: spellings_in_script(f.read_text(encoding="utf-8")) for f in files}
    assert not {name: spelt for name, spelt in found.items() if spelt}, "take the patterns from the page (urls.py)"


@pytest.mark.parametrize(
    "snippet",
    [
        "<a href=\"{{ ('stacks/' ~ stack.id ~ '/') | url }}\">",
        "<img src=\"{{ ('badges/' ~ badge.credential.id ~ '.png') | url }}\">",
        "<a href=\"{{ 'experts/' | url }}?school={{ school.id }}\">",
        "<a href=\"{{ (base ~ stack.id ~ '/') | url }}\">",
        '<li id="badge-{{ badge.award.id }}">',
        "for example {{ cairn.site_url }}assertions/…json",
        '{% set page = "earners/" ~ slug %}',
    ],
)
def test_the_template_check_finds_a_spelt_path(snippet: str) -> None:
    assert spellings_in_template(snippet)


@pytest.mark.parametrize(
    "snippet",
    [
        'fetch(SITE + "verify/names/" + id.slice(0, 2) + ".json")',
        '[["a", "assertions/"], ["c", "ob3/"]]',
        "var url = SITE + 'issuer.json';",
        'var prefix = SITE + (ob3 ? "ob3/" : "assertions/");',
    ],
)
def test_the_script_check_finds_a_spelt_path(snippet: str) -> None:
    assert spellings_in_script(snippet)


def test_the_checks_leave_what_is_not_the_scheme_alone() -> None:
    assert not spellings_in_template("<a href=\"{{ urls.stack(stack.id) | url }}\">{{ 'assets/cairn.js' | url }}</a>")
    assert not spellings_in_template('{#- every profile is at earners/<slug>/ -#}<p class="cairn-badges">')
    assert not spellings_in_script(
        '// fetches /ob3/<id>.json\nvar u = "https://example.org/"; fill(NAMES_URL, "prefix")'
    )
    assert {"credentials/", "badges/", "assertions/", "ob3/", "verify/", "issuer.json", "badge-"} <= ROOTS


def test_the_sample_site_url_is_the_one_these_tests_assume() -> None:
    assert re.search(r"^site_url: (\S+)$", (REPO / "mkdocs.yml").read_text(encoding="utf-8"), re.M)[1] == SITE_URL


def test_the_scheme_is_decision_1() -> None:
    """Published badges point at these addresses: changing one breaks them (docs/decisions.md, 1)."""
    expected = {
        "home": "",
        "catalog": "credentials/",
        "catalog_topic": "credentials/?topic=x1",
        "credential": "credentials/x1/",
        "credential_qr_png": "credentials/x1/qr.png",
        "credential_qr_svg": "credentials/x1/qr.svg",
        "share_image": "credentials/x1/share.png",
        "embed": "embed/credentials/x1/",
        "stacks": "stacks/",
        "stack": "stacks/x1/",
        "topics": "topics/",
        "topic": "topics/x1/",
        "experts": "experts/",
        "experts_on_topic": "experts/?topic=x1",
        "experts_at_school": "experts/?school=x1",
        "schools": "schools/",
        "school": "schools/x1/",
        "earner": "earners/x1/",
        "badge_fragment": "badge-x1",
        "profile_badge": "earners/x1/#badge-x1",
        "verify": "verify/",
        "insights": "insights/",
        "verify_award": "verify/?a=x1",
        "verify_credential": "verify/?c=x1",
        "verify_names": "verify/names/x1.json",
        "badge_image": "badges/x1.png",
        "badge_class": "badges/x1.json",
        "issuer": "issuer.json",
        "issuer_image": "issuer.png",
        "revocations": "revocations.json",
        "assertion": "assertions/x1.json",
        "ob3_credential": "ob3/x1.json",
        "status_list": "status/1.json",
        "did_document": ".well-known/did.json",
        "api_credentials": "api/credentials.json",
        "api_experts": "api/experts.json",
    }
    assert {name: _call(PATHS, name) for name in _methods()} == expected
