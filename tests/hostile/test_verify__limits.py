"""A visitor to /verify/ checks what a stranger sent: a link to a site that answers with far more
than any badge (or never stops answering), or a PNG whose badge data inflates to hundreds of MB.
The page reads no more than a badge can be, and says so, in seconds; no input makes it throw.
"""

from __future__ import annotations

import http.server
import struct
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

QUICKLY_MS = 8000  # what "quickly" means here: a bound against hangs and bombs, not a benchmark


class _Hostile(http.server.BaseHTTPRequestHandler):
    """/huge.json: 120 MB, its length declared; /endless.json: JSON that never ends, length
    undeclared; /deep-assertion.json: an assertion 100,000 levels deep. Every answer lets any
    site's page read it."""

    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Access-Control-Allow-Origin", "*")
        if self.path == "/deep-assertion.json":
            url = f"http://{self.headers['Host']}/deep-assertion.json"
            body = ('{"type":"Assertion","id":"' + url + '","x":').encode()
            body += b"[" * 100_000 + b"]" * 100_000 + b"}"
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        block = b" " * 65536
        if self.path == "/huge.json":
            self.send_header("Content-Length", str(120 * 1024 * 1024 + 2))
        self.end_headers()
        try:
            self.wfile.write(b'{"id": "')
            for _ in range(120 * 16 if self.path == "/huge.json" else 1_000_000):
                self.wfile.write(block)
        except OSError:
            pass  # the page stopped reading: as it should

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def hostile_site(expected_failures: list[str]) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    expected_failures.append(base)  # the page hangs up on it mid-answer
    yield base
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def base(live_site: tuple[Path, str]) -> str:
    return live_site[1]


def open_verifier(page, base: str) -> None:
    page.goto(base + "verify/")
    page.locator("#verify-form").wait_for(state="visible")


def verdict_within(page, milliseconds: int) -> str:
    result = page.locator("#verify-result")
    expect(result.locator(".cairn-verdict")).not_to_have_text("Checking…", timeout=milliseconds)
    return result.inner_text()


def check_url(page, url: str) -> tuple[str, float]:
    page.get_by_label("Or its URL").fill(url)
    started = time.monotonic()
    page.get_by_role("button", name="Verify", exact=True).click()
    return verdict_within(page, QUICKLY_MS), time.monotonic() - started


def test_a_link_to_an_answer_larger_than_any_badge_is_refused_quickly(page, base, hostile_site) -> None:
    open_verifier(page, base)
    for name in ("huge.json", "endless.json"):
        shown, seconds = check_url(page, hostile_site + name)
        assert "is larger than a badge record can be" in shown, (name, shown)
        assert seconds < 8, (name, seconds)


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def baked(path: Path, text_chunk: bytes) -> Path:
    """A 1×1 PNG carrying `text_chunk` right after its header, as baked badges do."""
    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + text_chunk
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )
    return path


def _adler32_combine(adler1: int, adler2: int, length2: int) -> int:
    """zlib's adler32_combine: the checksum of two pieces from theirs."""
    base, rem = 65521, length2 % 65521
    sum1 = adler1 & 0xFFFF
    sum2 = (rem * sum1) % base
    sum1 = (sum1 + (adler2 & 0xFFFF) + base - 1) % base
    sum2 = (sum2 + ((adler1 >> 16) & 0xFFFF) + ((adler2 >> 16) & 0xFFFF) + base - rem) % base
    return sum1 | (sum2 << 16)


def zlib_bomb(head: bytes, megabytes: int) -> bytes:
    """A valid zlib stream of `head` and `megabytes` MB of spaces, made without deflating them:
    after a full flush, one compressed MB is the same bytes every time, so it is repeated."""
    block = b" " * (1 << 20)
    compressor = zlib.compressobj(9)
    start = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
    segment = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    end = compressor.flush()[:-4]  # the final block, without the checksum of what it compressed
    checksum, power, power_length, n = zlib.adler32(head), zlib.adler32(block), len(block), megabytes
    while n:
        if n & 1:
            checksum = _adler32_combine(checksum, power, power_length)
        power, power_length, n = _adler32_combine(power, power, power_length), power_length * 2, n >> 1
    return start + segment * megabytes + end + checksum.to_bytes(4, "big")


def test_a_pasted_badge_nested_100000_deep_gets_a_verdict_not_a_script_error(page, base, tmp_path, hostile_site):
    """The PNG carries the assertion itself, and its hosted copy is the same: comparing the two
    used to recurse 100,000 levels and end in a script error, the verdict stuck on Checking."""
    deep = (
        '{"type":"Assertion","id":"' + hostile_site + 'deep-assertion.json","x":' + "[" * 100_000 + "]" * 100_000 + "}"
    ).encode()
    png = baked(tmp_path / "deep.png", chunk(b"iTXt", b"openbadges\x00\x00\x00\x00\x00" + deep))

    open_verifier(page, base)
    page.get_by_label("Badge image (PNG)").set_input_files(str(png))

    assert "nested too deeply" in verdict_within(page, QUICKLY_MS)


def test_a_dropped_png_whose_badge_inflates_to_18_gb_is_refused_quickly(page, base, tmp_path: Path) -> None:
    bomb = zlib_bomb(f"{base}assertions/aaaa.json".encode(), 18_000)
    png = baked(tmp_path / "bomb.png", chunk(b"iTXt", b"openbadges\x00\x01\x00\x00\x00" + bomb))
    assert png.stat().st_size < 20 * 1024 * 1024  # under what the page reads of a file at all

    open_verifier(page, base)
    started = time.monotonic()
    page.get_by_label("Badge image (PNG)").set_input_files(str(png))
    shown = verdict_within(page, 30_000)
    seconds = time.monotonic() - started

    assert "too large to be a badge" in shown, shown
    assert seconds < 8, seconds
