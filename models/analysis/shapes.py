"""What the β-VAE page computes for the shapes: which factor each latent carries, the sliders' names, a
shape built from its factors, and the factors read back off an encoder.

The readout is a lookup fitted on the committed sample (1,000 images with known factors): for each factor,
the latent that carries it most (the card's MI matrix), cut into bins, each bin answering the factor value its
sample images have on average (the most common one for the shape).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.data import shapes
from models.eval.disentanglement import BINS
from models.runtime.inference import VariationalAE, to_model_input

FACTOR_VALUES = {
    "scale": shapes.SCALES,
    "orientation": shapes.ORIENTATIONS,
    "x": shapes.POSITIONS,
    "y": shapes.POSITIONS,
}


def mi_matrix(model: VariationalAE) -> np.ndarray:
    """The card's latent × factor MI, each column over its factor's entropy: (latents, factors)."""
    return np.asarray(model.card["metrics"]["mi_matrix"], np.float64)


def active_latents(model: VariationalAE, threshold: float = 0.01) -> np.ndarray:
    """Latents whose mean KL exceeds ``threshold`` nats, most used first (the rest are the prior's noise)."""
    kl = np.asarray(model.card["metrics"]["kl_per_dim"], np.float64)
    order = np.argsort(-kl, kind="stable")
    return order[kl[order] > threshold]


def carried(model: VariationalAE, latent: int) -> tuple[str, float]:
    """(the factor latent ``latent`` carries most, its normalised MI with it)."""
    row = mi_matrix(model)[latent]
    k = int(row.argmax())
    return shapes.FACTORS[k], float(row[k])


def build(shape: int, scale: int, orientation: int, x: int, y: int) -> np.ndarray:
    """One shape image (32×32 uint8) from factor indices."""
    return shapes.render(np.array([[shape, scale, orientation, x, y]]))[0]


@dataclass(frozen=True)
class Readout:
    latents: tuple[int, ...]  # per factor: the latent read
    edges: tuple[np.ndarray, ...]  # per factor: that latent's bin edges
    answers: tuple[np.ndarray, ...]  # per factor: the factor index each bin answers


def fit_readout(model: VariationalAE, images: np.ndarray, factors: np.ndarray) -> Readout:
    codes = model.encode(to_model_input(images))
    mi = mi_matrix(model)
    latents, edges, answers = [], [], []
    for k, size in enumerate(shapes.FACTOR_SIZES):
        d = int(mi[:, k].argmax())
        cut = np.histogram_bin_edges(codes[:, d], BINS)
        bins = np.digitize(codes[:, d], cut[1:-1])
        answer = np.zeros(BINS)
        for b in range(BINS):
            values = factors[bins == b, k]
            if k == 0:
                answer[b] = np.bincount(values, minlength=size).argmax() if len(values) else np.nan
            else:
                answer[b] = values.mean() if len(values) else np.nan
        # An empty bin answers what its nearest filled neighbour does.
        filled = np.flatnonzero(~np.isnan(answer))
        answer = answer[filled[np.abs(np.arange(BINS)[:, None] - filled[None]).argmin(axis=1)]]
        latents.append(d)
        edges.append(cut)
        answers.append(answer)
    return Readout(tuple(latents), tuple(edges), tuple(answers))


def read_factors(model: VariationalAE, readout: Readout, image: np.ndarray) -> dict[str, float]:
    """The factors the encoder reads off one image: the shape's index, the others in their own units."""
    code = model.encode(to_model_input(image[None]))[0]
    result = {}
    for k, name in enumerate(shapes.FACTORS):
        d = readout.latents[k]
        b = int(np.digitize(code[d], readout.edges[k][1:-1]))
        value = float(readout.answers[k][b])
        if name == "shape":
            result[name] = float(round(value))
        else:
            grid = FACTOR_VALUES[name]
            result[name] = float(np.interp(value, np.arange(len(grid)), grid))
    return result


def mig_by_beta(models: dict[str, VariationalAE]) -> list[tuple[str, float, float]]:
    """(model name, its KL weight β or β-TCVAE's TC weight, MIG) for the chart of MIG against β."""
    rows = []
    for name, model in models.items():
        recipe = model.spec.recipe
        rows.append((name, recipe.beta + recipe.tc_weight, float(model.card["metrics"]["mig"])))
    return rows
