"""The class activity "Real or fake?": the same images for every student (half real test images, half a
GAN's samples, in a shuffled order), and the discriminator's own verdict on each, for the lecturer to show
beside the class's votes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from models.analysis.generation import gan_grid
from models.data import imaging
from models.runtime.inference import GenerativeAdversarial

QUIZ_SIZE = 8


@dataclass(frozen=True)
class Quiz:
    images: np.ndarray  # (n, 28, 28) uint8, in the order every student sees them
    real: np.ndarray  # (n,) bool: a test image (True) or the GAN's (False)
    d_real: np.ndarray  # (n,) the discriminator's P(real)


def quiz_seed(code: str, round_: int) -> int:
    """One seed per room and round: every student of a round sees the same images, a new round new ones."""
    return int.from_bytes(hashlib.sha256(f"{code}:{round_}".encode()).digest()[:4], "big")


def make_quiz(gan: GenerativeAdversarial, real_images: np.ndarray, seed: int, n: int = QUIZ_SIZE) -> Quiz:
    rng = np.random.default_rng(seed)
    half = n // 2
    real = imaging.to_uint8(real_images[rng.choice(len(real_images), half, replace=False)])
    labels = None if not gan.conditional else rng.integers(0, 10, n - half)
    fake = imaging.to_uint8(gan_grid(gan, n - half, seed, None) if labels is None else _conditional(gan, labels, seed))
    images = np.concatenate([real, fake])
    is_real = np.arange(n) < half
    order = rng.permutation(n)
    images, is_real = images[order], is_real[order]
    d_real = gan.discriminate(images, None if not gan.conditional else np.zeros(n, np.int32))
    return Quiz(images, is_real, np.asarray(d_real, np.float64))


def _conditional(gan: GenerativeAdversarial, labels: np.ndarray, seed: int) -> np.ndarray:
    return gan.generate(gan.noise(len(labels), seed), labels)[..., 0]


def class_accuracy(votes: list[list[int | None]], real: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per image: the share of the class's votes that were right, and how many voted on it."""
    n = len(real)
    right, counted = np.zeros(n), np.zeros(n, int)
    for ballot in votes:
        for i, vote in enumerate(ballot[:n]):
            if vote is None:
                continue
            counted[i] += 1
            right[i] += (vote == 1) == bool(real[i])
    return np.divide(right, counted, out=np.full(n, np.nan), where=counted > 0), counted
