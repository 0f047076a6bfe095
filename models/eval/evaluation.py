"""Test-split metrics written into model cards, re-checked by tests and benchmarks.

Every evaluation is deterministic (fixed NumPy seeds for noise and latents), so a reloaded
checkpoint reproduces its card's numbers.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from models.data.noise import corrupt
from models.data.styles import embolden
from models.eval import metrics
from models.runtime.inference import (
    Autoencoder,
    Classifier,
    GenerativeAdversarial,
    LoadedModel,
    Translator,
    VariationalAE,
    to_model_input,
)

EVAL_SEED = 0


def _r(value: float) -> float:
    return float(round(float(value), 7))


def evaluate_autoencoder(model: Autoencoder, x: np.ndarray, y=None, classifier=None, n_generated=None) -> dict:
    x = to_model_input(x)
    noise = model.spec.recipe.noise
    if noise is None:
        x_hat = model.reconstruct(x)
        result = {"mse": _r(metrics.mse_per_image(x, x_hat).mean()), "bce": _r(metrics.bce_per_image(x, x_hat).mean())}
    else:
        noisy = corrupt(x, *noise, seed=EVAL_SEED)
        x_hat = model.reconstruct(noisy)
        result = {
            "mse": _r(metrics.mse_per_image(x, x_hat).mean()),
            "bce": _r(metrics.bce_per_image(x, x_hat).mean()),
            "noise": {"type": noise[0], "level": noise[1]},
            "psnr_noisy_db": _r(metrics.psnr_per_image(x, noisy).mean()),
            "psnr_denoised_db": _r(metrics.psnr_per_image(x, x_hat).mean()),
            "ssim_noisy": _r(metrics.ssim_per_image(x, noisy).mean()),
            "ssim_denoised": _r(metrics.ssim_per_image(x, x_hat).mean()),
        }
        result["psnr_gain_db"] = _r(result["psnr_denoised_db"] - result["psnr_noisy_db"])
    if "sparse" in model.spec.tags:
        result["sparsity"] = metrics.sparsity_stats(model.encode(x))
    return result


def evaluate_vae(model: VariationalAE, x: np.ndarray, y=None, classifier=None, n_generated=None) -> dict:
    """−ELBO with one fixed-seed posterior sample per image, in nats, plus KL per dimension."""
    x = to_model_input(x)
    z_mean, z_log_var = model.posterior(x)
    eps = np.random.default_rng(EVAL_SEED).standard_normal(z_mean.shape).astype(np.float32)
    z = z_mean + np.exp(0.5 * z_log_var) * eps
    nll = metrics.bce_per_image(x, model.decode(z), reduce="sum")
    kl_dims = metrics.gaussian_kl_per_dim(z_mean, z_log_var)
    kl = kl_dims.sum(axis=1)
    kl_mean = kl_dims.mean(axis=0)
    x_mean = model.decode(z_mean)
    return {
        "neg_elbo": _r((nll + kl).mean()),
        "reconstruction_nll": _r(nll.mean()),
        "kl": _r(kl.mean()),
        "kl_per_dim": [_r(v) for v in kl_mean],
        "active_dims": metrics.active_dimensions(kl_mean),
        "mse": _r(metrics.mse_per_image(x, x_mean).mean()),
        "bce": _r(metrics.bce_per_image(x, x_mean).mean()),
    }


def evaluate_gan(
    model: GenerativeAdversarial, x: np.ndarray, y: np.ndarray, classifier: Classifier | None, n_generated=None
) -> dict:
    """Fréchet distance to ``x`` in the classifier's feature space, class coverage and confidence."""
    classifier = _judge(classifier, "a GAN")
    n = n_generated or len(x)
    labels = np.arange(n) % 10 if model.conditional else None
    fake = model.generate(model.noise(n, EVAL_SEED), labels)
    probs = classifier.probabilities(fake)
    shares = metrics.class_histogram(probs.argmax(axis=1))
    result = {
        "frechet_distance": _r(metrics.frechet_distance(classifier.features(fake), classifier.features(x))),
        "class_shares": [_r(s) for s in shares],
        "min_class_share": _r(shares.min()),
        "classes_covered_5pct": int((shares >= 0.05).sum()),
        "mean_confidence": _r(probs.max(axis=1).mean()),
        "generated": n,
        "confident_share": _r(metrics.confident_share(probs)),
        "d_real_mean": _r(model.discriminate(x, y if model.conditional else None).mean()),
        "d_fake_mean": _r(model.discriminate(fake, labels).mean()),
    }
    if model.conditional:
        hits = probs.argmax(axis=1) == labels
        per_class = [hits[labels == c].mean() for c in range(10)]
        result["label_accuracy"] = _r(hits.mean())
        result["label_accuracy_per_class"] = [_r(a) for a in per_class]
        result["label_accuracy_min_class"] = _r(min(per_class))
    return result


def evaluate_cyclegan(
    model: Translator, x: np.ndarray, y: np.ndarray, classifier: Classifier | None, n_generated=None
) -> dict:
    """Test images in both styles (here the pairs are known, unlike in training): the round trips' L1
    (cycle error), each translation's L1 to the true image of the other style, and how often the
    classifier still reads the digit's label after translation ("the content is kept")."""
    classifier = _judge(classifier, "the CycleGAN")
    regular = to_model_input(x)
    bold = embolden(regular)
    to_bold, back_regular = model.round_trip(regular, "bold")
    to_regular, back_bold = model.round_trip(bold, "regular")

    def l1(a, b) -> float:
        return _r(np.abs(a - b).mean())

    kept = [(classifier.probabilities(t).argmax(axis=1) == y).mean() for t in (to_bold, to_regular)]
    return {
        "cycle_l1": _r((l1(back_regular, regular) + l1(back_bold, bold)) / 2),
        "cycle_l1_regular": l1(back_regular, regular),
        "cycle_l1_bold": l1(back_bold, bold),
        "translation_l1_to_bold": l1(to_bold, bold),
        "translation_l1_to_regular": l1(to_regular, regular),
        "unchanged_l1": l1(regular, bold),  # what doing nothing scores against the truth
        "class_kept": _r(float(np.mean(kept))),
        "class_kept_to_bold": _r(kept[0]),
        "class_kept_to_regular": _r(kept[1]),
        "images": len(x),
    }


def evaluate_classifier(model: Classifier, x: np.ndarray, y: np.ndarray, classifier=None, n_generated=None) -> dict:
    return {"accuracy": _r((model.probabilities(x).argmax(axis=1) == y).mean())}


def _judge(classifier: Classifier | None, what: str) -> Classifier:
    if classifier is None:
        raise ValueError(f"scoring {what} needs the dataset's classifier; train it first")
    return classifier


def linear_subspace_angles(model: Autoencoder, data: np.ndarray) -> dict:
    """Principal angles between the linear decoder's span and PCA's top-k axes of ``data``."""
    kernel = np.asarray(model.decoder.get_layer(index=1).kernel)  # (k, d): rows span the output
    axes, variance, _ = metrics.pca(data, kernel.shape[0])
    angles = metrics.principal_angles_deg(kernel.T, axes)
    return {
        "principal_angles_deg": [_r(a) for a in angles],
        "max_angle_deg": _r(angles.max()),
        "mean_angle_deg": _r(angles.mean()),
        "pca_explained_variance": [_r(v) for v in variance],
    }


def evaluate_points(model: Autoencoder, points: np.ndarray) -> dict:
    """The 3-D toy: reconstruction MSE, and how far the learned plane is from PCA's."""
    p = np.asarray(points, np.float32)
    rec = model.reconstruct(p)
    axes, _, mean = metrics.pca(p, 2)
    pca_rec = (p - mean) @ axes @ axes.T + mean
    return {
        "mse": _r(((p - rec) ** 2).mean()),
        "pca_mse": _r(((p - pca_rec) ** 2).mean()),
        **linear_subspace_angles(model, p),
    }


# Each family's card metrics (models.registry.FAMILIES), by family name: (model, x, y, classifier, n_generated).
EVALUATORS: dict[str, Callable[..., dict]] = {
    "autoencoder": evaluate_autoencoder,
    "vae": evaluate_vae,
    "gan": evaluate_gan,
    "classifier": evaluate_classifier,
    "cyclegan": evaluate_cyclegan,
    "layerwise": evaluate_autoencoder,
    "pix2pix": evaluate_cyclegan,
}


def evaluate(
    model: LoadedModel,
    x: np.ndarray,
    y: np.ndarray,
    classifier: Classifier | None = None,
    n_generated: int | None = None,
) -> dict:
    """Card metrics for any family on images ``x`` (uint8) with labels ``y``: its family's evaluator."""
    return EVALUATORS[model.spec.family](model, x, y, classifier, n_generated)
