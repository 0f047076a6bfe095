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
        # Under PIL's own bomb limit (~89 MP) but over ours (25 MP): our check, not PIL's, must catch it.
        "large.png": (png_header_only(6_000, 5_000), "too_many_pixels"),
        "tiny.png": (_save(Image.new("L", (1, 1), 255), "PNG"), "blank"),
        "animated.gif": (gif.getvalue(), "animated"),
        "huge.png": (good_png + b"\0" * (6 * 1024 * 1024), "file_too_big"),
    }


def convertible_uploads() -> dict[str, tuple[bytes, str]]:
    """Odd but usable formats: name → (bytes, the catalogue key of the note the user is shown)."""
    digit = Image.open(io.BytesIO(digit_png()))
    sixteen = Image.fromarray(np.asarray(digit, np.uint16) * 257)  # PIL picks mode I;16
    rgba = Image.new("RGBA", (120, 120), (0, 0, 0, 0))
    ImageDraw.Draw(rgba).line([(30, 20), (60, 100)], fill=(0, 0, 0, 255), width=12)
    # Palette and gray+alpha images whose background is transparent black under black ink: read without
    # their transparency they are all black, so only the transparency handling finds the stroke.
    palette = Image.new("P", (80, 80), 0)
    palette.putpalette([0, 0, 0] * 256)
    ImageDraw.Draw(palette).line([(40, 10), (25, 70)], fill=1, width=8)
    gray_alpha = Image.new("LA", (80, 80), (0, 0))
    ImageDraw.Draw(gray_alpha).line([(40, 10), (25, 70)], fill=(0, 255), width=8)
    return {
        "palette.png": (_save(palette, "PNG", transparency=0), "transparent"),
        "gray_alpha.png": (_save(gray_alpha, "PNG"), "transparent"),
        "sixteen.png": (_save(sixteen, "PNG"), "scaled_to_8_bits"),
        "cmyk.jpg": (_save(digit.convert("CMYK"), "JPEG"), "cmyk"),
        "transparent.png": (_save(rgba, "PNG"), "transparent"),
    }


def exif_rotated_digit() -> tuple[bytes, bytes]:
    """(a JPEG stored on its side with EXIF orientation 6, as phones write them; the same picture upright as PNG)."""
    upright = Image.open(io.BytesIO(off_centre_dark_digit()))
    stored = upright.rotate(90, expand=True)  # orientation 6: turn 90° clockwise to show it
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation
    return _save(stored, "JPEG", quality=95, exif=exif), _save(upright, "PNG")


def thin_stroke() -> bytes:
    """A one-pixel-wide vertical stroke: its 20×20 fit is under one pixel wide before rounding."""
    img = Image.new("L", (100, 100), 255)
    ImageDraw.Draw(img).line([(50, 10), (50, 70)], fill=0, width=1)
    return _save(img, "PNG")
