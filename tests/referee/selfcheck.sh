#!/usr/bin/env bash
# Self-check of the Open Badges 2.0 referee against a tiny hand-made hosted set.
#
#   bash tests/referee/selfcheck.sh            # venv at /tmp/refvenv (made if missing)
#   REFEREE_VENV=/some/venv bash tests/referee/selfcheck.sh
#
# Writes the fixture to a fresh /tmp/ob2selfcheck.XXXXXX, serves it with
# `python3 -m http.server --bind 127.0.0.1 PORT` on a free port, runs
# ob2_referee.py on every case and checks what the validator says.
# Ends with a line "N passed, N failed"; exit status 0 only if nothing failed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${REFEREE_VENV:-/tmp/refvenv}"
if ! "$venv/bin/python" -c "import openbadges.verifier, openbadges_bakery" 2>/dev/null; then
    echo "selfcheck: creating referee venv at $venv"
    bash "$here/make_venv.sh" "$venv"
fi

work="$(mktemp -d /tmp/ob2selfcheck.XXXXXX)"
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
python3 "$here/make_fixture.py" "$work/site" "$base" alice@example.org

python3 -m http.server --bind 127.0.0.1 --directory "$work/site" "$port" >"$work/http.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 50); do
    if python3 -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1], timeout=1)" \
        "$base/issuer.json" 2>/dev/null; then break; fi
    sleep 0.1
done

REFEREE="$here/ob2_referee.py" BASE="$base" PORT="$port" SITE="$work/site" \
    "$venv/bin/python" - <<'PYCHECK'
import json
import os
import struct
import subprocess
import sys

REFEREE, BASE, PORT, SITE = (os.environ[k] for k in ("REFEREE", "BASE", "PORT", "SITE"))
results = {"passed": 0, "failed": 0}


def check(name, cond, detail=""):
    if cond:
        results["passed"] += 1
        print("ok   " + name)
    else:
        results["failed"] += 1
        print("FAIL " + name + ("  -- " + detail if detail else ""))


def run(*args):
    proc = subprocess.run([sys.executable, REFEREE, *args], capture_output=True, text=True, timeout=300)
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    return proc.returncode, lines


def has(items, text):
    return any(text in item for item in items)


def a(name):
    return f"{BASE}/assertions/{name}.json"


# 1. the baked PNG is shaped as intended: iTXt 'openbadges' right after IHDR
with open(os.path.join(SITE, "assertions/a.png"), "rb") as fh:
    png = fh.read()
chunks, pos = [], 8
while pos < len(png):
    (length,) = struct.unpack(">I", png[pos : pos + 4])
    chunks.append((png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]))
    pos += 12 + length
check("baked png: IHDR then iTXt", [c[0] for c in chunks[:2]] == [b"IHDR", b"iTXt"], str(chunks[:2]))
check("baked png: iTXt header", chunks[1][1] == b"openbadges\x00\x00\x00\x00\x00" + a("a").encode())

# 2. unbake
rc, out = run("unbake", f"{SITE}/assertions/a.png", f"{SITE}/assertions/unbaked.png")
check("unbake: baked URL comes back", out[0]["assertion"] == a("a"), json.dumps(out[0]))
check("unbake: plain png gives null", out[1]["assertion"] is None, json.dumps(out[1]))
check("unbake: exit 1 when one input had nothing baked", rc == 1, str(rc))

# 3. validate many inputs in one run, right recipient
names = ["a", "expired", "future", "zulu", "revoked", "missing-image", "no-image", "other-origin",
         "no-context", "issuer-no-context", "badge-no-context", "naive-date", "date-only", "policy", "external"]
rc, out = run("validate", *[a(n) for n in names], f"{SITE}/assertions/a.png", "--email", "alice@example.org")
r = {n: out[i] for i, n in enumerate(names)}
r["png"] = out[len(names)]
check("validate: one JSON line per input", len(out) == len(names) + 1, str(len(out)))
check("validate: exit 1 when any input is invalid", rc == 1, str(rc))
for key in ("input", "valid", "errors", "warnings", "recipient_matched"):
    check(f"validate: key {key!r} present", all(key in o for o in out))

ok = r["a"]
check("valid assertion: valid", ok["valid"] is True, json.dumps(ok["errors"]))
check("valid assertion: no errors / warnings", ok["errors"] == [] and ok["warnings"] == [])
check("valid assertion: recipient matched", ok["recipient_matched"] is True)
check("valid assertion: nothing blocked, no HTTP errors", ok["blocked"] == [] and ok["http_errors"] == [])
fetched = [f["url"] for f in ok["fetched"]]
check("valid assertion: v2 context served from the bundled copy",
      {"url": "https://w3id.org/openbadges/v2", "status": 200, "content_type": "application/ld+json",
       "source": "bundled"} in ok["fetched"])
check("valid assertion: fetched assertion, badge, issuer, both images",
      all(f"{BASE}/{p}" in fetched for p in
          ("assertions/a.json", "badges/x.json", "issuer.json", "badges/x.png", "assertions/a.png")), str(fetched))
check("valid assertion: criteria and revocationList are not fetched",
      f"{BASE}/criteria/x.html" not in fetched and f"{BASE}/revocations.json" not in fetched)

check("expired: invalid", r["expired"]["valid"] is False)
check("expired: message", f"Assertion {a('expired')} expired on 2025-03-15T00:00:00+00:00" in r["expired"]["errors"],
      json.dumps(r["expired"]["errors"]))
check("future issuedOn: message",
      f"Assertion {a('future')} has issue date 2999-01-01 00:00:00+00:00 in the future." in r["future"]["errors"],
      json.dumps(r["future"]["errors"]))
check("issuedOn ending in Z: valid", r["zulu"]["valid"] is True, json.dumps(r["zulu"]["errors"]))
check("revoked: true is NOT caught by the validator", r["revoked"]["valid"] is True)
check("image 404 is NOT caught by the validator", r["missing-image"]["valid"] is True)
check("image 404 shows in http_errors", r["missing-image"]["http_errors"] == [f"{BASE}/badges/nope.png"],
      json.dumps(r["missing-image"]["http_errors"]))
check("BadgeClass without image: message",
      r["no-image"]["errors"] == [f"Could not load and validate image in node {BASE}/badges/no-image.json"],
      json.dumps(r["no-image"]["errors"]))
check("issuer on another origin: message",
      has(r["other-origin"]["errors"], f"not hosted in allowed origins localhost:{PORT}"),
      json.dumps(r["other-origin"]["errors"]))
for n in ("no-context", "issuer-no-context", "badge-no-context"):
    check(f"{n}: treated as OB 1.0, v1 context fetch refused",
          r[n]["valid"] is False and "https://w3id.org/openbadges/v1" in r[n]["blocked"], json.dumps(r[n]["blocked"]))
for n, v in (("naive-date", "2025-03-14T00:00:00"), ("date-only", "2025-03-14")):
    check(f"{n}: message", has(r[n]["errors"], f"DATETIME property issuedOn value {v} not valid"),
          json.dumps(r[n]["errors"]))
check("explicit allowedOrigins with an IP: rejected",
      has(r["policy"]["errors"], f"URL_AUTHORITY property allowedOrigins value 127.0.0.1:{PORT} not valid"),
      json.dumps(r["policy"]["errors"]))
check("external image host: refused and invalid",
      r["external"]["valid"] is False and r["external"]["blocked"] == ["https://example.com/cairn-badge.png"]
      and has(r["external"]["errors"],
              "referee: refused network access to non-loopback host: https://example.com/cairn-badge.png"),
      json.dumps(r["external"]["errors"]))
check("baked png: valid", r["png"]["valid"] is True and r["png"]["recipient_matched"] is True,
      json.dumps(r["png"]["errors"]))

# 4. wrong recipient / no recipient
rc, out = run("validate", a("a"), "--email", "mallory@example.org")
check("wrong email: invalid, recipient_matched false", out[0]["valid"] is False and out[0]["recipient_matched"] is False)
check("wrong email: message",
      has(out[0]["errors"], f"identifier(s) mallory@example.org of type email did not match assertion {a('a')} "
          "recipient hash sha256$"), json.dumps(out[0]["errors"]))
check("wrong email: exit 1", rc == 1)
rc, out = run("validate", a("a"), f"{SITE}/assertions/a.png")
check("no email: recipient_matched null", [o["recipient_matched"] for o in out] == [None, None])
check("all valid: exit 0", rc == 0, str(rc))

rc, out = run("validate", f"{BASE}/assertions/a.png", "--email", "alice@example.org")
check("baked png given by URL: valid", out[0]["valid"] is True and out[0]["recipient_matched"] is True,
      json.dumps(out[0]["errors"]))

# 5. PNG with nothing baked, and id/URL mismatch
rc, out = run("validate", f"{SITE}/assertions/unbaked.png")
check("unbaked png: invalid with a clear message",
      out[0]["valid"] is False and has(out[0]["errors"], "Could not find Open Badges metadata in file."),
      json.dumps(out[0]["errors"]))
rc, out = run("validate", f"http://localhost:{PORT}/assertions/a.json")
check("fetched URL differs from declared id: warning, still valid",
      out[0]["valid"] is True and has(out[0]["warnings"], f"declared its id as {a('a')}"), json.dumps(out[0]))

# 6. the fences themselves (they raise before any DNS lookup or connection)
probe = (
    "import importlib.util, socket, requests\n"
    f"spec = importlib.util.spec_from_file_location('ref', {REFEREE!r})\n"
    "ref = importlib.util.module_from_spec(spec); spec.loader.exec_module(ref); ref._setup()\n"
    "out = []\n"
    "for f in (lambda: requests.get('https://example.com/'), lambda: socket.getaddrinfo('example.com', 443)):\n"
    "    try:\n"
    "        f(); out.append('reached')\n"
    "    except ref.RefereeNetworkBlocked:\n"
    "        out.append('blocked')\n"
    "print(','.join(out))\n"
)
proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
check("fences: requests and DNS to a public host raise", proc.stdout.strip() == "blocked,blocked",
      proc.stdout + proc.stderr[-500:])

print(f"{results['passed']} passed, {results['failed']} failed")
sys.exit(1 if results["failed"] else 0)
PYCHECK
