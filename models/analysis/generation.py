"""What the GAN page computes: sample grids, walks through the noise, the discriminator's view and the
CycleGAN's round trips.

Pages call these and only draw the results; benchmarks time these same calls.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.checkpoints import read_progress
from models.data.styles import LOSSES, embolden
from models.eval import metrics
from models.runtime.inference import (
    Classifier,
    GenerativeAdversarial,
    Translator,
    to_model_input,
)


def gan_grid(
    model: GenerativeAdversarial, n: int, seed: int, truncation: float | None, label: int | None = None
) -> np.ndarray:
    labels = None if label is None else np.full(n, label)
    return model.generate(model.noise(n, seed, truncation), labels)[..., 0]


def slerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Spherical interpolation: stays at the typical radius of a Gaussian, unlike a straight line."""
    a_n, b_n = a / np.linalg.norm(a), b / np.linalg.norm(b)
    omega = np.arccos(np.clip(np.dot(a_n, b_n), -1.0, 1.0))
    if omega < 1e-6:
        return (1 - t)[:, None] * a + t[:, None] * b
    return (np.sin((1 - t) * omega)[:, None] * a + np.sin(t * omega)[:, None] * b) / np.sin(omega)


def walk_point(
    model: GenerativeAdversarial, a: np.ndarray, b: np.ndarray, t: float, label: int | None = None
) -> np.ndarray:
    """The generator's image at position ``t`` of the spherical walk from noise ``a`` to ``b``."""
    z = slerp(np.asarray(a, np.float64), np.asarray(b, np.float64), np.array([float(t)])).astype(np.float32)
    return model.generate(z, None if label is None else np.full(1, label))[0, ..., 0]


def seed_interpolation(
    model: GenerativeAdversarial, seed_a: int, seed_b: int, steps: int, label: int | None = None
) -> np.ndarray:
    z = slerp(model.noise(1, seed_a)[0], model.noise(1, seed_b)[0], np.linspace(0, 1, steps)).astype(np.float32)
    return model.generate(z, None if label is None else np.full(steps, label))[..., 0]


def all_classes(model: GenerativeAdversarial, seed: int, truncation: float | None) -> np.ndarray:
    """One latent vector rendered as each of the 10 classes (conditional GAN)."""
    z = np.repeat(model.noise(1, seed, truncation), 10, axis=0)
    return model.generate(z, np.arange(10))[..., 0]


def discriminator_scores(
    model: GenerativeAdversarial,
    fake: np.ndarray,
    real: np.ndarray,
    real_labels: np.ndarray,
    fake_labels: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """P(real) the discriminator assigns to generated and to real images."""
    return (
        model.discriminate(fake, fake_labels if model.conditional else None),
        model.discriminate(real, real_labels if model.conditional else None),
    )


def class_shares(classifier: Classifier, images: np.ndarray) -> np.ndarray:
    return metrics.class_histogram(classifier.probabilities(images).argmax(axis=1))


def progress_frames(png: bytes) -> np.ndarray:
    """Split a GAN's progress sprite (one 56-pixel band of 2×10 samples per epoch) into frames."""
    import io

    from PIL import Image

    sprite = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
    return sprite.reshape(-1, 56, sprite.shape[1])


def training_timeline(model: GenerativeAdversarial) -> np.ndarray | None:
    """The GAN's per-epoch frames saved beside its checkpoint, or None if there are none (or they are damaged)."""
    png = read_progress(model.dataset, model.spec.name)
    try:
        return None if png is None else progress_frames(png)
    except ValueError:
        return None


def gan_confidence(classifier: Classifier, images: np.ndarray) -> float:
    """Share of ``images`` the classifier is ≥ 90% sure of: the number a lecturer says out loud."""
    return metrics.confident_share(classifier.probabilities(images))


def label_images(classifier: Classifier, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The classifier's class and confidence for each image: how recognisable a reconstruction is."""
    probs = classifier.probabilities(images)
    return probs.argmax(axis=1), probs.max(axis=1)


@dataclass(frozen=True)
class RoundTrip:
    source: np.ndarray  # (28, 28) floats in [0, 1], in the style translated from
    there: np.ndarray  # translated to the other style
    back: np.ndarray  # translated back: should be ``source`` again
    cycle_l1: float  # mean |back − source|, the cycle-consistency error of this image


def cycle_round_trip(model: Translator, image: np.ndarray, to: str) -> RoundTrip:
    """Translate one uint8 image to style ``to`` ("bold" or "regular") and back. An image sent to "regular"
    is emboldened first, so either direction starts from its own style."""
    x = to_model_input(np.asarray(image)[None])
    source = embolden(x) if to == "regular" else x
    there, back = model.round_trip(source, to)
    return RoundTrip(source[0, ..., 0], there[0, ..., 0], back[0, ..., 0], float(np.abs(back - source).mean()))


def cyclegan_curves(card: dict) -> dict[str, list[float]]:
    """The CycleGAN's training losses from its card (one point per logged stretch of training)."""
    history = card.get("history") or {}
    return {name: [float(v) for v in history[name]] for name in LOSSES if name in history}


def generator_loss_curves(n: int = 199) -> dict[str, np.ndarray]:
    """The minimax game's saturating generator loss log(1 − D) and the non-saturating −log D over D = D(G(z)) in
    (0, 1), with their derivatives with respect to the discriminator's logit (−D and −(1 − D)): the NumPy twin of
    ``models.nets.gan.generator_loss``, for the GAN page's chart."""
    d = np.linspace(0.0, 1.0, n + 2)[1:-1]
    return {
        "d": d,
        "saturating": np.log1p(-d),
        "non_saturating": -np.log(d),
        "grad_saturating": -d,
        "grad_non_saturating": -(1.0 - d),
    }


# ---------------------------------------------------------------- pairs vs no pairs (pix2pix beside the CycleGAN)

PAIRED_L1_RATIO = 0.7  # issue #36's bar: pix2pix's L1 to the true bold image at most 0.7× the CycleGAN's
PAIRED_KEPT = 0.98  # … and the classifier still reads the digit in at least 98% of its translations


@dataclass(frozen=True)
class TranslatorRow:
    name: str  # registry name
    l1_to_bold: float  # mean |G(x) − bold(x)| over the test split (the card)
    l1_to_regular: float  # mean |F(bold(x)) − x|
    kept: float  # share of translations (both directions) the classifier still reads as the digit
    seconds: float | None  # training time


def paired_vs_unpaired(paired: dict, unpaired: dict) -> tuple[list[TranslatorRow], dict[str, tuple[float, bool]]]:
    """(rows for the pix2pix and CycleGAN cards, both scored on the same 10,000 test digits by
    ``evaluate_cyclegan``; the bar checks: name → (measured, met))."""
    rows = []
    for card in (paired, unpaired):
        m = card["metrics"]
        rows.append(
            TranslatorRow(
                card["model"],
                m["translation_l1_to_bold"],
                m["translation_l1_to_regular"],
                m["class_kept"],
                card.get("train_seconds"),
            )
        )
    ratio = rows[0].l1_to_bold / rows[1].l1_to_bold
    return rows, {"l1_ratio": (ratio, ratio <= PAIRED_L1_RATIO), "kept": (rows[0].kept, rows[0].kept >= PAIRED_KEPT)}


def translate_to_bold(models: dict[str, Translator], image: np.ndarray) -> tuple[np.ndarray, dict[str, tuple]]:
    """(the true bold image, name → (its translation to bold, mean |translation − true bold|)) for one uint8 image."""
    x = to_model_input(np.asarray(image)[None])
    truth = embolden(x)
    out = {}
    for name, model in models.items():
        bold = model.translate(x, "bold")
        out[name] = (bold[0, ..., 0], float(np.abs(bold - truth).mean()))
    return truth[0, ..., 0], out
