"""Someone runs `python build.py verify` on whatever a stranger sent them: a JSON file, a PNG,
a link to a site. Whatever it holds, the answer is a plain verdict, quickly: INVALID and why,
never a traceback, never an unbounded read, never bytes that take over the terminal.
"""

from __future__ import annotations

import http.server
import json
import struct
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import run_cli, serve_folder

BAD_NAME = "Evil badge\x1b[2J\x1b]0;owned\x07\u202eexe.txt"


def verify(project: Path, capsys, badge: str) -> tuple[int, str, float]:
    capsys.readouterr()
    started = time.monotonic()  # bounds below guard against hangs and bombs (minutes before), not speed
    code = run_cli(project, "verify", badge)
    seconds = time.monotonic() - started
    out = capsys.readouterr().out  # (an exception would have ended run_cli: none may)
    assert "Traceback" not in out
    return code, out, seconds


def png_with_chunk(kind: bytes, data: bytes) -> bytes:
    def chunk(k: bytes, d: bytes) -> bytes:
        return struct.pack(">I", len(d)) + k + d + struct.pack(">I", zlib.crc32(k + d))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(kind, data)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


def zlib_bomb(head: bytes, megabytes: int) -> bytes:
    """`head` followed by `megabytes` MB of spaces, deflated: about 1 KB per MB."""
    compressor = zlib.compressobj(9)
    parts = [compressor.compress(head)]
    block = b" " * (1 << 20)
    parts += [compressor.compress(block) for _ in range(megabytes)]
    return b"".join(parts) + compressor.flush()


def test_a_file_of_100000_nested_arrays_is_invalid_not_a_recursion_error(project: Path, tmp_path: Path, capsys) -> None:
    nested = tmp_path / "nested.json"
    nested.write_text("[" * 100_000 + "]" * 100_000, encoding="ascii")

    code, out, seconds = verify(project, capsys, str(nested))

    assert code == 1 and out.startswith("INVALID: ") and "nested" in out, out
    assert seconds < 8


def test_a_baked_png_whose_badge_inflates_past_100_mb_is_invalid(project: Path, tmp_path: Path, capsys) -> None:
    """The first bytes are an assertion URL: cutting the text at a limit and reading on would
    check a badge other than the one the image holds."""
    url = b"http://127.0.0.1:8000/assertions/ksrkw7apyutlvpeujyibj3djsm.json"
    bomb = zlib_bomb(url, 150)
    assert len(bomb) < 1_000_000
    baked = tmp_path / "bomb.png"
    baked.write_bytes(png_with_chunk(b"iTXt", b"openbadges\x00\x01\x00\x00\x00" + bomb))

    code, out, seconds = verify(project, capsys, str(baked))

    assert code == 1 and out.startswith("INVALID: ") and "1,048,576 bytes" in out, out
    assert seconds < 8


def test_a_site_answering_with_50_mb_or_a_deep_nest_gets_a_plain_verdict(project: Path, tmp_path: Path, capsys) -> None:
    site = tmp_path / "hostile"
    site.mkdir()
    (site / "huge.json").write_bytes(b'{"id": "' + b"x" * 50_000_000 + b'"}')
    (site / "deep.json").write_text('{"a":' * 50_000 + "1" + "}" * 50_000, encoding="ascii")
    server = serve_folder(site)
    base = next(server)
    try:
        code, out, seconds = verify(project, capsys, base + "huge.json")
        assert code == 1 and out.startswith("INVALID: ") and "larger than 1,048,576 bytes" in out, out
        assert seconds < 8
        code, out, seconds = verify(project, capsys, base + "deep.json")
        assert code == 1 and out.startswith("INVALID: ") and "nested" in out, out
        assert seconds < 8
    finally:
        server.close()


class _Drip(http.server.BaseHTTPRequestHandler):
    """A site that answers one byte at a time, for as long as anyone listens."""

    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        try:
            for _ in range(600):
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(0.05)
        except OSError:
            pass

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def dripping_site() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Drip)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/assertion.json"
    server.shutdown()
    server.server_close()


def test_a_site_that_never_finishes_answering_is_given_up_on(
    project: Path, capsys, dripping_site: str, monkeypatch
) -> None:
    from cairn.commands import verify as verify_command

    monkeypatch.setattr(verify_command, "FETCH_SECONDS", 1.0, raising=False)

    code, out, seconds = verify(project, capsys, dripping_site)

    assert code == 1 and out.startswith("NOT FOUND: ") and "did not answer within" in out, out
    assert seconds < 8


def test_names_from_a_strangers_badge_cannot_drive_the_terminal(project: Path, tmp_path: Path, capsys) -> None:
    site = tmp_path / "foreign"
    site.mkdir()
    server = serve_folder(site)
    base = next(server)
    documents = {
        "a.json": {
            "@context": "https://w3id.org/openbadges/v2",
            "type": "Assertion",
            "id": base + "a.json",
            "recipient": {"type": "email", "hashed": False, "identity": "x@example.org"},
            "badge": base + "b.json",
            "issuedOn": "2024-01-01T00:00:00+00:00",
            "verification": {"type": "hosted"},
        },
        "b.json": {"type": "BadgeClass", "id": base + "b.json", "name": BAD_NAME, "issuer": base + "i.json"},
        "i.json": {"type": "Issuer", "id": base + "i.json", "name": BAD_NAME},
    }
    for name, document in documents.items():
        (site / name).write_text(json.dumps(document), encoding="utf-8")
    try:
        code, out, _ = verify(project, capsys, base + "a.json")
    finally:
        server.close()

    assert code == 1 and out.startswith("NOT OURS"), out
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out, repr(out)
    assert "Evil badge\\x1b[2J" in out, out
