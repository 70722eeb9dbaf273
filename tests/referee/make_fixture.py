#!/usr/bin/env python3
"""Write a tiny hand-made Open Badges 2.0 hosted set for the referee self-check.

    make_fixture.py OUT_DIR BASE_URL EMAIL

BASE_URL is where OUT_DIR will be served, e.g. http://127.0.0.1:8765 ; every
`id` is the exact URL the file is served at.  Standard library only.

Files (all under OUT_DIR):
  issuer.json, revocations.json, criteria/x.html
  badges/x.json (+ x.png)            the good BadgeClass
  assertions/a.json (+ a.png baked)  valid assertion, recipient = EMAIL
  assertions/expired.json            "expires" in the past
  assertions/future.json             issuedOn in the future
  assertions/zulu.json               issuedOn ending in "Z"
  assertions/revoked.json            "revoked": true (validator ignores it)
  assertions/missing-image.json      badge whose image URL 404s
  assertions/no-image.json           badge with no image property
  assertions/other-origin.json       issuer id on http://localhost:PORT
  assertions/no-context.json         issuer/badge/assertion without @context
  assertions/issuer-no-context.json  only the issuer lacks @context
  assertions/badge-no-context.json   only the BadgeClass lacks @context
  assertions/naive-date.json         issuedOn without UTC offset
  assertions/date-only.json          issuedOn "2025-03-14"
  assertions/policy.json             issuer verification.allowedOrigins = 127.0.0.1:PORT
  assertions/external.json           badge image on a non-loopback host
  assertions/unbaked.png             a PNG with nothing baked in
"""

import hashlib
import json
import os
import struct
import sys
import zlib

CONTEXT = "https://w3id.org/openbadges/v2"
SALT = "cairn-salt-1"


def png_chunk(ctype: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + ctype + data + struct.pack(">I", zlib.crc32(ctype + data) & 0xFFFFFFFF)


def make_png(size: int = 16, rgb=(200, 120, 30)) -> bytes:
    row = b"\x00" + bytes(rgb) * size  # filter type 0 + pixels
    ihdr = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", zlib.compress(row * size))
        + png_chunk(b"IEND", b"")
    )


def bake_png(png: bytes, text: str) -> bytes:
    """Insert an iTXt chunk right after IHDR: keyword 'openbadges', NUL,
    compression flag 0, compression method 0, empty language tag + NUL,
    empty translated keyword + NUL, then the UTF-8 text (uncompressed)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    ihdr_len = struct.unpack(">I", png[8:12])[0]
    end_ihdr = 8 + 12 + ihdr_len
    assert png[12:16] == b"IHDR"
    data = b"openbadges\x00" + b"\x00\x00" + b"\x00" + b"\x00" + text.encode("utf-8")
    return png[:end_ihdr] + png_chunk(b"iTXt", data) + png[end_ihdr:]


def write(out: str, rel: str, obj) -> None:
    path = os.path.join(out, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    mode = "wb" if isinstance(obj, bytes) else "w"
    with open(path, mode) as fh:
        if isinstance(obj, bytes):
            fh.write(obj)
        elif isinstance(obj, str):
            fh.write(obj)
        else:
            json.dump(obj, fh, indent=2)


def main() -> None:
    out, base, email = sys.argv[1], sys.argv[2].rstrip("/"), sys.argv[3]
    localhost_base = base.replace("127.0.0.1", "localhost")
    u = lambda rel: base + "/" + rel  # noqa: E731

    def issuer(iid, ctx=True):
        d = {"@context": CONTEXT} if ctx else {}
        d.update(
            {
                "type": "Issuer",
                "id": iid,
                "name": "Cairn Test Issuer",
                "url": base + "/",
                "email": "badges@example.org",
                "revocationList": u("revocations.json"),
            }
        )
        return d

    def badge(bid, iss, image=True, ctx=True):
        d = {"@context": CONTEXT} if ctx else {}
        d.update(
            {
                "type": "BadgeClass",
                "id": bid,
                "name": "Trail Marker",
                "description": "Placed a cairn on the test trail.",
                "criteria": {"id": u("criteria/x.html"), "narrative": "Build one cairn."},
                "issuer": iss,
            }
        )
        if image is True:
            d["image"] = u("badges/x.png")
        elif image:
            d["image"] = image
        return d

    identity = "sha256$" + hashlib.sha256((email + SALT).encode()).hexdigest()

    def assertion(name, badge_url, ctx=True, **extra):
        d = {"@context": CONTEXT} if ctx else {}
        d.update(
            {
                "type": "Assertion",
                "id": u(f"assertions/{name}.json"),
                "recipient": {"type": "email", "hashed": True, "salt": SALT, "identity": identity},
                "badge": badge_url,
                "issuedOn": "2025-03-14T00:00:00+00:00",
                "verification": {"type": "hosted"},
                "image": u("assertions/a.png"),
            }
        )
        d.update(extra)
        return d

    png = make_png()
    write(out, "issuer.json", issuer(u("issuer.json")))
    write(
        out,
        "revocations.json",
        {
            "@context": CONTEXT,
            "type": "RevocationList",
            "id": u("revocations.json"),
            "issuer": u("issuer.json"),
            "revokedAssertions": [u("assertions/revoked.json")],
        },
    )
    write(out, "criteria/x.html", "<html><body>Build one cairn.</body></html>\n")
    write(out, "badges/x.png", png)
    write(out, "badges/x.json", badge(u("badges/x.json"), u("issuer.json")))
    write(out, "assertions/a.png", bake_png(png, u("assertions/a.json")))
    write(out, "assertions/unbaked.png", png)

    write(out, "assertions/a.json", assertion("a", u("badges/x.json")))
    write(out, "assertions/expired.json", assertion("expired", u("badges/x.json"), expires="2025-03-15T00:00:00+00:00"))
    write(out, "assertions/future.json", assertion("future", u("badges/x.json"), issuedOn="2999-01-01T00:00:00+00:00"))
    write(out, "assertions/zulu.json", assertion("zulu", u("badges/x.json"), issuedOn="2025-03-14T00:00:00Z"))
    write(
        out, "assertions/revoked.json", assertion("revoked", u("badges/x.json"), revoked=True, revocationReason="test")
    )

    write(
        out,
        "badges/missing-image.json",
        badge(u("badges/missing-image.json"), u("issuer.json"), image=u("badges/nope.png")),
    )
    write(out, "assertions/missing-image.json", assertion("missing-image", u("badges/missing-image.json")))

    write(out, "badges/no-image.json", badge(u("badges/no-image.json"), u("issuer.json"), image=False))
    write(out, "assertions/no-image.json", assertion("no-image", u("badges/no-image.json")))

    # Issuer declares its id on http://localhost:PORT (same files, other origin).
    write(out, "issuer-localhost.json", issuer(localhost_base + "/issuer-localhost.json"))
    write(
        out, "badges/other-origin.json", badge(u("badges/other-origin.json"), localhost_base + "/issuer-localhost.json")
    )
    write(out, "assertions/other-origin.json", assertion("other-origin", u("badges/other-origin.json")))

    write(out, "issuer-noctx.json", issuer(u("issuer-noctx.json"), ctx=False))
    write(out, "badges/no-context.json", badge(u("badges/no-context.json"), u("issuer-noctx.json"), ctx=False))
    write(out, "assertions/no-context.json", assertion("no-context", u("badges/no-context.json"), ctx=False))

    # @context missing on just one file of the chain.
    write(out, "badges/issuer-no-context.json", badge(u("badges/issuer-no-context.json"), u("issuer-noctx.json")))
    write(out, "assertions/issuer-no-context.json", assertion("issuer-no-context", u("badges/issuer-no-context.json")))
    write(out, "badges/badge-no-context.json", badge(u("badges/badge-no-context.json"), u("issuer.json"), ctx=False))
    write(out, "assertions/badge-no-context.json", assertion("badge-no-context", u("badges/badge-no-context.json")))

    # issuedOn without a UTC offset, and date-only.
    write(
        out, "assertions/naive-date.json", assertion("naive-date", u("badges/x.json"), issuedOn="2025-03-14T00:00:00")
    )
    write(out, "assertions/date-only.json", assertion("date-only", u("badges/x.json"), issuedOn="2025-03-14"))

    # Issuer states an explicit verification policy naming 127.0.0.1:PORT.
    iss = issuer(u("issuer-policy.json"))
    iss["verification"] = {"type": "VerificationObject", "allowedOrigins": base.split("://", 1)[1]}
    write(out, "issuer-policy.json", iss)
    write(out, "badges/policy.json", badge(u("badges/policy.json"), u("issuer-policy.json")))
    write(out, "assertions/policy.json", assertion("policy", u("badges/policy.json")))

    write(
        out,
        "badges/external.json",
        badge(u("badges/external.json"), u("issuer.json"), image="https://example.com/cairn-badge.png"),
    )
    write(out, "assertions/external.json", assertion("external", u("badges/external.json")))


if __name__ == "__main__":
    main()
