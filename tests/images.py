"""Builders of test uploads, good and bad (shared by the unit, AppTest and browser tests)."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image, ImageDraw


def _save(img: Image.Image, fmt: str, **kw) -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, format=fmt, **kw)
    return buffer.getvalue()


def off_centre_dark_digit() -> bytes:
    """A dark "7" near the top-left corner of a light 200×300 page."""
    img = Image.new("L", (300, 200), 235)
    draw = ImageDraw.Draw(img)
    draw.line([(20, 20), (80, 20)], fill=15, width=10)
    draw.line([(80, 20), (40, 110)], fill=15, width=10)
    return _save(img, "PNG")


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims to be ``width``×``height`` (a decompression bomb), with a tiny body."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 100)) + chunk(b"IEND", b"")
    )


def digit_png() -> bytes:
    return off_centre_dark_digit()


def bad_uploads() -> dict[str, tuple[bytes, str]]:
    """name → (file bytes, the catalogue key (``preprocess.<key>``) of the message the user must see)."""
    good_png, good_jpeg = digit_png(), _save(Image.open(io.BytesIO(digit_png())).convert("RGB"), "JPEG")
    frames = [Image.new("L", (28, 28), v) for v in (0, 255)]
    gif = io.BytesIO()
    frames[0].save(gif, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return {
        "empty.png": (b"", "empty"),
        "notes.png": (b"this is a text file, not an image\n" * 10, "unreadable"),
        "truncated.png": (good_png[: len(good_png) // 2], "damaged"),
        "truncated.jpg": (good_jpeg[: len(good_jpeg) // 2], "damaged"),
        "bomb.png": (png_header_only(20_000, 20_000), "bomb"),
        "animated.gif": (gif.getvalue(), "animated"),
        "huge.png": (good_png + b"\0" * (6 * 1024 * 1024), "file_too_big"),
    }


def convertible_uploads() -> dict[str, tuple[bytes, str]]:
    """Odd but usable formats: name → (bytes, the catalogue key of the note the user is shown)."""
    digit = Image.open(io.BytesIO(digit_png()))
    sixteen = Image.fromarray(np.asarray(digit, np.uint16) * 257)  # PIL picks mode I;16
    rgba = Image.new("RGBA", (120, 120), (0, 0, 0, 0))
    ImageDraw.Draw(rgba).line([(30, 20), (60, 100)], fill=(0, 0, 0, 255), width=12)
    return {
        "sixteen.png": (_save(sixteen, "PNG"), "scaled_to_8_bits"),
        "cmyk.jpg": (_save(digit.convert("CMYK"), "JPEG"), "cmyk"),
        "transparent.png": (_save(rgba, "PNG"), "transparent"),
    }
