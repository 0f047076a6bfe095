"""The computations behind each page, as plain functions of loaded models and arrays.

Pages call these and only draw the results; benchmarks time these same calls.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models import metrics
from models.inference import (
    Autoencoder,
    Classifier,
    GenerativeAdversarial,
    Translator,
    VariationalAE,
    to_model_input,
)
from models.noise import corrupt, median_filter3
from models.styles import LOSSES, embolden

# ---------------------------------------------------------------- reconstruction page


def reconstruct_all(models: dict[str, Autoencoder], image: np.ndarray) -> dict[str, tuple[np.ndarray, float]]:
    """One image through every autoencoder: {name: (reconstruction 28×28 in [0, 1], MSE)}."""
    x = to_model_input(image[None])
    out = {}
    for name, model in models.items():
        rec = model.reconstruct(x)
        out[name] = (rec[0, ..., 0], float(metrics.mse_per_image(x, rec)[0]))
    return out


def layer_table(model: Autoencoder) -> list[dict]:
    """Layer by layer: output shape and parameter count, encoder then decoder (app runtime: the networks
    are ``models.graph.Network``)."""
    return [
        {"network": part, "layer": name, "type": kind, "output shape": str(shape), "parameters": params}
        for part in ("encoder", "decoder")
        for name, kind, shape, params in getattr(model, part).summary()
    ]


@dataclass
class PCADemo:
    points: np.ndarray  # (m, 3) data
    codings: np.ndarray  # AE reconstructions in PCA's 2-D coordinates
    pca_codings: np.ndarray  # PCA projections of the data
    plane: tuple[np.ndarray, np.ndarray, np.ndarray]  # mesh of the AE's decoder plane


def pca_demo(toy: Autoencoder, points: np.ndarray | None = None) -> PCADemo:
    from models.toy import TOY_POINTS, TOY_SEED, generate_3d_data

    p = generate_3d_data(TOY_POINTS, TOY_SEED) if points is None else points
    axes, _, mean = metrics.pca(p, 2)
    rec = toy.reconstruct(p)
    # The decoder's plane: its bias plus the span of its kernel rows, drawn over the codings' range.
    dense = toy.decoder.get_layer(index=1)
    kernel, bias = (np.asarray(w) for w in dense.get_weights())
    codes = toy.encode(p)
    u = np.linspace(codes[:, 0].min(), codes[:, 0].max(), 10)
    v = np.linspace(codes[:, 1].min(), codes[:, 1].max(), 10)
    uu, vv = np.meshgrid(u, v)
    mesh = np.stack([uu.ravel(), vv.ravel()], axis=1) @ kernel + bias
    plane = tuple(mesh[:, i].reshape(uu.shape) for i in range(3))
    return PCADemo(p, (rec - mean) @ axes, (p - mean) @ axes, plane)


def oblique_view(demo: PCADemo, azimuth_deg: float, elevation_deg: float = 25.0) -> tuple[np.ndarray, np.ndarray]:
    """The 3-D points and the corners of the AE's plane as seen from a direction (orthographic projection):
    a 3-D picture drawn in 2-D, cheap for any browser (a WebGL 3-D chart took seconds to draw here)."""
    a, e = np.radians(azimuth_deg), np.radians(elevation_deg)

    def project(xyz: np.ndarray) -> np.ndarray:
        x, y, z = xyz[:, 0], xyz[:, 1], xyz[:, 2]
        depth = x * np.sin(a) + y * np.cos(a)
        return np.stack([x * np.cos(a) - y * np.sin(a), z * np.cos(e) - depth * np.sin(e)], axis=1)

    px, py, pz = (np.asarray(c) for c in demo.plane)
    rows, cols = [0, 0, -1, -1, 0], [0, -1, -1, 0, 0]  # the mesh's corners, closed
    corners = np.stack([px[rows, cols], py[rows, cols], pz[rows, cols]], axis=1)
    return project(np.asarray(demo.points)), project(corners)


def codings_2d(model: Autoencoder, images: np.ndarray) -> np.ndarray:
    """Codings of ``images`` projected onto their top two principal axes."""
    codes = model.encode(to_model_input(images)).reshape(len(images), -1)
    if codes.shape[1] == 2:
        return codes
    axes, _, mean = metrics.pca(codes, 2)
    return (codes - mean) @ axes


def tsne_map(model: Autoencoder) -> np.ndarray | None:
    """The precomputed t-SNE of the model's codings of the committed sample (``python -m training.tsne``), or
    None if it is missing, damaged, or was computed from other weights than the loaded checkpoint's."""
    from models.checkpoints import checkpoint_paths

    path = checkpoint_paths(model.dataset, model.spec.name)["tsne"]
    try:
        with np.load(path) as data:
            if str(data["weights_sha256"]) != model.card.get("weights_sha256"):
                return None
            return np.asarray(data["embedding"], np.float32)
    except (OSError, ValueError, KeyError):
        return None


def pretraining_curve(dataset: str) -> dict | None:
    """Test accuracy against labelled images per class, from scratch vs on the stacked AE's lower layer
    (``python -m training.pretraining``), or None if it has not been computed (or the file is damaged)."""
    import json

    from models.checkpoints import pretraining_path

    try:
        result = json.loads(pretraining_path(dataset).read_text())
        return result if isinstance(result.get("points"), list) else None
    except (OSError, ValueError, AttributeError):
        return None


def sparsity(model: Autoencoder, images: np.ndarray) -> dict:
    codes = model.encode(to_model_input(images))
    unit_means = codes.mean(axis=0)
    return {
        "activations": codes.ravel(),
        "unit_means": unit_means,
        "share_below": float((codes < 0.1).mean()),
        "share_units_in_band": float(((unit_means >= 0.1) & (unit_means < 0.2)).mean()),
    }


def checkerboard_energy(images: np.ndarray) -> np.ndarray:
    """Share of each image's detail energy at the highest spatial frequency (the pixel-by-pixel alternation
    that uneven overlaps of a stride-2 transposed convolution leave): the (H/2, W/2) terms of its 2-D
    spectrum over all terms but the mean. 0 for smooth images, 1 for a pure checkerboard."""
    x = np.asarray(images, np.float64).reshape(len(images), 28, 28)
    power = np.abs(np.fft.fft2(x - x.mean(axis=(1, 2), keepdims=True))) ** 2
    nyquist = power[:, 14, :].sum(axis=1) + power[:, :, 14].sum(axis=1) - power[:, 14, 14]
    return nyquist / np.maximum(power.sum(axis=(1, 2)), 1e-12)


@dataclass
class UpsamplingComparison:
    outputs: dict[str, np.ndarray]  # model → decoded constant code (28×28)
    detail: dict[str, np.ndarray]  # model → output minus its 3×3 mean: the pattern the eye misses
    energy: dict[str, float]  # model → checkerboard_energy of the output


def upsampling_comparison(models: dict[str, Autoencoder], value: float) -> UpsamplingComparison:
    """Decode the same constant code (every unit = ``value``) with each decoder: with no image structure to
    reproduce, what remains is the decoder's own fingerprint — even for upsampling, a checkerboard for
    stride-2 transposed convolutions."""
    outputs, detail, energy = {}, {}, {}
    for name, model in models.items():
        z = np.full((1, int(model.decoder.inputs[0].shape[-1])), value, np.float32)
        out = model.decode(z)[0, ..., 0]
        padded = np.pad(out, 1, mode="edge")
        mean3 = sum(padded[i : i + 28, j : j + 28] for i in range(3) for j in range(3)) / 9.0
        outputs[name], detail[name] = out, out - mean3
        energy[name] = float(checkerboard_energy(out[None])[0])
    return UpsamplingComparison(outputs, detail, energy)


# ---------------------------------------------------------------- denoising page


def denoise_row(
    models: dict[str, Autoencoder], clean: np.ndarray, kind: str, level: float, seed: int
) -> dict[str, tuple[np.ndarray, float, float]]:
    """{key: (image, PSNR, SSIM)} for the noisy input ("noisy"), each denoiser (its name) and the 3×3 median
    filter ("median")."""
    x = to_model_input(clean[None])
    noisy = corrupt(x, kind, level, seed)
    outputs = {"noisy": noisy, **{n: m.reconstruct(noisy) for n, m in models.items()}, "median": median_filter3(noisy)}
    return {
        label: (img[0, ..., 0], float(metrics.psnr_per_image(x, img)[0]), float(metrics.ssim_per_image(x, img)[0]))
        for label, img in outputs.items()
    }


def psnr_curve(
    models: dict[str, Autoencoder], clean: np.ndarray, kind: str, levels: np.ndarray, seed: int = 0
) -> dict[str, list[float]]:
    """Mean PSNR over ``clean`` images at each noise level, for each denoiser, the noisy input and the filter."""
    x = to_model_input(clean)
    curves: dict[str, list[float]] = {"noisy": [], "median": [], **{n: [] for n in models}}
    for level in levels:
        noisy = corrupt(x, kind, float(level), seed)
        curves["noisy"].append(float(metrics.psnr_per_image(x, noisy).mean()))
        curves["median"].append(float(metrics.psnr_per_image(x, median_filter3(noisy)).mean()))
        for name, model in models.items():
            curves[name].append(float(metrics.psnr_per_image(x, model.reconstruct(noisy)).mean()))
    return curves


# ---------------------------------------------------------------- latent-space page


def latent_means(model: Autoencoder, images: np.ndarray) -> np.ndarray:
    return model.encode(to_model_input(images))


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


def reparameterize(model: VariationalAE, image: np.ndarray, k: int, seed: int) -> Reparameterization:
    """The reparameterization trick for one input: z = μ + σ·ε with ε ~ N(0, I) drawn outside the network,
    so the sampling step has gradients with respect to μ and σ."""
    mu, log_var = (a[0].astype(np.float64) for a in model.posterior(to_model_input(image[None])))
    sigma = np.exp(0.5 * log_var)
    eps = np.random.default_rng(seed).standard_normal((k, len(mu)))
    z = (mu + sigma * eps).astype(np.float32)
    kl = float(metrics.gaussian_kl_per_dim(mu[None], log_var[None]).sum())
    return Reparameterization(mu, sigma, eps, z, model.decode(z)[..., 0], kl)


def prior_samples(model: VariationalAE, n: int, seed: int) -> np.ndarray:
    z = np.random.default_rng(seed).standard_normal((n, model.latent_dim)).astype(np.float32)
    return model.decode(z)[..., 0]


# ---------------------------------------------------------------- β-VAE page


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


# ---------------------------------------------------------------- GAN page


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
    from models.checkpoints import checkpoint_paths

    path = checkpoint_paths(model.dataset, model.spec.name)["progress"]
    try:
        return progress_frames(path.read_bytes())
    except (OSError, ValueError):
        return None


def gan_confidence(classifier: Classifier, images: np.ndarray) -> float:
    """Share of ``images`` the classifier is ≥ 90% sure of: the number a lecturer says out loud."""
    return metrics.confident_share(classifier.probabilities(images))


def label_images(classifier: Classifier, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The classifier's class and confidence for each image: how recognisable a reconstruction is."""
    probs = classifier.probabilities(images)
    return probs.argmax(axis=1), probs.max(axis=1)


# ---------------------------------------------------------------- CycleGAN (GAN page)


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
