"""A committee member gives a credential its own badge image (`image:` in the spec's front
matter). A PNG is a few bytes of header that promise any number of pixels: a 32 KB file can
promise sixteen million of them in a single column, and decoding it takes hundreds of MB.
The image is judged by the pixels its header promises, before any is decoded; real badges pass.
"""

from __future__ import annotations

import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

from conftest import REPO

SPEC = Path("catalog/formative-assessment/wait-time.md")


def png(width: int, height: int, channels: int = 1) -> bytes:
    """An all-black PNG."""
    color_type = {1: 0, 3: 2, 4: 6}[channels]

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    pixels = zlib.compress((b"\x00" + bytes(width * channels)) * height, 9)
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def check_with_image(project: Path, data: bytes) -> tuple[int, str, float, int]:
    """`python build.py check` in its own process: exit code, report, seconds, peak memory (KB)."""
    (project / SPEC.parent / "badge.png").write_bytes(data)
    spec, text = project / SPEC, (project / SPEC).read_text(encoding="utf-8")
    if "image: badge.png" not in text:
        spec.write_text(text.replace("\ntitle:", "\nimage: badge.png\ntitle:", 1), encoding="utf-8")
    probe = (
        "import resource, sys\n"
        "from cairn.commands.cli import main\n"
        "code = main(['--config-file', sys.argv[1], 'check'])\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", probe, str(project / "mkdocs.yml")], capture_output=True, text=True, cwd=REPO
    )
    seconds = time.monotonic() - started
    *report, peak = done.stderr.strip().splitlines()
    return done.returncode, "\n".join(report), seconds, int(peak)


def test_a_png_promising_sixteen_million_pixels_in_one_column_is_refused_before_decoding(project: Path) -> None:
    bomb = png(1, 16_777_216)
    assert len(bomb) < 40_000

    code, report, seconds, peak_kb = check_with_image(project, bomb)

    assert code == 1, report
    assert f"{SPEC.as_posix()}:2: 'image' 'badge.png': the image is 1×16,777,216 pixels, over the limit" in report
    assert "(resize it to 512×512" in report and "Traceback" not in report
    assert seconds < 8 and peak_kb < 200_000, (seconds, peak_kb)  # bounds, not a benchmark


def test_too_many_pixels_in_a_row_or_a_square_are_refused_and_real_badges_pass(project: Path) -> None:
    for width, height in ((16_777_216, 1), (5000, 5000), (4096, 4096)):
        code, report, _, peak_kb = check_with_image(project, png(width, height))
        assert code == 1, (width, height, report)
        assert f"the image is {width:,}×{height:,} pixels, over the limit" in report, report
        assert peak_kb < 200_000, (width, height, peak_kb)
    for width, height, channels in ((512, 512, 4), (600, 600, 3), (2048, 2048, 4), (1200, 630, 4)):
        code, report, seconds, _ = check_with_image(project, png(width, height, channels))
        assert code == 0, (width, height, report)
        assert seconds < 10
