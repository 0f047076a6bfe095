"""Turn any user image into an MNIST-style input, the way MNIST itself was made.

Grayscale, inverted when the background is light, cropped to the ink, fitted into 20×20
(keeping the aspect ratio), and centred by its centre of mass in a 28×28 frame; or, for the shapes, the whole
frame at 32×32, binary. Every problem with an upload becomes an ``ImageInputError`` with a message for the user.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageOps

MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # matches server.maxUploadSize in .streamlit/config.toml
MAX_PIXELS = 25_000_000  # above this an upload is treated as a decompression bomb
INK_THRESHOLD = 0.15


class Note(str):
    """A conversion the user should know about: English text, plus a catalogue ``key`` and its ``values``
    so the app can show it in the user's language (``preprocess.<key>``)."""

    def __new__(cls, key: str, text: str, **values):
        note = super().__new__(cls, text)
        note.key, note.values = key, values
        return note


class ImageInputError(ValueError):
    """An upload that cannot be used; the message is written for the person who uploaded it
    (English in ``str(err)``; ``key`` and ``values`` name the translated message ``preprocess.<key>``)."""

    def __init__(self, key: str, text: str, **values):
        super().__init__(text)
        self.key, self.values = key, values


@dataclass
class Preprocessed:
    image: np.ndarray  # (28, 28) uint8, light ink on black
    original: np.ndarray  # the upload as 8-bit grayscale, for display
    notes: list[Note] = field(default_factory=list)  # conversions we made, shown to the user


def _open(data: bytes) -> Image.Image:
    if not data:
        raise ImageInputError("empty", "The file is empty (0 bytes).")
    if len(data) > MAX_UPLOAD_BYTES:
        size, limit = round(len(data) / 1e6, 1), round(MAX_UPLOAD_BYTES / 1e6)
        raise ImageInputError(
            "file_too_big", f"The file is {size} MB; the limit is {limit} MB.", size=size, limit=limit
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            width, height = img.size
            if width * height > MAX_PIXELS:
                limit = MAX_PIXELS // 1_000_000
                raise ImageInputError(
                    "too_many_pixels",
                    f"The image is {width}×{height} pixels: too large (the "
                    f"limit is {limit} megapixels). Scale it down first.",
                    width=width,
                    height=height,
                    limit=limit,
                )
            if getattr(img, "n_frames", 1) > 1:
                raise ImageInputError(
                    "animated",
                    f"The image is animated ({img.n_frames} frames); upload a single frame.",
                    frames=img.n_frames,
                )
            img.load()
    except ImageInputError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageInputError(
            "bomb", "The image is too large to decode safely (a decompression bomb?). Scale it down first."
        ) from None
    except Image.UnidentifiedImageError:
        raise ImageInputError("unreadable", "This is not an image Latent Lab can read; upload a PNG or JPEG.") from None
    except (OSError, SyntaxError, ValueError) as err:
        raise ImageInputError(
            "damaged", f"The image is damaged or truncated and cannot be decoded ({err}).", detail=str(err)
        ) from None
    return img


def to_grayscale(img: Image.Image) -> tuple[np.ndarray, list[Note]]:
    """Any mode → float grayscale in [0, 1], with a note for each conversion a user should know about."""
    notes = []
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        a = np.asarray(img, np.float64)
        hi = 65535.0 if img.mode.startswith("I;16") or a.max() > 255 else 255.0
        depth = "16-bit" if hi > 255 else img.mode
        notes.append(Note("scaled_to_8_bits", f"{depth} image scaled to 8 bits.", depth=depth))
        return np.clip(a / hi, 0.0, 1.0), notes
    if img.mode == "CMYK":
        notes.append(Note("cmyk", "CMYK image converted to RGB."))
        img = img.convert("RGB")
    if img.mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    if img.mode in ("RGBA", "LA", "PA"):
        rgba = img.convert("RGBA")
        alpha = np.asarray(rgba, np.float64)[..., 3] / 255.0
        gray = np.asarray(rgba.convert("L"), np.float64) / 255.0
        if alpha.min() < 1.0:
            notes.append(Note("transparent", "Transparent areas treated as background."))
            # Composite onto the colour the visible pixels are *not*: ink stays ink.
            visible = gray[alpha > 0.5]
            background = 1.0 if visible.size and visible.mean() < 0.5 else 0.0
            gray = gray * alpha + background * (1.0 - alpha)
        return gray, notes
    return np.asarray(img.convert("L"), np.float64) / 255.0, notes


def mnist_style(gray: np.ndarray) -> np.ndarray:
    """Grayscale [0, 1] (any size) → (28, 28) uint8 digit: light ink on black, 20×20 box, mass-centred."""
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    ink = 1.0 - gray if np.median(border) > 0.5 else gray.copy()
    ink = ink - np.median(np.concatenate([ink[0], ink[-1], ink[:, 0], ink[:, -1]]))
    ink = np.clip(ink, 0.0, None)
    if ink.max() <= 0.05:
        raise ImageInputError("blank", "The image looks blank: no strokes found.")
    ink /= ink.max()
    rows = np.flatnonzero((ink > INK_THRESHOLD).any(axis=1))
    cols = np.flatnonzero((ink > INK_THRESHOLD).any(axis=0))
    crop = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    h, w = crop.shape
    scale = 20.0 / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = np.asarray(Image.fromarray((crop * 255).astype(np.uint8)).resize(size, Image.LANCZOS), np.float64)
    frame = np.zeros((28, 28))
    top, left = (28 - size[1]) // 2, (28 - size[0]) // 2
    frame[top : top + size[1], left : left + size[0]] = small
    # Shift so the centre of mass sits at the centre of the frame, as MNIST did.
    total = frame.sum()
    cy = (frame.sum(axis=1) * np.arange(28)).sum() / total
    cx = (frame.sum(axis=0) * np.arange(28)).sum() / total
    dy, dx = int(round(13.5 - cy)), int(round(13.5 - cx))
    shifted = np.zeros_like(frame)
    src = frame[max(0, -dy) : 28 - max(0, dy), max(0, -dx) : 28 - max(0, dx)]
    shifted[max(0, dy) : max(0, dy) + src.shape[0], max(0, dx) : max(0, dx) + src.shape[1]] = src
    return np.clip(shifted, 0, 255).round().astype(np.uint8)


def shape_style(gray: np.ndarray, size: int = 32) -> np.ndarray:
    """Grayscale [0, 1] (any size) → (size, size) binary shape, 0 or 255: the whole frame, not cropped or centred
    (a shape's position is one of its factors), light ink on black, thresholded as dSprites' images are."""
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    ink = 1.0 - gray if np.median(border) > 0.5 else gray
    if ink.max() - ink.min() <= 0.05:
        raise ImageInputError("blank", "The image looks blank: no strokes found.")
    small = np.asarray(Image.fromarray((ink * 255).round().astype(np.uint8)).resize((size, size), Image.BOX))
    return np.where(small >= 128, 255, 0).astype(np.uint8)


def preprocess_upload(data: bytes, style: Callable[[np.ndarray], np.ndarray] = mnist_style) -> Preprocessed:
    """Validate and convert uploaded file bytes; raises ``ImageInputError`` with a user-facing message."""
    img = _open(data)
    img = ImageOps.exif_transpose(img) or img
    gray, notes = to_grayscale(img)
    return Preprocessed(style(gray), (gray * 255).round().astype(np.uint8), notes)


def preprocess_array(rgba_or_gray: np.ndarray, style: Callable[[np.ndarray], np.ndarray] = mnist_style) -> Preprocessed:
    """Same pipeline for an in-memory drawing (e.g. the canvas' RGBA array)."""
    a = np.asarray(rgba_or_gray)
    img = Image.fromarray(a.astype(np.uint8))
    gray, notes = to_grayscale(img)
    return Preprocessed(style(gray), (gray * 255).round().astype(np.uint8), notes)
