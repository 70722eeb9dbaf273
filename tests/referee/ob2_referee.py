#!/usr/bin/env python
"""Cairn's Open Badges 2.0 referee.

Runs the real Open Badges 2.0 validator (PyPI ``openbadges`` 1.1.2, a.k.a.
badgecheck) and ``openbadges_bakery`` against a site served on loopback.
It must run with the referee venv's Python (see requirements.txt /
make_venv.sh), never with Cairn's own environment.

    ob2_referee.py validate URL_OR_PNG [URL_OR_PNG ...] [--email E]
    ob2_referee.py unbake PNG [PNG ...]

Each input gives one JSON line on stdout.

validate:
    {"input", "valid", "errors", "warnings", "recipient_matched",
     "fetched", "blocked", "http_errors", "messages"}
    - valid / errors / warnings come from the validator's own report
      (errors = ERROR-level messages, warnings = WARNING-level ones).
    - recipient_matched: null without --email; otherwise true only if the
      validator confirmed the assertion's recipient against the email.
    - fetched: every HTTP request the validator made, in order:
      {"url", "status", "content_type", "source": "local"|"bundled"}.
      The validator itself ignores HTTP status codes, so check them here;
      "http_errors" lists the fetched URLs that answered >= 400 (this does
      not change "valid", which stays the validator's verdict).
    - blocked: URLs it tried to reach on a non-loopback host.  Any such
      attempt is refused (an exception inside the validator), is added to
      errors and forces valid=false.
    - messages: the raw report messages (task name, node_id, level, text).
unbake:
    {"input", "assertion"}   (assertion is null when nothing is baked in)

Network policy: only 127.0.0.1 / localhost / ::1 are reached.  The JSON-LD
context https://w3id.org/openbadges/v2 is answered from the copy bundled in
the openbadges package (openbadges.verifier.openbadges_context).  Everything
else raises RefereeNetworkBlocked, at the requests transport level and, as a
second fence, at socket connect / DNS lookup.

Exit status: 0 if every input was processed (validate: and was valid;
unbake: and held baked data), 1 otherwise, 2 on usage errors.
"""

from __future__ import annotations

import argparse
import io
import ipaddress
import json
import socket
import sys
from urllib.parse import urlsplit

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}
# URLs (scheme-less, no trailing slash) answered from the bundled context copy.
BUNDLED_CONTEXTS = {"w3id.org/openbadges/v2"}

FETCHED: list[dict] = []
BLOCKED: list[str] = []


class RefereeNetworkBlocked(RuntimeError):
    """Raised on any attempt to reach a host that is not loopback."""


def _is_loopback_host(host: str | None) -> bool:
    if not host:
        return False
    host = host.strip("[]").split("%")[0].lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _block(what: str):
    BLOCKED.append(what)
    raise RefereeNetworkBlocked(f"referee: refused network access to non-loopback host: {what}")


# --- fence 2: sockets (catches anything that bypasses requests) -------------


def _install_socket_fence():
    orig_getaddrinfo = socket.getaddrinfo
    orig_connect = socket.socket.connect
    orig_connect_ex = socket.socket.connect_ex

    def getaddrinfo(host, *args, **kwargs):
        h = host.decode() if isinstance(host, bytes) else host
        if h is not None and not _is_loopback_host(str(h)):
            _block(f"dns:{h}")
        return orig_getaddrinfo(host, *args, **kwargs)

    def _check(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            if not _is_loopback_host(str(address[0])):
                _block(f"connect:{address[0]}")

    def connect(self, address):
        _check(self, address)
        return orig_connect(self, address)

    def connect_ex(self, address):
        _check(self, address)
        return orig_connect_ex(self, address)

    socket.getaddrinfo = getaddrinfo
    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex


# --- fence 1: every requests.Session (incl. requests_cache.CachedSession) ---


def _install_requests_fence(context_json: bytes):
    import requests
    import urllib3
    from requests.adapters import HTTPAdapter

    class RefereeAdapter(HTTPAdapter):
        def send(self, request, **kwargs):
            parts = urlsplit(request.url)
            key = (parts.hostname or "") + parts.path.rstrip("/")
            if key in BUNDLED_CONTEXTS:
                raw = urllib3.HTTPResponse(
                    body=io.BytesIO(context_json),
                    headers={"Content-Type": "application/ld+json", "Content-Length": str(len(context_json))},
                    status=200,
                    reason="OK",
                    preload_content=False,
                    decode_content=False,
                    request_method=request.method,
                )
                entry = {"url": request.url, "status": 200, "content_type": "application/ld+json", "source": "bundled"}
                if entry not in FETCHED:  # fetched once per compaction: list it once
                    FETCHED.append(entry)
                return self.build_response(request, raw)
            if not _is_loopback_host(parts.hostname):
                _block(request.url)
            response = super().send(request, **kwargs)
            FETCHED.append(
                {
                    "url": request.url,
                    "status": response.status_code,
                    "content_type": response.headers.get("Content-Type"),
                    "source": "local",
                }
            )
            return response

    orig_init = requests.Session.__init__

    def session_init(self, *args, **kwargs):
        orig_init(self, *args, **kwargs)
        adapter = RefereeAdapter()
        self.mount("http://", adapter)
        self.mount("https://", adapter)

    requests.Session.__init__ = session_init


def _setup():
    """Install both fences, then point PyLD's global default loader at a
    fenced openbadges loader (used where openbadges passes no options)."""
    _install_socket_fence()
    from openbadges.verifier.openbadges_context import OPENBADGES_CONTEXT_V2_DICT

    _install_requests_fence(json.dumps(OPENBADGES_CONTEXT_V2_DICT).encode("utf-8"))
    from openbadges.verifier.utils import CachableDocumentLoader
    from pyld import jsonld

    jsonld.set_document_loader(CachableDocumentLoader(use_cache=False))


def _looks_like_url(value: str) -> bool:
    return urlsplit(value).scheme in ("http", "https")


def validate_one(inp: str, email: str | None) -> dict:
    from openbadges.verifier import verify

    del FETCHED[:]
    del BLOCKED[:]
    out = {
        "input": inp,
        "valid": False,
        "errors": [],
        "warnings": [],
        "recipient_matched": None if email is None else False,
        "fetched": [],
        "blocked": [],
        "http_errors": [],
        "messages": [],
    }
    profile = {"email": email} if email is not None else None
    # No requests_cache: every run sees the files as they are now.
    options = {"use_cache": False, "cache_backend": None, "include_original_json": False}
    try:
        if _looks_like_url(inp):
            result = verify(inp, profile, **options)
        else:
            with open(inp, "rb") as fh:  # baked PNG/SVG: verify() unbakes file-likes
                result = verify(fh, profile, **options)
    except Exception as exc:
        msg = f"referee: validator raised {type(exc).__name__}: {exc}"
        if isinstance(exc, AttributeError) and "message" in str(exc):
            # openbadges' own "no baked data" branch uses the Python 2-only
            # ValueError.message, so it crashes instead of reporting.
            msg += " (openbadges found no baked Open Badges data: 'Could not find Open Badges metadata in file.')"
        out["errors"].append(msg)
        return _finish(out)

    report = result.get("report", {})
    for msg in report.get("messages", []):
        out["messages"].append(msg)
        level = msg.get("messageLevel")
        if level == "ERROR":
            out["errors"].append(msg.get("result", ""))
        elif level == "WARNING":
            out["warnings"].append(msg.get("result", ""))
    out["valid"] = bool(report.get("valid"))
    if email is not None:
        out["recipient_matched"] = bool(report.get("recipientProfile"))
    return _finish(out)


def _finish(out: dict) -> dict:
    out["fetched"] = list(FETCHED)
    out["blocked"] = list(BLOCKED)
    # The validator never looks at status codes; surface them (this does not touch "valid").
    out["http_errors"] = [f["url"] for f in FETCHED if f["status"] >= 400]
    if out["blocked"]:
        out["valid"] = False
        for url in out["blocked"]:
            out["errors"].append(f"referee: refused network access to non-loopback host: {url}")
    return out


def unbake_one(path: str) -> dict:
    from openbadges_bakery import unbake

    out = {"input": path, "assertion": None}
    try:
        with open(path, "rb") as fh:
            data = unbake(fh)
    except Exception as exc:
        out["error"] = f"{type(exc).__name__}: {exc}"
        return out
    if isinstance(data, bytes):
        data = data.decode("utf-8")
    out["assertion"] = data
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    p_val = sub.add_parser("validate", help="validate assertion URLs or baked images")
    p_val.add_argument("inputs", nargs="+", metavar="URL_OR_PNG")
    p_val.add_argument("--email", default=None, help="expected recipient email (checked against the hashed identity)")
    p_unb = sub.add_parser("unbake", help="print the data baked into PNG/SVG files")
    p_unb.add_argument("inputs", nargs="+", metavar="PNG")
    args = parser.parse_args(argv)

    try:
        import openbadges.verifier  # noqa: F401
        import openbadges_bakery  # noqa: F401
    except ImportError as exc:
        sys.stderr.write(
            f"ob2_referee: {exc}. Run me with the referee venv's python "
            "(bash tests/referee/make_venv.sh /tmp/refvenv; /tmp/refvenv/bin/python ob2_referee.py ...)\n"
        )
        return 2
    _setup()
    ok = True
    for inp in args.inputs:
        if args.cmd == "validate":
            res = validate_one(inp, args.email)
            ok = ok and res["valid"] and res["recipient_matched"] is not False
        else:
            res = unbake_one(inp)
            ok = ok and res["assertion"] is not None
        sys.stdout.write(json.dumps(res, sort_keys=False) + "\n")
        sys.stdout.flush()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
