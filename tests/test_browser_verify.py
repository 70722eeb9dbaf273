"""The badge verifier (/verify/) in headless Chromium, against the sample district served at its
real address (`live_site`), so every `id` in the badges is the URL it is fetched from.

Every expectation comes from the live project: build/award-links.csv (the committee's list),
the earner files, the built assertions and the signed Open Badges 3.0 credentials (build/credentials/);
today's date decides which awards are current.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from urllib.parse import quote, quote_plus, urlsplit

import conftest
import pytest
import yaml
from browser_support import TIMEOUT_MS, axe_violations, describe_violations
from cairn.issue import ob2, ob3
from cairn.issue.bake import bake_png
from conftest import serve_folder
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from playwright.sync_api import expect

TODAY = dt.date.today()


# --------------------------------------------------------------------------- the live project's awards


@dataclass(frozen=True)
class Award:
    """One row of build/award-links.csv, with what the earner's file says about it."""

    row: dict[str, str]
    earner: dict
    source: dict  # the award as the earner's file writes it

    @property
    def id(self) -> str:
        return self.row["assertion_url"].rsplit("/", 1)[1].removesuffix(".json")

    @property
    def state(self) -> str:
        if self.row["revoked_on"]:
            return "revoked"
        if self.row["issued"] > TODAY.isoformat():
            return "future"
        if self.row["expires"] and self.row["expires"] <= TODAY.isoformat():
            return "expired"
        return "current"

    @property
    def named(self) -> bool:
        """The verify page may name the earner: a public earner's award they did not hide."""
        return bool(self.earner.get("public")) and self.source.get("public", True) is not False


class Project:
    def __init__(self, folder: Path, base: str) -> None:
        self.folder, self.base, self.site = folder, base, folder / "site"

    @cached_property
    def unpacked(self) -> Path:
        """The earners' credential packages, opened as they would open them."""
        return conftest.unpack_credentials(self.folder)

    @cached_property
    def awards(self) -> list[Award]:
        sources = {}
        for path in sorted((self.folder / "earners").glob("[!_]*.yml")):
            earner = yaml.safe_load(path.read_text(encoding="utf-8"))
            for award in earner["awards"]:
                sources[str(award["id"])] = (earner, award)
        with (self.folder / "build" / "award-links.csv").open(encoding="utf-8", newline="") as file:
            rows = list(csv.DictReader(file))
        awards = []
        for row in rows:
            award_id = row["assertion_url"].rsplit("/", 1)[1].removesuffix(".json")
            awards.append(Award(row, *sources[award_id]))
        return awards

    def pick(self, state: str, named: bool | None = None) -> Award:
        for award in self.awards:
            if award.state == state and (named is None or award.named == named):
                return award
        raise AssertionError(f"the sample has no {state} award (named={named})")

    def assertion(self, award: Award) -> dict:
        return json.loads((self.site / "assertions" / f"{award.id}.json").read_text(encoding="utf-8"))

    def png(self, award: Award) -> Path:
        """The baked PNG the earner downloads (made in the browser; see conftest.baked_badge)."""
        path = self.folder / "build" / "downloads" / f"{award.id}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(conftest.baked_badge(self.site, award.row["credential_id"], award.row["assertion_url"]))
        return path

    def ob3_png(self, award: Award) -> Path:
        """The baked PNG of its signed credential (an `openbadgecredential` chunk)."""
        return self.unpacked / award.row["ob3_badge_file"]

    def ob3_credential(self, award: Award) -> dict:
        return json.loads((self.unpacked / award.row["ob3_credential_file"]).read_text(encoding="utf-8"))

    @cached_property
    def issuer_name(self) -> str:
        return json.loads((self.site / "issuer.json").read_text(encoding="utf-8"))["name"]


@pytest.fixture(scope="module")
def project(live_site) -> Project:
    return Project(*live_site)


# --------------------------------------------------------------------------- the verifier's tab


@pytest.fixture
def verify_page(page):
    """The shared tab; a test that expects a request to fail says so in `expected_failures`."""
    return page


class _CorsHandler(conftest._QuietHandler):
    def end_headers(self) -> None:
        self.send_header("Access-Control-Allow-Origin", "*")
        super().end_headers()


@pytest.fixture
def serve_with_cors(monkeypatch) -> Iterator:
    """serve_folder, with the header a site sends when it lets other sites' pages read its badges."""
    servers = []

    def start(folder: Path) -> str:
        with monkeypatch.context() as patch:
            patch.setattr(conftest, "_QuietHandler", _CorsHandler)
            server = serve_folder(folder)
            base = next(server)
        servers.append(server)
        return base

    yield start
    for server in servers:
        server.close()


# --------------------------------------------------------------------------- the page


def open_verifier(tab, project: Project, query: str = "") -> None:
    tab.goto(project.base + "verify/" + query)
    tab.locator("#verify-form").wait_for(state="visible")


def verdict(tab):
    return tab.locator("#verify-result .cairn-verdict")


def wait_for_verdict(tab) -> str:
    expect(verdict(tab)).not_to_have_text("Checking…", timeout=TIMEOUT_MS)
    return verdict(tab).inner_text().strip()


def choose_png(tab, path: Path) -> str:
    tab.get_by_label("Badge image (PNG)").set_input_files(str(path))
    return wait_for_verdict(tab)


def paste_url(tab, url: str) -> str:
    tab.get_by_label("Or its URL").fill(url)
    tab.get_by_role("button", name="Verify", exact=True).click()
    return wait_for_verdict(tab)


def facts(tab) -> dict[str, str]:
    """The badge's facts, with its "Technical details" (format, record address) opened."""
    technical = tab.locator("#verify-details details")
    if technical.count() and not technical.evaluate("details => details.open"):
        technical.locator("summary").click()
    terms = tab.locator("#verify-details dt").all_inner_texts()
    values = tab.locator("#verify-details dd").all_inner_texts()
    return {t.strip(): v.strip() for t, v in zip(terms, values, strict=True)}


def assert_details(tab, project: Project, award: Award) -> None:
    shown = facts(tab)
    assert shown.get("Credential") == award.row["credential"], shown
    assert shown.get("Issued by") == project.issuer_name, shown
    assert shown.get("Issued on") == award.row["issued"], shown
    link = tab.locator("#verify-details dd a", has_text=award.row["credential"])
    assert link.get_attribute("href") == f"{project.base}credentials/{award.row['credential_id']}/"
    badge = tab.locator("#verify-details img")
    assert badge.get_attribute("alt"), "the badge image needs a text alternative"
    tab.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=badge.element_handle())


# --------------------------------------------------------------------------- 1-3: a baked PNG


def test_current_award_png_is_valid_and_names_only_public_earners(verify_page, project):
    public = project.pick("current", named=True)
    private = next(a for a in project.awards if a.state == "current" and not a.earner.get("public"))

    open_verifier(verify_page, project)
    assert choose_png(verify_page, project.png(public)) == "Valid"
    assert_details(verify_page, project, public)
    assert facts(verify_page).get("Earned by") == public.row["name"]
    profile = verify_page.locator("#verify-details dd a", has_text=public.row["name"])
    assert profile.get_attribute("href") == f"{project.base}earners/{public.earner['slug']}/"

    open_verifier(verify_page, project)
    assert choose_png(verify_page, project.png(private)) == "Valid"
    assert_details(verify_page, project, private)
    assert "Earned by" not in facts(verify_page)
    body = verify_page.locator("body").inner_text()
    assert private.row["name"] not in body, "a non-public earner's name must not appear on the page"


def test_revoked_award_png_says_when_and_why(page, project):
    award = project.pick("revoked")
    reason = project.assertion(award)["revocationReason"]
    assert reason == f"Revoked on {award.row['revoked_on']}: {ob2.PUBLIC_REVOCATION_REASON}", (
        "the assertion carries the date and the one public text, never the committee's reason"
    )

    open_verifier(page, project)
    assert choose_png(page, project.png(award)) == f"Revoked on {award.row['revoked_on']}"
    assert f"Reason given by its issuer: {ob2.PUBLIC_REVOCATION_REASON}" in page.locator("#verify-result").inner_text()
    assert page.locator("#verify-details").is_hidden()  # a revoked assertion keeps nothing to show


def test_expired_award_png_says_when(verify_page, project):
    award = project.pick("expired")
    open_verifier(verify_page, project)
    assert choose_png(verify_page, project.png(award)) == f"Expired on {award.row['expires']}"
    assert_details(verify_page, project, award)


def test_compressed_itxt_and_text_chunks_are_read(verify_page, project, tmp_path):
    """Badges baked by other tools: a compressed iTXt chunk, or a tEXt one."""
    import struct
    import zlib

    award = project.pick("current")
    png = (project.site / "badges" / f"{award.row['credential_id']}.png").read_bytes()
    url = award.row["assertion_url"].encode()

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    end_of_ihdr = 8 + 4 + 4 + 13 + 4
    variants = {
        "itxt-deflate": chunk(b"iTXt", b"openbadges\x00\x01\x00en\x00\x00" + zlib.compress(url)),
        "text": chunk(b"tEXt", b"openbadges\x00" + url),
    }
    for name, extra in variants.items():
        baked = tmp_path / f"{name}.png"
        baked.write_bytes(png[:end_of_ihdr] + extra + png[end_of_ihdr:])
        open_verifier(verify_page, project)
        assert choose_png(verify_page, baked) == "Valid", name

    open_verifier(verify_page, project)
    assert choose_png(verify_page, project.site / "badges" / f"{award.row['credential_id']}.png") == "Not found"
    assert "carries no badge" in verify_page.locator("#verify-result").inner_text()


# --------------------------------------------------------------------------- 4: the email stays here


def test_email_is_checked_in_the_browser_and_never_sent(page, project):
    award = project.pick("current", named=True)
    other = next(a.row["email"] for a in project.awards if a.row["email"] != award.row["email"])
    sent: list[str] = []
    page.on("request", lambda request: sent.append(f"{request.url} {request.post_data or ''}"))

    open_verifier(page, project, f"?a={award.id}")
    assert wait_for_verdict(page) == "Valid"
    field = page.get_by_label("Email address")
    field.fill(f"  {award.row['email'].upper()} ")  # as a person might type it
    page.get_by_role("button", name="Check email").click()
    expect(page.locator("#verify-email-result")).to_have_text("The email matches the badge's recipient.")
    field.fill(other)
    field.press("Enter")
    expect(page.locator("#verify-email-result")).to_have_text("The email does not match the badge's recipient.")

    # A fresh check with the email already typed checks it too.
    field.fill(award.row["email"])
    assert paste_url(page, award.row["assertion_url"]) == "Valid"
    expect(page.locator("#verify-email-result")).to_have_text("The email matches the badge's recipient.")

    assert len(sent) > 3, "the page should have fetched the badge's records"
    stored = page.evaluate(
        "() => JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage), document.cookie])"
    )
    for email in (award.row["email"], other):
        forms = {email, email.upper(), quote(email), quote_plus(email), quote(email, safe="")}
        leaks = [request for request in sent if any(f.lower() in request.lower() for f in forms)]
        assert not leaks, f"the email {email} left the browser: {leaks}"
        assert email not in stored.lower(), "the email must not be stored"
        assert hashlib.sha256(email.encode()).hexdigest() not in " ".join(sent)


# --------------------------------------------------------------------------- 5: altered badges


def test_altered_assertions_are_rejected(verify_page, project, tmp_path, serve_with_cors):
    award = project.pick("current")
    other = next(a for a in project.awards if a.row["email"] != award.row["email"])
    hosted = project.assertion(award)
    forged_identity = (
        "sha256$" + hashlib.sha256((other.row["email"] + hosted["recipient"]["salt"]).encode()).hexdigest()
    )

    # A copy on another site (one that lets the browser read it, as a forger's would),
    # with a changed recipient: its id still names the original, or names the copy itself.
    folder = tmp_path / "forger"
    (folder / "assertions").mkdir(parents=True)
    forger = serve_with_cors(folder)
    same_id = {**hosted, "recipient": {**hosted["recipient"], "identity": forged_identity}}
    (folder / "assertions" / "same-id.json").write_text(json.dumps(same_id), encoding="utf-8")
    own_id = {**same_id, "id": forger + "assertions/own-id.json"}
    (folder / "assertions" / "own-id.json").write_text(json.dumps(own_id), encoding="utf-8")

    open_verifier(verify_page, project)
    for name in ("same-id", "own-id"):
        assert paste_url(verify_page, f"{forger}assertions/{name}.json") == "Altered", name
        assert verify_page.locator("#verify-details").is_hidden()
        assert project.issuer_name in verify_page.locator(".cairn-verify-foreign").inner_text()

    # A PNG baked with the assertion itself: the hosted one is valid, a changed one is altered.
    badge_png = (project.site / "badges" / f"{award.row['credential_id']}.png").read_bytes()
    other_badge = next(
        a.row["credential_id"] for a in project.awards if a.row["credential_id"] != award.row["credential_id"]
    )
    changes = {
        "hosted": hosted,
        "recipient": same_id,
        "badge": {**hosted, "badge": f"{project.base}badges/{other_badge}.json"},
    }
    for name, document in changes.items():
        baked = tmp_path / f"{name}.png"
        baked.write_bytes(bake_png(badge_png, json.dumps(document)))
        open_verifier(verify_page, project)
        assert choose_png(verify_page, baked) == ("Valid" if name == "hosted" else "Altered"), name
        if name != "hosted":
            assert "differs from the one its issuer hosts" in verify_page.locator("#verify-result").inner_text()


# --------------------------------------------------------------------------- 6: links that check at once


def test_link_with_award_id_checks_on_arrival(page, project):
    award = project.pick("current", named=True)
    open_verifier(page, project, f"?a={award.id}")
    assert wait_for_verdict(page) == "Valid"
    assert_details(page, project, award)
    assert facts(page).get("Earned by") == award.row["name"]

    revoked = project.pick("revoked")
    open_verifier(page, project, "?url=" + quote(revoked.row["assertion_url"], safe=""))
    assert wait_for_verdict(page) == f"Revoked on {revoked.row['revoked_on']}"


def test_unknown_award_id_is_not_found(verify_page, project, expected_failures):
    expected_failures.append(project.base + "assertions/")
    missing = "zz" + "a" * 24
    assert not (project.site / "assertions" / f"{missing}.json").exists()
    open_verifier(verify_page, project, f"?a={missing}")
    assert wait_for_verdict(verify_page) == "Not found"
    assert verify_page.locator("#verify-details").is_hidden()


# --------------------------------------------------------------------------- 7: other issuers


def foreign_copy(project: Project, award: Award, folder: Path, base: str, issuer_name: str) -> str:
    """Another issuer's site at `base` holding a copy of one award, its badge, profile and revocation list."""
    documents = {
        f"assertions/{award.id}.json": project.assertion(award),
        f"badges/{award.row['credential_id']}.json": None,
        "issuer.json": None,
        "revocations.json": None,
    }
    for relative in documents:
        text = (project.site / relative).read_text(encoding="utf-8").replace(project.base, base)
        document = json.loads(text)
        if relative == "issuer.json":
            document["name"] = issuer_name
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_text(json.dumps(document), encoding="utf-8")
    shutil.copy(project.site / "badges" / f"{award.row['credential_id']}.png", folder / "badges")
    return f"{base}assertions/{award.id}.json"


def test_foreign_badge_is_checked_against_its_own_site(verify_page, project, tmp_path, serve_with_cors):
    award = project.pick("current")
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    base = serve_with_cors(folder)
    url = foreign_copy(project, award, folder, base, "Ridgeview Teaching Academy")

    open_verifier(verify_page, project)
    assert paste_url(verify_page, url) == "Valid"
    label = verify_page.locator(".cairn-verify-foreign").inner_text()
    host = urlsplit(base).netloc
    assert "Ridgeview Teaching Academy" in label and host in label and f"not by {project.issuer_name}" in label
    assert facts(verify_page).get("Issued by") == f"Ridgeview Teaching Academy ({host})"
    assert "Earned by" not in facts(verify_page)

    # Its own revocation list counts, even when the assertion itself does not say so.
    reason = "Revoked on 2025-01-02: listed by Ridgeview"
    listing = json.loads((folder / "revocations.json").read_text(encoding="utf-8"))
    listing["revokedAssertions"].append({"id": url, "revocationReason": reason})
    (folder / "revocations.json").write_text(json.dumps(listing), encoding="utf-8")
    assert paste_url(verify_page, url) == "Revoked on 2025-01-02"
    assert "Reason given by its issuer: listed by Ridgeview" in verify_page.locator("#verify-result").inner_text()
    assert "not by " + project.issuer_name in verify_page.locator(".cairn-verify-foreign").inner_text()


def test_foreign_site_without_cors_is_not_called_invalid(verify_page, project, tmp_path, expected_failures):
    award = project.pick("current")
    folder = tmp_path / "closed"
    folder.mkdir()
    server = serve_folder(folder)  # the stdlib server: no Access-Control-Allow-Origin
    base = next(server)
    try:
        expected_failures.append(base)
        url = foreign_copy(project, award, folder, base, "Closed Valley Schools")
        open_verifier(verify_page, project)
        shown = paste_url(verify_page, url)
        assert shown == "Could not check", shown
        message = verify_page.locator("#verify-result").inner_text()
        assert "could not be reached from your browser" in message
        assert "does not mean the badge is invalid" in message
        assert urlsplit(base).netloc in message and f"not from {project.issuer_name}" in message
        assert verify_page.locator("#verify-details").is_hidden()
    finally:
        server.close()


# --------------------------------------------------------------------------- 8: accessibility


def test_verify_page_passes_axe_before_and_after_a_verdict(page, project):
    award = project.pick("current", named=True)
    open_verifier(page, project)
    violations = axe_violations(page)
    assert not violations, "before a verdict:\n" + describe_violations("verify/", violations)

    # Keyboard only: the URL field, Enter; then the email field, Enter.
    page.get_by_label("Or its URL").focus()
    page.keyboard.type(award.row["assertion_url"])
    page.keyboard.press("Enter")
    assert wait_for_verdict(page) == "Valid"
    page.get_by_label("Email address").focus()
    page.keyboard.type(award.row["email"])
    page.keyboard.press("Enter")
    expect(page.locator("#verify-email-result")).to_have_text("The email matches the badge's recipient.")
    violations = axe_violations(page)
    assert not violations, "after a verdict:\n" + describe_violations("verify/", violations)


# --------------------------------------------------------------------------- 9: a site under a path


def test_verifier_works_under_a_path(page, project, tmp_path):
    """The district published at http://host/district/: every URL comes from its site_url."""
    folder = conftest.copy_project(tmp_path / "district")
    root = tmp_path / "www"
    root.mkdir()
    server = serve_folder(root)
    base = next(server) + "district/"
    try:
        config = folder / "mkdocs.yml"
        config.write_text(config.read_text(encoding="utf-8").replace("http://127.0.0.1:8000/", base), encoding="utf-8")
        assert conftest.run_cli(folder, "build") == 0
        shutil.copytree(folder / "site", root / "district")
        district = Project(folder, base)
        award = district.pick("current", named=True)

        page.goto(base + f"verify/?a={award.id}")
        assert wait_for_verdict(page) == "Valid"
        assert_details(page, district, award)
        profile = page.locator("#verify-details dd a", has_text=award.row["name"])
        assert profile.get_attribute("href") == f"{base}earners/{award.earner['slug']}/"
        scripts = page.locator("script[src*='cairn-verify']").evaluate_all("s => s.map(e => e.src)")
        assert scripts == [base + "assets/cairn-verify.js"], scripts

        page.goto(base + "verify/")
        page.locator("#verify-form").wait_for(state="visible")
        assert choose_png(page, district.png(award)) == "Valid"

        # Its signed credential: its did:web names the path, and the verifier loads from under it.
        assert ob3.did_web(base) == district.ob3_credential(award)["issuer"]["id"]
        page.goto(base + f"verify/?c={award.id}")
        assert wait_for_verdict(page) == "Valid"
        assert_ob3_details(page, district, award)
        assert facts(page).get("Earned by") == award.row["name"]
        assert verifier_scripts(page) == [base + "assets/vendor/dcc-verifier.js"]
    finally:
        server.close()


# --------------------------------------------------------------------------- 10: Open Badges 3.0 credentials


def verifier_scripts(tab) -> list[str]:
    """The DCC verifier bundle's script elements: the page adds one only to check a credential."""
    return tab.locator("script[src*='dcc-verifier']").evaluate_all("s => s.map(e => e.src)")


def paste_credential(tab, document: dict) -> str:
    tab.get_by_label("Or paste a credential (JSON)").fill(json.dumps(document, indent=2))
    tab.get_by_role("button", name="Verify", exact=True).click()
    return wait_for_verdict(tab)


def assert_ob3_details(tab, project: Project, award: Award) -> None:
    shown = facts(tab)
    assert shown.get("Credential") == award.row["credential"], shown
    assert shown.get("Issued by") == project.issuer_name, shown
    assert shown.get("Issued on") == award.row["issued"], shown
    assert shown.get("Format") == "Open Badges 3.0, signed by its issuer", shown
    if award.row["expires"]:
        assert award.row["expires"] in (shown.get("Expires on"), shown.get("Expired on")), shown
    link = tab.locator("#verify-details dd a", has_text=award.row["credential"])
    assert link.get_attribute("href") == f"{project.base}credentials/{award.row['credential_id']}/"
    badge = tab.locator("#verify-details img")
    assert badge.get_attribute("alt"), "the badge image needs a text alternative"
    tab.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=badge.element_handle())


def test_ob3_current_png_is_valid_and_loads_the_verifier_only_then(verify_page, project, tmp_path):
    award = project.pick("current", named=True)
    credential = project.ob3_credential(award)
    assert credential["issuer"]["id"] == ob3.did_web(project.base)

    open_verifier(verify_page, project)
    assert verifier_scripts(verify_page) == [], "the 346 KB verifier loads only when a credential is checked"
    assert choose_png(verify_page, project.ob3_png(award)) == "Valid"
    assert_ob3_details(verify_page, project, award)
    assert verifier_scripts(verify_page) == [project.base + "assets/vendor/dcc-verifier.js"]
    # A file does not say which award it is: no earner's name, even a public one's.
    assert "Earned by" not in facts(verify_page)
    assert award.row["name"] not in verify_page.locator("body").inner_text()
    assert verify_page.locator(".cairn-verify-foreign").count() == 0

    # Its credential's JSON file, chosen as the badge.
    assert choose_png(verify_page, project.unpacked / award.row["ob3_credential_file"]) == "Valid"
    assert_ob3_details(verify_page, project, award)

    # Baked by another tool under the OB 2.0 keyword, `openbadges`: the credential is read all the same.
    baked = tmp_path / "openbadges.png"
    badge_png = (project.site / "badges" / f"{award.row['credential_id']}.png").read_bytes()
    baked.write_bytes(bake_png(badge_png, json.dumps(credential)))
    assert choose_png(verify_page, baked) == "Valid"
    assert verifier_scripts(verify_page) == [project.base + "assets/vendor/dcc-verifier.js"], "loaded once"


def test_ob3_revoked_png_is_revoked_by_its_issuer(verify_page, project):
    award = project.pick("revoked")
    open_verifier(verify_page, project)
    verify_page.get_by_label("Email address").fill(award.row["email"])
    assert choose_png(verify_page, project.ob3_png(award)) == "Revoked"
    assert "Revoked by its issuer" in verify_page.locator("#verify-result").inner_text()
    assert_ob3_details(verify_page, project, award)
    assert "Earned by" not in facts(verify_page)
    expect(verify_page.locator("#verify-email-result")).to_have_text("A revoked badge cannot be matched to an email.")


def test_ob3_expired_png_says_when(verify_page, project):
    award = project.pick("expired")
    assert project.ob3_credential(award)["validUntil"].startswith(award.row["expires"])
    open_verifier(verify_page, project)
    assert choose_png(verify_page, project.ob3_png(award)) == f"Expired on {award.row['expires']}"
    assert_ob3_details(verify_page, project, award)
    assert facts(verify_page).get("Expired on") == award.row["expires"]


def test_ob3_pasted_credential_is_checked_and_an_altered_one_rejected(verify_page, project):
    award = project.pick("current")
    other = next(a for a in project.awards if a.row["email"] != award.row["email"])
    credential = project.ob3_credential(award)
    identifier = credential["credentialSubject"]["identifier"][0]
    forged_hash = "sha256$" + hashlib.sha256((other.row["email"] + identifier["salt"]).encode()).hexdigest()
    expired = project.ob3_credential(project.pick("expired"))
    changes = {
        "name": {**credential, "name": credential["name"] + " (with honours)"},
        "recipient": {
            **credential,
            "credentialSubject": {
                **credential["credentialSubject"],
                "identifier": [{**identifier, "identityHash": forged_hash}],
            },
        },
        "validUntil dropped": {k: v for k, v in expired.items() if k != "validUntil"},  # made to look current
    }

    open_verifier(verify_page, project)
    assert paste_credential(verify_page, credential) == "Valid"
    assert_ob3_details(verify_page, project, award)
    for name, document in changes.items():
        verify_page.get_by_label("Email address").fill(other.row["email"])
        assert paste_credential(verify_page, document) == "Altered", name
        assert "signature does not match" in verify_page.locator("#verify-result").inner_text(), name
        assert verify_page.locator("#verify-details").is_hidden(), name
        # An altered credential is not matched to an email, not even the one it was changed to.
        verify_page.get_by_role("button", name="Check email").click()
        expect(verify_page.locator("#verify-email-result")).to_have_text("Check a badge first, then its email.")

    verify_page.get_by_label("Or paste a credential (JSON)").fill("{not a credential")
    verify_page.get_by_role("button", name="Verify", exact=True).click()
    assert wait_for_verdict(verify_page) == "Not found"


def test_ob3_link_with_award_id_checks_on_arrival(page, project):
    award = project.pick("current", named=True)
    open_verifier(page, project, f"?c={award.id}")
    assert wait_for_verdict(page) == "Valid"
    assert_ob3_details(page, project, award)
    assert facts(page).get("Earned by") == award.row["name"]
    profile = page.locator("#verify-details dd a", has_text=award.row["name"])
    assert profile.get_attribute("href") == f"{project.base}earners/{award.earner['slug']}/"
    assert facts(page).get("Badge record") == f"{project.base}ob3/{award.id}.json"
    violations = axe_violations(page)
    assert not violations, "after an OB 3.0 verdict:\n" + describe_violations("verify/?c=", violations)


def test_ob3_award_without_public_credential_is_not_found(verify_page, project, expected_failures):
    award = next(a for a in project.awards if a.state == "current" and not a.named)
    assert not (project.site / "ob3" / f"{award.id}.json").exists()
    expected_failures.append(project.base + "ob3/")
    open_verifier(verify_page, project, f"?c={award.id}")
    assert wait_for_verdict(verify_page) == "Not found"
    assert award.row["name"] not in verify_page.locator("body").inner_text()


def test_ob3_email_is_checked_in_the_browser_and_never_sent(page, project):
    award = project.pick("current", named=True)
    other = next(a.row["email"] for a in project.awards if a.row["email"] != award.row["email"])
    sent: list[str] = []
    page.on("request", lambda request: sent.append(f"{request.url} {request.post_data or ''}"))

    open_verifier(page, project, f"?c={award.id}")
    assert wait_for_verdict(page) == "Valid"
    field = page.get_by_label("Email address")
    field.fill(f"  {award.row['email'].upper()} ")
    page.get_by_role("button", name="Check email").click()
    expect(page.locator("#verify-email-result")).to_have_text("The email matches the badge's recipient.")
    field.fill(other)
    field.press("Enter")
    expect(page.locator("#verify-email-result")).to_have_text("The email does not match the badge's recipient.")

    # The baked PNG, with the email typed first.
    field.fill(award.row["email"])
    assert choose_png(page, project.ob3_png(award)) == "Valid"
    expect(page.locator("#verify-email-result")).to_have_text("The email matches the badge's recipient.")

    assert any(s.startswith(project.base + ".well-known/did.json") for s in sent), "the DID document is fetched"
    assert any(s.startswith(project.base + "status/") for s in sent), "the status list is fetched"
    for email in (award.row["email"], other):
        forms = {email, quote(email), quote_plus(email), quote(email, safe="")}
        leaks = [request for request in sent if any(f.lower() in request.lower() for f in forms)]
        assert not leaks, f"the email {email} left the browser: {leaks}"


def test_ob3_credential_of_another_issuer_says_so(verify_page, project, tmp_path, serve_with_cors, expected_failures):
    """Another district's did:web, with its own key, served with CORS: valid, and labelled as not ours.
    Its site out of reach: not checked, and not called altered."""
    award = project.pick("current")
    folder = tmp_path / "ridgeview"
    (folder / ".well-known").mkdir(parents=True)
    base = serve_with_cors(folder)
    did = ob3.did_web(base)
    key = Ed25519PrivateKey.generate()
    public = ob3.public_multibase(key.public_key())
    (folder / ".well-known" / "did.json").write_text(json.dumps(ob3.did_document(did, [public])), encoding="utf-8")
    document = {k: v for k, v in project.ob3_credential(award).items() if k not in ("proof", "credentialStatus")}
    document["issuer"] = {**document["issuer"], "id": did, "name": "Ridgeview Teaching Academy"}
    signed = ob3.sign(document, key, f"{did}#{public}", document["validFrom"])

    open_verifier(verify_page, project)
    assert paste_credential(verify_page, signed) == "Valid"
    label = verify_page.locator(".cairn-verify-foreign").inner_text()
    assert label == f"Issued by Ridgeview Teaching Academy ({did}), not by {project.issuer_name}.", label
    assert facts(verify_page).get("Issued by") == f"Ridgeview Teaching Academy ({did})"

    # Claiming this district's did:web with that key: the signature is refused.
    claimed = ob3.sign(
        {**document, "issuer": {**document["issuer"], "id": ob3.did_web(project.base)}},
        key,
        f"{ob3.did_web(project.base)}#{public}",
        document["validFrom"],
    )
    assert paste_credential(verify_page, claimed) == "Altered"

    # The same credential, from a district whose site does not answer: its key cannot be read.
    with socket.socket() as probe:  # a port that nothing listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        silent = f"http://127.0.0.1:{probe.getsockname()[1]}/"
    expected_failures.append(silent)
    unread = ob3.did_web(silent)
    moved = ob3.sign(
        {**document, "issuer": {**document["issuer"], "id": unread}}, key, f"{unread}#{public}", "2025-01-01"
    )
    assert paste_credential(verify_page, moved) == "Could not check"
    message = verify_page.locator("#verify-result").inner_text()
    assert "could not be reached from your browser" in message and "does not mean the badge is invalid" in message
    assert f"names another issuer ({unread}), not {project.issuer_name}" in message
    assert verify_page.locator("#verify-details").is_hidden()
