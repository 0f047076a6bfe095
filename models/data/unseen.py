"""Images a dataset's models never saw, made the same way every time: the out-of-distribution sets of the
outlier lesson (``python -m training.outliers``). NumPy and Pillow only.

- ``noise``: uniform grey noise, one seeded draw per image;
- ``letters``: A–Z and a–z drawn from a font (DejaVu Sans when the system has it, else Pillow's own font), in
  several stroke widths and slants, then made MNIST-like by the upload pipeline (20×20 box, centred by mass);
- ``flipped``: the dataset's own test images upside down; ``rotated``: turned a quarter turn.
"""

from __future__ import annotations

import string
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from models.data.preprocess import mnist_style

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/Library/Fonts/DejaVuSans.ttf",
)
LETTERS = string.ascii_uppercase + string.ascii_lowercase
STROKES = (0, 1, 2, 3)  # extra stroke width in pixels at 64-pixel letters: thin to bold
SHEARS = (-0.3, 0.0, 0.3)  # slant, like handwriting leans


def font(size: int = 64) -> tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, str]:
    """(font, its name): DejaVu Sans if installed, else Pillow's built-in font."""
    for path in FONT_CANDIDATES:
        if Path(path).exists():
            return ImageFont.truetype(path, size), "DejaVu Sans"
    fallback = ImageFont.load_default(size=size)
    return fallback, getattr(getattr(fallback, "font", None), "family", "Pillow default")


def letter_images() -> tuple[np.ndarray, str]:
    """(uint8 (N, 28, 28) letters, font name): every letter × stroke width × slant, MNIST-style."""
    face, name = font()
    images = []
    for letter in LETTERS:
        for stroke in STROKES:
            canvas = Image.new("L", (128, 128), 0)
            ImageDraw.Draw(canvas).text((32, 16), letter, fill=255, font=face, stroke_width=stroke, stroke_fill=255)
            for shear in SHEARS:
                slanted = canvas.transform(canvas.size, Image.AFFINE, (1, shear, -shear * 64, 0, 1, 0), Image.BILINEAR)
                images.append(mnist_style(np.asarray(slanted, np.float64) / 255.0))
    return np.stack(images), name


def noise_images(n: int, seed: int) -> np.ndarray:
    """``n`` uniform-noise uint8 images."""
    return np.random.default_rng(seed).integers(0, 256, (n, 28, 28), dtype=np.uint8)


def flipped(images: np.ndarray) -> np.ndarray:
    """Upside down."""
    return np.ascontiguousarray(np.asarray(images)[:, ::-1, :])


def rotated(images: np.ndarray) -> np.ndarray:
    """A quarter turn anticlockwise."""
    return np.ascontiguousarray(np.rot90(np.asarray(images), 1, axes=(1, 2)))
