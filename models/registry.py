"""The one list of every model in Latent Lab: what it builds, on which datasets, and how it trains.

Pages, the training CLI, tests and benchmarks all read ``REGISTRY``; nothing else names models.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

IMAGE_DATASETS = ("mnist", "fashion_mnist")
TOY_DATASET = "toy3d"
CLASSIFIER_FEATURES = "features"  # the classifier layer whose output is the feature space GANs are scored in
DATASET_TITLES = {"mnist": "MNIST", "fashion_mnist": "Fashion-MNIST", TOY_DATASET: "3-D toy data"}


@dataclass(frozen=True)
class Recipe:
    """How a model is trained. Every field is written into the model card."""

    epochs: int  # full passes over the 60,000 training images
    batch_size: int = 128
    optimizer: str = "adam"  # any keras.optimizers name
    learning_rate: float = 1e-3
    loss: str = "mse"  # autoencoders only; VAEs/GANs define their own
    noise: tuple[str, float] | None = None  # denoisers: (corruption, level) applied while training
    beta: float = 1.0  # VAEs: weight of the KL term
    ema_decay: float = 0.0  # GANs: EMA of the generator's weights (0 = off); the EMA one ships
    label_smoothing: float = 0.0  # GANs: one-sided, real target = 1 - label_smoothing
    class_balance: float = 0.0  # unconditional GANs with a class head: weight of the CatGAN terms (models/gan.py)
    seed: int = 42


@dataclass(frozen=True)
class Builder:
    """A network builder named by ``"module:function"``: importing the registry needs no TensorFlow,
    so the home page can list models before any model code is loaded."""

    target: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)

    def __call__(self):
        module, function = self.target.split(":")
        return getattr(importlib.import_module(module), function)(*self.args, **self.kwargs)

    def describe(self) -> dict:
        """What the model card records about the architecture."""
        return {"builder": self.target.replace(":", "."), "args": list(self.args), "kwargs": dict(self.kwargs)}


@dataclass(frozen=True)
class Family:
    """What the app, the CLI and the benchmarks need to know of a model family, without TensorFlow.

    The family's behaviour (encode, warm up, evaluate) is its wrapper class in ``models/inference.py``;
    how it trains is ``training.recipes.FIT[name]``.
    """

    name: str
    key_metrics: tuple[tuple[str, str], ...]  # (card metric, format) the home page shows; label: metric.<key>
    judged: bool = False  # scored by the dataset's classifier (the GANs)
    resumable: bool = False  # trains epoch by epoch with a saved run state (--resume)


FAMILIES = {
    "autoencoder": Family("autoencoder", (("mse", "{:.4f}"), ("psnr_denoised_db", "{:.1f}"))),
    "vae": Family("vae", (("neg_elbo", "{:.1f}"), ("active_dims", "{}"))),
    "gan": Family(
        "gan",
        (("frechet_distance", "{:.2f}"), ("confident_share", "{:.0%}"), ("label_accuracy", "{:.1%}")),
        judged=True,
        resumable=True,
    ),
    "classifier": Family("classifier", (("accuracy", "{:.2%}"),)),
    "cyclegan": Family("cyclegan", (("cycle_l1", "{:.3f}"), ("class_kept", "{:.1%}")), judged=True, resumable=True),
}


@dataclass(frozen=True)
class ModelSpec:
    name: str  # registry key, checkpoint file stem, CLI argument
    title: str  # what the app shows
    family: str  # autoencoder | vae | gan | classifier
    build: Builder  # returns the networks (see models/*.py)
    recipe: Recipe
    summary: str  # one sentence for the home page
    datasets: tuple[str, ...] = IMAGE_DATASETS
    tags: tuple[str, ...] = field(default_factory=tuple)  # page membership, e.g. "reconstruction"
    noise_dim: int | None = None  # GANs: size of the generator's noise input
    conditional: bool = False  # GANs: the generator and discriminator also read a class label

    @property
    def kind(self) -> Family:
        return FAMILIES[self.family]

    def checkpoint_command(self, dataset: str) -> str:
        """The exact command that (re)builds this checkpoint."""
        return f"python -m training {self.name} --dataset {dataset}"


GAN_NOISE_DIM = 64
# DCGAN: EMA generator, one-sided label smoothing, a minibatch-standard-deviation channel and a class head in the
# discriminator whose CatGAN terms the generator (2× wider than the discriminator) follows (models/gan.py); 23 epochs
# (within the hour a GAN may train here).
GAN_RECIPE = Recipe(epochs=23, learning_rate=2e-4, ema_decay=0.999, label_smoothing=0.1, class_balance=1.0)
# cGAN: AC-GAN head (models/gan.py), EMA generator, one-sided label smoothing, a minibatch-standard-deviation channel
# in the discriminator and a generator 2× wider than it, as the DCGAN's; 22 epochs (15 left Fashion-MNIST's pullovers
# drawn as coats one time in six).
CGAN_RECIPE = Recipe(epochs=22, learning_rate=2e-4, ema_decay=0.999, label_smoothing=0.1)
# CycleGAN: the paper's Adam (2e-4, beta_1 0.5), constant for 5 epochs then linearly to zero; batches of 32 regular +
# 32 bold images; 10 epochs (timings: docs/DECISIONS.md).
CYCLEGAN_RECIPE = Recipe(epochs=10, batch_size=32, learning_rate=2e-4)

_SPECS = [
    ModelSpec(
        "classifier",
        "CNN classifier",
        "classifier",
        Builder("models.classifier:cnn_classifier"),
        # 20 epochs: 10 reached 92.2% on Fashion-MNIST, short of 92.5% (random ±2 px shifts for 12 epochs: 91.6%).
        Recipe(epochs=20),
        "Scores generated images and labels reconstructions.",
    ),
    ModelSpec(
        "linear_ae_3d",
        "Linear AE on 3-D points",
        "autoencoder",
        Builder("models.autoencoders:linear_ae_3d"),
        Recipe(epochs=500, batch_size=60, optimizer="sgd", learning_rate=0.1),
        "The course's toy: 3-D points projected onto the plane PCA finds.",
        datasets=(TOY_DATASET,),
        tags=("pca",),
    ),
    ModelSpec(
        "linear_ae",
        "Linear AE (= PCA)",
        "autoencoder",
        Builder("models.autoencoders:linear_ae", kwargs={"code_size": 16}),
        Recipe(epochs=12),
        "No activations: it learns PCA's top-16 subspace.",
        tags=("reconstruction",),
    ),
    ModelSpec(
        "stacked_ae",
        "Stacked dense AE",
        "autoencoder",
        Builder("models.autoencoders:stacked_ae"),
        Recipe(epochs=30),
        "784-100-30 SELU encoder, mirrored decoder.",
        tags=("reconstruction",),
    ),
    ModelSpec(
        "tied_ae",
        "Tied-weights AE",
        "autoencoder",
        Builder("models.autoencoders:tied_ae"),
        Recipe(epochs=30, learning_rate=3e-3, loss="binary_crossentropy"),
        "The decoder reuses the encoder's kernels, transposed: half the weights.",
        tags=("reconstruction",),
    ),
    ModelSpec(
        "conv_ae_upsampling",
        "Conv AE (upsampling)",
        "autoencoder",
        Builder("models.autoencoders:conv_ae_upsampling"),
        Recipe(epochs=10),
        "Conv encoder, 64-value code; decoder upsamples then convolves.",
        tags=("reconstruction",),
    ),
    ModelSpec(
        "conv_ae_transpose",
        "Conv AE (transposed conv)",
        "autoencoder",
        Builder("models.autoencoders:conv_ae_transpose"),
        Recipe(epochs=10),
        "Same encoder; decoder learns its upsampling with transposed convolutions.",
        tags=("reconstruction",),
    ),
    ModelSpec(
        "recurrent_ae",
        "Recurrent (LSTM) AE",
        "autoencoder",
        Builder("models.autoencoders:recurrent_ae"),
        Recipe(epochs=24),
        "Reads the image row by row with LSTMs (100 → 30) and writes it back.",
        tags=("reconstruction",),
    ),
    ModelSpec(
        "denoising_gaussian",
        "Denoising AE (Gaussian)",
        "autoencoder",
        Builder("models.autoencoders:denoising_conv_ae", kwargs={"filters": 16}),
        Recipe(epochs=8, loss="binary_crossentropy", noise=("gaussian", 0.55)),
        "Trained to undo Gaussian noise of σ = 0.55.",
        tags=("denoising",),
    ),
    ModelSpec(
        "denoising_masking",
        "Denoising AE (dropout)",
        "autoencoder",
        Builder("models.autoencoders:denoising_conv_ae", kwargs={"filters": 16}),
        Recipe(epochs=8, loss="binary_crossentropy", noise=("masking", 0.5)),
        "Trained to fill in images with half the pixels dropped.",
        tags=("denoising",),
    ),
    ModelSpec(
        "sparse_l1",
        "Sparse AE (L1)",
        "autoencoder",
        Builder("models.autoencoders:sparse_ae", ("l1",)),
        Recipe(epochs=25),
        "300 sigmoid codings with an L1 activity penalty.",
        tags=("reconstruction", "sparse"),
    ),
    ModelSpec(
        "sparse_kl",
        "Sparse AE (KL)",
        "autoencoder",
        Builder("models.autoencoders:sparse_ae", ("kl",)),
        Recipe(epochs=25),
        "300 sigmoid codings pushed to a mean activation of 0.1 by a KL penalty.",
        tags=("reconstruction", "sparse"),
    ),
    ModelSpec(
        "vae_dense",
        "Dense VAE (10-D), β = 1",
        "vae",
        Builder("models.vae:dense_vae", kwargs={"latent_dim": 10}),
        Recipe(epochs=20, beta=1.0),
        "A 10-D latent for sample quality; also the β = 1 β-VAE.",
        tags=("beta",),
    ),
    ModelSpec(
        "beta_vae_4",
        "β-VAE, β = 4",
        "vae",
        Builder("models.vae:dense_vae", kwargs={"latent_dim": 10}),
        Recipe(epochs=20, beta=4.0),
        "Same network; the KL term weighs 4×.",
        tags=("beta",),
    ),
    ModelSpec(
        "beta_vae_10",
        "β-VAE, β = 10",
        "vae",
        Builder("models.vae:dense_vae", kwargs={"latent_dim": 10}),
        Recipe(epochs=20, beta=10.0),
        "Same network; the KL term weighs 10×.",
        tags=("beta",),
    ),
    ModelSpec(
        "vae_conv_2d",
        "Conv VAE (2-D latent)",
        "vae",
        Builder("models.vae:conv_vae", kwargs={"latent_dim": 2}),
        Recipe(epochs=16),
        "A 2-D latent you can draw as a map and sample.",
        tags=("map",),
    ),
    ModelSpec(
        "ae_2d",
        "Plain AE (2-D code)",
        "autoencoder",
        Builder("models.autoencoders:dense_ae", kwargs={"hidden": (128, 64), "code_size": 2}),
        Recipe(epochs=20),
        "A deterministic 2-D code: the map the VAE's is compared with.",
        tags=("map",),
    ),
    ModelSpec(
        "dcgan",
        "DCGAN",
        "gan",
        Builder(
            "models.gan:dcgan",
            kwargs={"noise_dim": GAN_NOISE_DIM, "g_width": 64, "minibatch_std": True, "class_head": True},
        ),
        GAN_RECIPE,
        "Generates images from 64-D noise.",
        tags=("gan",),
        noise_dim=GAN_NOISE_DIM,
    ),
    ModelSpec(
        "cgan",
        "Conditional GAN",
        "gan",
        Builder(
            "models.gan:conditional_gan", kwargs={"noise_dim": GAN_NOISE_DIM, "g_width": 64, "minibatch_std": True}
        ),
        CGAN_RECIPE,
        "Generates an image of the class you ask for.",
        tags=("gan",),
        noise_dim=GAN_NOISE_DIM,
        conditional=True,
    ),
    ModelSpec(
        "cyclegan",
        "CycleGAN (regular ↔ bold)",
        "cyclegan",
        Builder("models.cyclegan:cyclegan"),
        CYCLEGAN_RECIPE,
        "Translates regular handwriting to bold and back, trained without a single pair.",
        datasets=("mnist",),
        tags=("cyclegan",),
    ),
]

REGISTRY: dict[str, ModelSpec] = {spec.name: spec for spec in _SPECS}


def get_spec(name: str) -> ModelSpec:
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown model {name!r}; known: {', '.join(REGISTRY)}") from None


def specs_for(dataset: str, tag: str | None = None) -> list[ModelSpec]:
    """Models trained on ``dataset`` (optionally only those with ``tag``), in registry order."""
    return [s for s in _SPECS if dataset in s.datasets and (tag is None or tag in s.tags)]
