"""Outlier scores from the zoo's models, in NumPy (the app's runtime runs them): how unlikely an image is under
the dataset's VAE, how badly an autoencoder rebuilds it, how complex it is, and the corrected score.

- ``neg_elbo``: the importance-weighted bound (Burda et al. 2016) on −log p(x) with ``K`` posterior samples, in nats;
  with K samples it is tighter than the one-sample −ELBO of the model card (never looser in expectation).
- ``reconstruction``: the autoencoder's per-pixel MSE.
- ``complexity``: the image's PNG-compressed length in nats (Serrà et al. 2020): a stand-in for how much
  information any model must spend on it.
- ``corrected``: −ELBO minus complexity: the nats the VAE spends beyond what a generic compressor needs
  (simple images are likely under every model; this removes that).

Every function is deterministic (seeded ε), so the stored results and the live score of an image agree.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping

import numpy as np
from PIL import Image

from models.eval.metrics import EPS, mse_per_image
from models.runtime.inference import Autoencoder, VariationalAE, to_model_input

SCORES = ("neg_elbo", "reconstruction", "complexity", "corrected")
IW_SAMPLES = 8  # importance samples per image: the bound tightens by a few nats from K=1, little beyond 8
SCORE_SEED = 0
VAE = "vae_dense"
AUTOENCODER = "conv_ae_transpose"
LOG_2PI = math.log(2.0 * math.pi)


def _logsumexp(a: np.ndarray, axis: int) -> np.ndarray:
    top = a.max(axis=axis, keepdims=True)
    return (top + np.log(np.exp(a - top).sum(axis=axis, keepdims=True))).squeeze(axis)


def importance_weighted_neg_elbo(
    vae: VariationalAE, images: np.ndarray, samples: int = IW_SAMPLES, seed: int = SCORE_SEED, batch: int = 1000
) -> np.ndarray:
    """−log p̂(x) in nats per image: −log mean_k p(x|z_k) p(z_k) / q(z_k|x), z_k ~ q(z|x), Bernoulli decoder.

    ε is drawn per chunk of ``batch`` images from ``seed`` and the chunk's start: the same images in the same order
    always get the same scores (a single image gets the draw of position 0)."""
    x = to_model_input(images).reshape(len(images), -1).astype(np.float64)
    out = np.empty(len(x))
    for start in range(0, len(x), batch):
        xb = x[start : start + batch]
        mean, log_var = (np.asarray(a, np.float64) for a in vae.posterior(xb.reshape(-1, 28, 28, 1).astype(np.float32)))
        rng = np.random.default_rng([seed, start])
        eps = rng.standard_normal((len(xb), samples, mean.shape[1]))
        std = np.exp(0.5 * log_var)[:, None, :]
        z = mean[:, None, :] + std * eps
        p = vae.decode(z.reshape(-1, mean.shape[1]).astype(np.float32)).reshape(len(xb), samples, -1)
        p = np.clip(p.astype(np.float64), EPS, 1 - EPS)
        log_px_z = (xb[:, None, :] * np.log(p) + (1 - xb[:, None, :]) * np.log(1 - p)).sum(axis=2)
        log_pz = -0.5 * (z**2 + LOG_2PI).sum(axis=2)
        log_qz = -0.5 * (eps**2 + LOG_2PI + log_var[:, None, :]).sum(axis=2)
        out[start : start + batch] = -(_logsumexp(log_px_z + log_pz - log_qz, axis=1) - math.log(samples))
    return out


def reconstruction_error(autoencoder: Autoencoder, images: np.ndarray) -> np.ndarray:
    """The autoencoder's mean squared error per image (pixels in [0, 1])."""
    x = to_model_input(images)
    return mse_per_image(x, autoencoder.reconstruct(x))


def png_nats(image: np.ndarray) -> float:
    """Length of the 28×28 uint8 image as a PNG (zlib level 9), in nats: 8 ln 2 per byte."""
    buffer = io.BytesIO()
    Image.fromarray(np.asarray(image, np.uint8).reshape(28, 28), mode="L").save(buffer, format="PNG", compress_level=9)
    return buffer.tell() * 8 * math.log(2.0)


BLANK_NATS = png_nats(np.zeros((28, 28), np.uint8))  # the PNG's headers and an empty picture: the same for every image


def complexity(images: np.ndarray) -> np.ndarray:
    """Input complexity (Serrà et al. 2020) of each uint8 image: its PNG length beyond a blank picture's, in nats
    (the constant does not change any ranking; it keeps a blank image at 0)."""
    return np.array([png_nats(im) - BLANK_NATS for im in np.asarray(images)])


def score_images(
    vae: VariationalAE, autoencoder: Autoencoder, images: np.ndarray, samples: int = IW_SAMPLES
) -> dict[str, np.ndarray]:
    """Every score of ``SCORES`` for uint8 images (N, 28, 28): higher means more unusual."""
    images = np.asarray(images, np.uint8).reshape(-1, 28, 28)
    neg_elbo = importance_weighted_neg_elbo(vae, images, samples)
    simple = complexity(images)
    return {
        "neg_elbo": neg_elbo,
        "reconstruction": reconstruction_error(autoencoder, images),
        "complexity": simple,
        "corrected": neg_elbo - simple,
    }


def percentile_of(value: float, percentiles: list[float]) -> float:
    """Where ``value`` falls among the test split's scores, from their stored 0th…100th percentiles
    (linear between them): 0 below the lowest, 100 above the highest."""
    q = np.asarray(percentiles, np.float64)
    if value <= q[0]:
        return 0.0
    if value >= q[-1]:
        return 100.0
    return float(np.interp(value, q, np.linspace(0.0, 100.0, len(q))))


VERDICTS = ((99.0, "outlier"), (95.0, "unusual"), (0.0, "typical"))


def verdict(percentile: float) -> str:
    """ "outlier" above the test split's 99th percentile, "unusual" above its 95th, else "typical"."""
    return next(name for edge, name in VERDICTS if percentile >= edge)


def histogram_edges(values: Mapping[str, np.ndarray], bins: int = 50) -> tuple[np.ndarray, bool]:
    """Shared bin edges for several sets' scores: log-spaced when every score is positive (noise scores
    thousands of nats where digits score about a hundred), else linear; from the pooled 0.5th to 99.5th
    percentile (a few extreme values would squeeze every other bar into one)."""
    pooled = np.concatenate([np.asarray(v, np.float64) for v in values.values()])
    low, high = np.percentile(pooled, [0.5, 99.5])
    if low > 0:
        return np.geomspace(low, high, bins + 1), True
    return np.linspace(low, high, bins + 1), False


def histogram(values: np.ndarray, edges: np.ndarray) -> list[int]:
    """Counts per bin, values outside the edges counted in the end bins (so every image is in a bar)."""
    clipped = np.clip(np.asarray(values, np.float64), edges[0], edges[-1])
    return [int(c) for c in np.histogram(clipped, edges)[0]]
