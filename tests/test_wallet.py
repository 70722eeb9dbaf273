"""An earner adds a badge to a wallet: the QR code on their profile leads a wallet to the signed
credential, and the site's host lets a wallet or verifier on another origin read it.

The host is real nginx, configured with the README's own `nginx` block, serving a build of the
sample made for its address; Netlify's and Cloudflare's `_headers`, which the build writes, must
say the same for every top-level file and folder of the site.
"""

from __future__ import annotations

import csv
import io
import json
import re
import socket
import subprocess
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO, copy_project, run_cli, serve_folder
from test_share import decode_qr

NGINX = Path("/usr/sbin/nginx")
CORS = "Access-Control-Allow-Origin"


def readme_nginx_block() -> str:
    """The nginx lines the README tells a district to put in its server block."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    found = re.search(r"\n( *)```nginx\n(.*?)\n\1```", readme, re.DOTALL)
    assert found, "the README has no ```nginx block"
    indent = len(found[1])
    return "\n".join(line[indent:] for line in found[2].splitlines())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def nginx_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """The sample built for http://127.0.0.1:<port>/ and served there by nginx as documented."""
    assert NGINX.exists(), "nginx is missing: apt-get install nginx-light (make test does)"
    root = tmp_path_factory.mktemp("wallet")
    project = copy_project(root / "district")
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    config = project / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("http://127.0.0.1:8000/", base), encoding="utf-8")
    assert run_cli(project, "build") == 0
    run = root / "nginx"
    run.mkdir()
    temp_paths = "\n".join(
        f"    {kind}_temp_path {run}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    block = "\n".join("        " + line for line in readme_nginx_block().splitlines())
    (run / "nginx.conf").write_text(
        f"""daemon off;
master_process off;
pid {run}/nginx.pid;
error_log {run}/error.log;
events {{}}
http {{
    include /etc/nginx/mime.types;
    access_log off;
{temp_paths}
    server {{
        listen 127.0.0.1:{port};
        root {project / "site"};
{block}
    }}
}}
""",
        encoding="utf-8",
    )
    server = subprocess.Popen([str(NGINX), "-p", str(run), "-c", str(run / "nginx.conf")], stderr=subprocess.PIPE)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base, timeout=2).close()
                break
            except OSError:
                assert server.poll() is None, f"nginx stopped: {server.stderr.read().decode() if server.stderr else ''}"
                time.sleep(0.05)
        yield project, base
    finally:
        server.terminate()
        server.wait(timeout=10)


def headers_of(url: str) -> dict[str, str]:
    request = urllib.request.Request(url, headers={"Origin": "https://wallet.example"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return {k.lower(): v for k, v in response.headers.items()}


def first_profile(site: Path) -> str:
    return sorted(p.parent.name for p in (site / "earners").glob("*/index.html"))[0]


def test_add_to_wallet_shows_a_qr_code_of_the_signed_credential_that_another_origin_can_read(
    nginx_site, page, expected_failures, tmp_path
):
    project, base = nginx_site
    slug = first_profile(project / "site")
    page.goto(f"{base}earners/{slug}/")
    badge = page.locator(".cairn-badge").first
    wallet = badge.locator("details.cairn-wallet")
    assert not wallet.locator("svg").count(), "the code is drawn only when the earner asks for it"
    wallet.locator("summary").click()
    code = wallet.locator(".cairn-wallet__qr svg")
    code.wait_for()
    code.screenshot(path=str(tmp_path / "qr.png"))
    url = decode_qr(tmp_path / "qr.png")
    award = badge.get_attribute("id").removeprefix("badge-")
    assert url == f"{base}ob3/{award}.json"
    assert wallet.locator("a.cairn-wallet__link").get_attribute("href") == url, "the link and the code agree"
    assert code.bounding_box()["width"] >= 160, "big enough for a phone's camera"

    # What the wallet gets: the signed credential, as JSON, readable from any origin.
    headers = headers_of(url)
    assert headers.get(CORS.lower()) == "*"
    assert headers["content-type"].startswith("application/json")
    published = json.loads((project / "site" / "ob3" / f"{award}.json").read_text(encoding="utf-8"))
    assert "OpenBadgeCredential" in published["type"] and published["proof"]

    # A web wallet or verifier on another origin reads it in a browser; a page it may not read.
    other = tmp_path / "other-origin"
    other.mkdir()
    (other / "index.html").write_text("<!doctype html><title>A web wallet</title>", encoding="utf-8")
    profile = f"{base}earners/{slug}/"
    expected_failures.append(profile)
    for origin in serve_folder(other):
        page.goto(origin)
        read = page.evaluate("url => fetch(url).then(r => r.json())", url)
        assert read == published
        refused = page.evaluate("url => fetch(url).then(() => 'read', () => 'refused')", profile)
        assert refused == "refused", "pages are not for other origins to read"


def test_nginx_as_documented_and_the_headers_file_allow_the_same_cross_origin_reads(nginx_site):
    project, base = nginx_site
    site = project / "site"
    rules = {}
    pattern = None
    for line in (site / "_headers").read_text(encoding="utf-8").splitlines():
        if line.startswith("/"):
            pattern = line
            rules[pattern] = set()
        elif pattern and line.strip():
            rules[pattern].add(line.strip().split(":")[0])
    checked = []
    for top in sorted(site.iterdir()):
        if top.name == "_headers":
            continue
        files = [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file())[:1]
        if not files:
            continue
        path = files[0].relative_to(site).as_posix()
        rule = f"/{top.name}/*" if top.is_dir() else f"/{top.name}"
        netlify = CORS in rules.get(rule, set())
        nginx = CORS.lower() in headers_of(base + path.removesuffix("index.html"))
        said = "allows" if nginx else "refuses"
        assert nginx == netlify, f"/{path}: nginx {said} other origins, _headers does not agree"
        checked.append((top.name, nginx))
    allowed = {name for name, allowed in checked if allowed}
    assert {"ob3", "status", "assertions", "badges", ".well-known", "issuer.json", "revocations.json"} <= allowed
    assert not allowed & {"credentials", "earners", "experts", "index.html", "search", "verify"}


def test_award_links_tell_every_earner_how_to_add_their_credential(nginx_site):
    project, base = nginx_site
    rows = list(csv.DictReader(io.StringIO((project / "build" / "award-links.csv").read_text(encoding="utf-8"))))
    public = [r for r in rows if r["ob3_credential_url"]]
    private = [r for r in rows if not r["ob3_credential_url"]]
    assert public and private
    for row in public:
        path = row["ob3_credential_url"].removeprefix(base)
        assert (project / "site" / path).is_file(), f"{row['ob3_credential_url']} is not published"
    hannah = [r for r in private if r["email"].startswith("hannah")]
    assert hannah, "an earner who is not public has rows without a URL"
    for row in hannah:
        package = zipfile.ZipFile(project / "build" / row["ob3_package"])
        assert row["ob3_credential_file"] in package.namelist(), "their package holds the file a wallet adds"
    assert not any(r["ob3_credential_url"] for r in rows if r["revoked_on"]), "a revoked award has no wallet link"
