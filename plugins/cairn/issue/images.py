"""Badge images: generated from a credential's facts, or a supplied PNG checked and normalised.

Both are pure functions from inputs to PNG bytes; the same input gives the same bytes.
"""

from __future__ import annotations

import functools
import io
import math
import struct
import warnings
from dataclasses import dataclass
from importlib import resources

from PIL import Image, ImageDraw, ImageFont, ImageOps

BADGE_SIZE = 512
# Part of every cached badge's key: raise it when the drawing changes, so no cache keeps old badges.
BADGE_LAYOUT = "2"  # 2: names shrink or wrap, never cut
MAX_IMAGE_BYTES = 2 * 1024 * 1024
# What a supplied image may promise in its header, checked before a pixel is decoded: a few KB
# of PNG can promise any number, and decoding costs memory by the pixel and by the row (a 32 KB
# PNG of 1 × 16,777,216 pixels took 367 MB). 4,096 a side and 8 megapixels in all (at most
# ~130 MB to decode) pass every real badge (512 to 2,048 square, or a 1200×630 banner).
MAX_IMAGE_SIDE = 4096
MAX_IMAGE_PIXELS = 8 * 1024 * 1024
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
LEVEL_MARKS = {"foundational": 1, "proficient": 2, "advanced": 3}


class ImageRejected(ValueError):
    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


def png_dimensions(data: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, read before any pixel is decoded."""
    if not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR" or len(data) < 24:
        raise ImageRejected("the image is not a PNG file", "export the badge as PNG")
    return struct.unpack(">II", data[16:24])


def normalise_png(data: bytes) -> bytes:
    """A supplied badge, checked for size and decoded safely, as a 512×512 RGBA PNG."""
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageRejected(
            f"the image is {len(data):,} bytes, over the {MAX_IMAGE_BYTES:,}-byte limit",
            "save a smaller PNG (512×512 is enough)",
        )
    width, height = png_dimensions(data)
    if width == 0 or height == 0:
        raise ImageRejected(f"the image is {width}×{height} pixels: it has no pixels", "re-export it as a 512×512 PNG")
    if width > MAX_IMAGE_SIDE or height > MAX_IMAGE_SIDE or width * height > MAX_IMAGE_PIXELS:
        raise ImageRejected(
            f"the image is {width:,}×{height:,} pixels, over the limit of {MAX_IMAGE_SIDE:,} a side"
            f" and {MAX_IMAGE_PIXELS:,} in all",
            "resize it to 512×512, the size badges are shown at",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
                image.load()
                rgba = image.convert("RGBA")
    except (
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as error:
        raise ImageRejected(f"the PNG cannot be decoded ({error})", "re-export it from an image editor") from None
    fitted = ImageOps.contain(rgba, (BADGE_SIZE, BADGE_SIZE), Image.Resampling.LANCZOS)
    canvas = Image.new("RGBA", (BADGE_SIZE, BADGE_SIZE), (0, 0, 0, 0))
    canvas.paste(fitted, ((BADGE_SIZE - fitted.width) // 2, (BADGE_SIZE - fitted.height) // 2))
    return _png_bytes(canvas)


@functools.lru_cache(maxsize=32)  # a font file is read and parsed once per size, not once per image
def _font(size: int) -> ImageFont.FreeTypeFont:
    path = resources.files("cairn.issue") / "fonts" / "DejaVuSansCondensed-Bold.ttf"
    with resources.as_file(path) as font_file:
        return ImageFont.truetype(str(font_file), size)


def _hex_to_rgb(color: str) -> tuple[int, int, int]:
    value = color.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))  # type: ignore[return-value]


def wrap_words(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Greedy line breaking between words; a word longer than `width` keeps a line of its own."""
    lines: list[str] = []
    for word in text.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and draw.textlength(candidate, font=font) <= width:
            lines[-1] = candidate
        else:
            lines.append(word)
    return lines


# Where text may go: inside the white ring (its inner edge BADGE_SIZE / 2 - 44 from the centre),
# less a margin; the stack's name above the title, both above the level marks.
TEXT_RADIUS = BADGE_SIZE / 2 - 44 - 6
TITLE_WIDTH = 330  # at most, where the ring is wider
STACK_WIDTH = 280
STACK_LINE = 112  # the centre of the stack's name on one line
TITLE_CENTRE = BADGE_SIZE / 2 - 10
TEXT_BOTTOM = 372  # the tallest level mark starts at 377
TITLE_SIZES = (52, 46, 40, 35, 30, 26, 22, 19, 17, 15, 13)
# (size, lines) for the stack's name, best first: one line down to 16 px, then two, then smaller.
STACK_FITS = (
    (20, 1),
    (18, 1),
    (16, 1),
    (20, 2),
    (18, 2),
    (16, 2),
    (14, 1),
    (14, 2),
    (14, 3),
    (12, 3),
    (12, 4),
    (12, 5),
)


@dataclass(frozen=True)
class TextLine:
    """One line of a badge's text: drawn centred at x = BADGE_SIZE / 2, anchored at `y` as `anchor` says."""

    text: str
    size: int
    y: float
    anchor: str


def _chord(top: float, bottom: float) -> float:
    """The width a line from `top` to `bottom` (centred) has inside the ring."""
    far = max(abs(top - BADGE_SIZE / 2), abs(bottom - BADGE_SIZE / 2))
    return 2 * math.sqrt(TEXT_RADIUS**2 - far**2) if far < TEXT_RADIUS else 0.0


def _fill(
    draw: ImageDraw.ImageDraw, words: list[str], font: ImageFont.FreeTypeFont, widths: list[float], split: bool
) -> list[str] | None:
    """The words in at most len(widths) lines, line i at most widths[i] wide, or None. Words are
    broken between letters only when `split` says so (a word wider than any line)."""
    lines: list[str] = []
    queue = list(words)
    while queue:
        word = queue.pop(0)
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= widths[len(lines) - 1]:
            lines[-1] = f"{lines[-1]} {word}"
            continue
        if len(lines) == len(widths):
            return None
        width = widths[len(lines)]
        if draw.textlength(word, font=font) > width:
            if not split:
                return None
            cut = 1  # the most letters that fit, and at least one
            while cut < len(word) and draw.textlength(word[: cut + 1], font=font) <= width:
                cut += 1
            word, rest = word[:cut], word[cut:]
            queue.insert(0, rest)
        lines.append(word)
    return lines


def _stack_lines(draw: ImageDraw.ImageDraw, text: str, size: int, count: int, split: bool) -> list[TextLine] | None:
    """The stack's name in `count` lines at most: one line centred on STACK_LINE; more begin a
    line above it (where the ring is still wide) and go on down."""
    font = _font(size)
    ascent, descent = font.getmetrics()
    height = ascent + descent
    centres = [STACK_LINE + (i - min(count - 1, 1)) * height for i in range(count)]
    widths = [min(STACK_WIDTH, _chord(y - height / 2, y + height / 2)) for y in centres]
    lines = _fill(draw, text.split(), font, widths, split)
    if lines is None:
        return None
    return [TextLine(line, size, centres[i], "mm") for i, line in enumerate(lines)]


def _title_lines(
    draw: ImageDraw.ImageDraw, title: str, size: int, top_limit: float, split: bool
) -> list[TextLine] | None:
    """The title at `size` in as few lines as fit between `top_limit` and TEXT_BOTTOM, centred
    on TITLE_CENTRE where there is room."""
    font = _font(size)
    ascent, descent = font.getmetrics()
    step = size * 1.15
    most = int((TEXT_BOTTOM - top_limit - (ascent + descent)) // step) + 1
    for count in range(1, max(most, 0) + 1):
        block = step * (count - 1) + ascent + descent
        top = min(max(TITLE_CENTRE - block / 2, top_limit), TEXT_BOTTOM - block)
        tops = [top + i * step for i in range(count)]
        widths = [min(TITLE_WIDTH, _chord(y, y + ascent + descent)) for y in tops]
        lines = _fill(draw, title.split(), font, widths, split)
        if lines is not None:
            return [TextLine(line, size, tops[i], "mt") for i, line in enumerate(lines)]
    return None


def badge_text(draw: ImageDraw.ImageDraw, title: str, stack_title: str) -> list[TextLine]:
    """The stack's name (upper case) and the title, whole: the title as large as it fits, the
    stack's name on one line if it can, else smaller or on more lines; never cut short."""
    stack = stack_title.upper()
    for split in (False, True):
        for size, count in STACK_FITS:
            stack_lines = _stack_lines(draw, stack, size, count, split)
            if stack_lines is None:
                continue
            top_limit = stack_lines[-1].y + size * 0.6 + 12  # below the stack's name, and a gap
            for title_size in TITLE_SIZES:
                title_lines = _title_lines(draw, title, title_size, top_limit, split)
                if title_lines is not None:
                    return title_lines + stack_lines
    # Only beyond the field limits (120 characters each): nothing left out, the smallest sizes, lines as needed.
    result: list[TextLine] = []
    y = 60.0
    for text, size in ((stack, 12), (title, TITLE_SIZES[-1])):
        font = _font(size)
        for line in _fill(draw, text.split(), font, [float(STACK_WIDTH)] * len(text), True) or []:
            result.append(TextLine(line, size, y, "mt"))
            y += size * 1.15
        y += 12
    return result


def generate_badge(title: str, color: str, level: str, stack_title: str) -> bytes:
    """A 512×512 badge: a disc in the stack's colour, the title, the stack and a level mark."""
    size = BADGE_SIZE
    base = _hex_to_rgb(color)
    dark = _mix(base, (0, 0, 0), 0.45)
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, size - 8, size - 8), fill=dark)
    draw.ellipse((24, 24, size - 24, size - 24), fill=base)
    draw.ellipse((40, 40, size - 40, size - 40), outline=(255, 255, 255), width=4)

    for line in badge_text(draw, title, stack_title):
        draw.text((size / 2, line.y), line.text, font=_font(line.size), fill=(255, 255, 255), anchor=line.anchor)
    # The level mark: one, two or three stones, like a cairn growing taller.
    marks = LEVEL_MARKS.get(level, 1)
    for index in range(marks):
        width = 70 - index * 18
        y = 430 - index * 22
        draw.rounded_rectangle(
            (size / 2 - width / 2, y - 9, size / 2 + width / 2, y + 9), radius=9, fill=(255, 255, 255)
        )
    return _png_bytes(image)


def _png_bytes(image: Image.Image, compress_level: int = 6) -> bytes:
    # Palette PNGs are a fraction of the size of RGBA ones (every private baked PNG copies the
    # badge). zlib level 6, measured on a badge: 4.3 ms and 9.9 KB; level 8 12.7 ms for 8.9 KB;
    # level 9 29 ms for 8.8 KB. A catalog has 500 badges and nobody downloads them all.
    quantised = image.quantize(colors=128, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    out = io.BytesIO()
    quantised.save(out, format="PNG", compress_level=compress_level)
    return out.getvalue()
