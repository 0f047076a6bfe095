"""What the Latent space and β-VAE pages compute: codes, maps, interpolations, samples from the prior and
perturbations of one latent at a time.

Pages call these and only draw the results; benchmarks time these same calls.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.eval import metrics
from models.runtime.inference import (
    Autoencoder,
    VariationalAE,
    to_model_input,
)


def latent_means(model: Autoencoder, images: np.ndarray) -> np.ndarray:
    return model.encode(to_model_input(images))


def principal_plane(codes: np.ndarray) -> np.ndarray:
    """Codes wider than 2-D projected on their first two principal components, each axis's sign fixed (its largest
    loading positive) so that a map redrawn as the model trains does not flip; 2-D codes come back unchanged."""
    codes = np.asarray(codes, np.float64)
    if codes.shape[1] <= 2:
        return codes
    centred = codes - codes.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    axes = vt[:2] * np.sign(vt[:2][np.arange(2), np.abs(vt[:2]).argmax(axis=1)])[:, None]
    return centred @ axes.T


def manifold(model: Autoencoder, lo: float, hi: float, n: int) -> np.ndarray:
    """Decode an n×n grid over [lo, hi]² (rows top to bottom = high to low z₂)."""
    values = np.linspace(lo, hi, n, dtype=np.float32)
    zz = np.array([[x, y] for y in values[::-1] for x in values], np.float32)
    return model.decode(zz)[..., 0]


def decode_point(model: Autoencoder, z: np.ndarray) -> np.ndarray:
    return model.decode(np.asarray(z, np.float32).reshape(1, -1))[0, ..., 0]


def interpolate(model: Autoencoder, a: np.ndarray, b: np.ndarray, steps: int) -> np.ndarray:
    """Decode ``steps`` points on the straight line between the codes of images ``a`` and ``b``."""
    za, zb = latent_means(model, np.stack([a, b]))
    t = np.linspace(0.0, 1.0, steps, dtype=np.float32)[:, None]
    return model.decode((1 - t) * za + t * zb)[..., 0]


def decode_random_codes(model: Autoencoder, codes: np.ndarray, n: int, seed: int) -> np.ndarray:
    """Decode ``n`` standard-normal points scaled to the spread of ``codes``: a plain AE's "prior samples"."""
    z = np.random.default_rng(seed).standard_normal((n, codes.shape[1])).astype(np.float32) * codes.std(axis=0)
    return model.decode(z.astype(np.float32))[..., 0]


@dataclass
class Reparameterization:
    mu: np.ndarray  # (d,) posterior mean of the input
    sigma: np.ndarray  # (d,) posterior standard deviation
    eps: np.ndarray  # (k, d) standard-normal draws
    z: np.ndarray  # (k, d) = mu + sigma * eps: what the decoder receives while training
    decoded: np.ndarray  # (k, 28, 28)
    kl: float  # KL(q(z|x) ‖ N(0, I)) of this input, nats (the formula of the model's loss)
    log_var: np.ndarray  # (d,) log σ², the encoder's z_log_var


def reparameterize(model: VariationalAE, image: np.ndarray, k: int, seed: int) -> Reparameterization:
    """The reparameterization trick for one input: z = μ + σ·ε with ε ~ N(0, I) drawn outside the network,
    so the sampling step has gradients with respect to μ and σ."""
    mu, log_var = (a[0].astype(np.float64) for a in model.posterior(to_model_input(image[None])))
    sigma = np.exp(0.5 * log_var)
    eps = np.random.default_rng(seed).standard_normal((k, len(mu)))
    z = (mu + sigma * eps).astype(np.float32)
    kl = float(metrics.gaussian_kl_per_dim(mu[None], log_var[None]).sum())
    return Reparameterization(mu, sigma, eps, z, model.decode(z)[..., 0], kl, log_var)


SPREAD_DRAWS = 10_000


def sampling_spreads(log_var: np.ndarray, seed: int = 0, n: int = SPREAD_DRAWS) -> dict[str, np.ndarray]:
    """The standard deviation, per latent dimension, of ``n`` seeded draws of z − μ by each sampling layer:
    the course's ``exp(z_log_var) · ε`` (σ², since z_log_var is log σ²) and the correct ``exp(0.5 · z_log_var) · ε``
    (σ). Measured on the draws, not taken from the formula, as the sampling layer would produce them."""
    log_var = np.asarray(log_var, np.float64)
    eps = np.random.default_rng(seed).standard_normal((n, len(log_var)))
    return {"course": (np.exp(log_var) * eps).std(axis=0), "correct": (np.exp(0.5 * log_var) * eps).std(axis=0)}


def prior_samples(model: VariationalAE, n: int, seed: int) -> np.ndarray:
    z = np.random.default_rng(seed).standard_normal((n, model.latent_dim)).astype(np.float32)
    return model.decode(z)[..., 0]


def kl_order(model: VariationalAE) -> np.ndarray:
    """Latent dimensions sorted by their mean KL on the test split (from the card), most used first."""
    kl = np.asarray(model.card.get("metrics", {}).get("kl_per_dim", np.zeros(model.latent_dim)))
    return np.argsort(-kl, kind="stable")


def perturb(model: VariationalAE, image: np.ndarray, offsets: dict[int, float]) -> np.ndarray:
    """Decode the image's posterior mean with some dimensions moved by the given amounts."""
    z = latent_means(model, image[None]).copy()
    for dim, value in offsets.items():
        z[0, dim] += value
    return model.decode(z)[0, ..., 0]


def traversal(model: VariationalAE, image: np.ndarray, dims: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Rows = dimensions, columns = values: each dimension set to each value, the others held at the mean."""
    z0 = latent_means(model, image[None])[0]
    zs = np.repeat(z0[None], len(dims) * len(values), axis=0)
    for r, dim in enumerate(dims):
        zs[r * len(values) : (r + 1) * len(values), dim] = values
    return model.decode(zs.astype(np.float32))[..., 0]
