"""Baking: an Open Badges PNG is the badge image with the assertion in an iTXt chunk.

The chunk is inserted into the PNG bytes right after IHDR. The image is never decoded
or re-encoded, so baking costs a copy and a CRC, and the pixels stay byte-identical.
"""

from __future__ import annotations

import struct
import zlib

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_TEXT_BYTES = 1024 * 1024
_IHDR_END = len(PNG_SIGNATURE) + 4 + 4 + 13 + 4  # signature, then IHDR's length, type, data, CRC


class NotABadge(ValueError):
    pass


class BadgeTooLarge(NotABadge):
    """The PNG holds badge data, but more of it than any badge: a decompression bomb, or a
    text padded so that a reader who stops at a limit would check something else."""


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bake_png(png: bytes, text: str, keyword: str = "openbadges") -> bytes:
    """`png` with one uncompressed iTXt chunk (empty language and translated keyword) after IHDR."""
    if not png.startswith(PNG_SIGNATURE) or png[12:16] != b"IHDR":
        raise NotABadge("not a PNG image")
    data = keyword.encode("latin-1") + b"\x00\x00\x00" + b"\x00" + b"\x00" + text.encode("utf-8")
    return png[:_IHDR_END] + _chunk(b"iTXt", data) + png[_IHDR_END:]


def unbake_png(png: bytes, keyword: str = "openbadges") -> str:
    """The text baked under `keyword` (iTXt or tEXt); raises NotABadge when there is none."""
    if not png.startswith(PNG_SIGNATURE):
        raise NotABadge("not a PNG image")
    position = len(PNG_SIGNATURE)
    while position + 8 <= len(png):
        length, kind = struct.unpack(">I4s", png[position : position + 8])
        data = png[position + 8 : position + 8 + length]
        if len(data) != length:
            break
        if kind == b"iTXt":
            name, _, rest = data.partition(b"\x00")
            if name == keyword.encode("latin-1") and len(rest) >= 2:
                compressed, body = rest[0], rest[2:]
                _language, _, body = body.partition(b"\x00")
                _translated, _, text = body.partition(b"\x00")
                if compressed:  # inflated one byte past the limit at most, then refused
                    try:
                        text = zlib.decompressobj().decompress(text, MAX_TEXT_BYTES + 1)
                    except zlib.error:
                        raise NotABadge("the badge data in this PNG is damaged: it cannot be decompressed") from None
                return _within_limit(text).decode("utf-8", errors="replace")
        elif kind == b"tEXt":
            name, _, text = data.partition(b"\x00")
            if name == keyword.encode("latin-1"):
                return _within_limit(text).decode("latin-1")
        elif kind == b"IEND":
            break
        position += 12 + length
    raise NotABadge(f"the PNG carries no '{keyword}' chunk: it is not a baked badge")


def _within_limit(text: bytes) -> bytes:
    if len(text) > MAX_TEXT_BYTES:
        raise BadgeTooLarge(f"the badge data in this PNG is over {MAX_TEXT_BYTES:,} bytes: no badge is that large")
    return text
