"""What the Reconstruction page computes: every autoencoder on one image, the linear AE against PCA,
codings maps, sparsity and the two upsampling decoders.

Pages call these and only draw the results; benchmarks time these same calls.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.eval import metrics
from models.runtime.inference import (
    Autoencoder,
    to_model_input,
)


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
    are ``models.runtime.graph.Network``)."""
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
    from models.data.toy import TOY_POINTS, TOY_SEED, generate_3d_data

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


# ---------------------------------------------------------------- an overcomplete code copies (HOML 17.2)


def noise_image(seed: int) -> np.ndarray:
    """A 28×28 image of uniform noise in [0, 1]: nothing like a digit, so only a model that copies returns it."""
    return np.random.default_rng(seed).random((28, 28)).astype(np.float32)


@dataclass
class CopyTest:
    digit: np.ndarray  # (28, 28) the model's reconstruction of the digit
    noise: np.ndarray  # (28, 28) … and of the noise image
    digit_mse: float
    noise_mse: float


def copy_test(models: dict[str, Autoencoder], digit: np.ndarray, noise: np.ndarray) -> dict[str, CopyTest]:
    """Each autoencoder on a digit and on noise: one that merely copies reconstructs both; one kept from copying
    (a denoising or sparse one) turns noise into something digit-like."""
    x = np.concatenate([to_model_input(digit[None]), to_model_input(noise[None])])  # uint8 digit, float noise
    out = {}
    for name, model in models.items():
        rec = model.reconstruct(x)
        mse = metrics.mse_per_image(x, rec)
        out[name] = CopyTest(rec[0, ..., 0], rec[1, ..., 0], float(mse[0]), float(mse[1]))
    return out


COPY_MODELS = ("overcomplete_ae", "denoising_gaussian", "denoising_masking", "sparse_l1", "sparse_kl")


@dataclass
class CopyScore:
    name: str
    digit_mse: float  # mean over the digits given
    noise_mse: float  # mean over as many noise images


def copy_scores(models: dict[str, Autoencoder], digits: np.ndarray, seed: int = 0) -> tuple[list[CopyScore], float]:
    """(each model's MSE on ``digits`` and on as many uniform-noise images (seeded): a copier scores both low;
    the MSE of a flat grey image on that noise, the score of a model that gives up on it)."""
    x = to_model_input(digits)
    noise = np.random.default_rng(seed).random(x.shape).astype(np.float32)
    scores = [
        CopyScore(
            name,
            float(metrics.mse_per_image(x, model.reconstruct(x)).mean()),
            float(metrics.mse_per_image(noise, model.reconstruct(noise)).mean()),
        )
        for name, model in models.items()
    ]
    return scores, float(np.mean((noise - 0.5) ** 2))


# ---------------------------------------------------------------- one autoencoder at a time (HOML 17.3.5)


def _dense(layer, x: np.ndarray) -> np.ndarray:
    """One dense layer of either runtime, in NumPy (its kernel, bias and configured activation)."""
    from models.runtime import graph

    kernel, bias = (np.asarray(w) for w in layer.get_weights())
    return graph.ACTIVATIONS[graph.activation_name(layer.get_config()["activation"])](x @ kernel + bias)


def first_phase_reconstruction(model: Autoencoder, images: np.ndarray) -> np.ndarray:
    """What the layer-wise model's first shallow autoencoder (784-100-784: its ``hidden`` and ``pixels`` layers,
    ``models.nets.autoencoders.layerwise_stacked_ae``) gives on its own, before the second one is stacked inside."""
    x = to_model_input(images).reshape(len(images), -1)
    h = _dense(model.encoder.get_layer("hidden"), x)
    return _dense(model.decoder.get_layer("pixels"), h).reshape(len(images), 28, 28).astype(np.float32)


@dataclass
class LayerwiseRow:
    name: str  # a registry name, or "phase1" for the layer-wise model's first autoencoder alone
    test_mse: float | None  # on the full test split (the card); None where only the sample was scored
    sample_mse: float  # on the committed sample, computed now
    seconds: float | None  # training time


def layerwise_comparison(
    layerwise: Autoencoder, end_to_end: Autoencoder, x: np.ndarray
) -> tuple[list[LayerwiseRow], dict[str, float]]:
    """(rows: the first phase alone, the stacked layer-wise model, the end-to-end stacked AE; each phase's training
    seconds from the layer-wise card)."""
    x = to_model_input(x)
    first = first_phase_reconstruction(layerwise, x)[..., None]
    history = layerwise.card.get("history", {})
    phases = {p: float(history[f"{p}_seconds"][0]) for p in ("phase1", "phase2") if f"{p}_seconds" in history}
    rows = [LayerwiseRow("phase1", None, float(metrics.mse_per_image(x, first).mean()), phases.get("phase1"))]
    for model in (layerwise, end_to_end):
        rows.append(
            LayerwiseRow(
                model.spec.name,
                model.card.get("metrics", {}).get("mse"),
                float(metrics.mse_per_image(x, model.reconstruct(x)).mean()),
                model.card.get("train_seconds"),
            )
        )
    return rows, phases
