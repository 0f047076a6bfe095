"""The one list of every model in Latent Lab: what it builds, on which datasets, and how it trains; one record
per family (``FAMILIES``: autoencoder, VAE, GAN, CycleGAN, classifier) naming the code that serves, trains and
scores it; and the networks trained only live (``LIVE_SPECS``, ``LESSONS``: the Watch it learn page).

Pages, the training CLI, tests and benchmarks all read these; nothing else names models or families.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

IMAGE_DATASETS = ("mnist", "fashion_mnist")
# Tags say where a model appears and what else is computed for it: "reconstruction", "denoising", "sparse",
# "overcomplete", "layerwise", "beta", "map", "gan", "cyclegan", "pix2pix"; "pca": a linear autoencoder whose card
# also holds its angles to PCA.
TOY_DATASET = "toy3d"
SHAPES_DATASET = "shapes"  # dSprites' factor grid, rendered by models/data/shapes.py
CLASSIFIER_FEATURES = "features"  # the classifier layer whose output is the feature space GANs are scored in
DATASET_TITLES = {
    "mnist": "MNIST",
    "fashion_mnist": "Fashion-MNIST",
    TOY_DATASET: "3-D toy data",
    SHAPES_DATASET: "Shapes (dSprites)",
}
GENERATED_DATASETS = (TOY_DATASET, SHAPES_DATASET)  # rendered by code: no download, every run trains on them
APP_DATASETS = (*IMAGE_DATASETS, SHAPES_DATASET)  # the sidebar's dataset switch


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
    tc_weight: float = 0.0  # β-TCVAE: extra weight of the KL's total-correlation part (Chen et al.'s β − 1)
    ema_decay: float = 0.0  # GANs: EMA of the generator's weights (0 = off); the EMA one ships
    label_smoothing: float = 0.0  # GANs: one-sided, real target = 1 - label_smoothing
    class_balance: float = 0.0  # unconditional GANs with a class head: weight of the CatGAN terms (models/nets/gan.py)
    beta_1: float = 0.5  # GANs: Adam's first-moment decay (DCGAN paper's 0.5; the course's DCGAN keeps Keras' 0.9)
    seed: int = 42


@dataclass(frozen=True)
class Builder:
    """A network builder, by its name in ``models.nets.builders.BUILDERS`` (imported only when called: importing
    the registry needs no TensorFlow, so the home page lists models before any model code is loaded)."""

    name: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)

    def function(self) -> Callable:
        from models.nets.builders import BUILDERS

        return BUILDERS[self.name]

    def __call__(self):
        return self.function()(*self.args, **self.kwargs)

    def describe(self) -> dict:
        """What the model card records about the architecture."""
        fn = self.function()
        return {"builder": f"{fn.__module__}.{fn.__name__}", "args": list(self.args), "kwargs": dict(self.kwargs)}


@dataclass(frozen=True)
class Family:
    """Everything about a model family, in one record. The code that serves, trains and scores it sits in one
    table per module, keyed by the family's name: ``models.runtime.inference.WRAPPERS``,
    ``training.recipes.TRAINERS``, ``models.eval.evaluation.EVALUATORS``."""

    name: str
    bundle: tuple[str, ...]  # the named networks of its checkpoint (empty: the checkpoint is the network)
    key_metrics: tuple[tuple[str, str], ...]  # (card metric, format) the home page shows; label: metric.<key>
    judged: bool = False  # scored by the dataset's classifier (the GANs)
    resumable: bool = False  # trains epoch by epoch with a saved run state (--resume)


FAMILIES = {
    "autoencoder": Family("autoencoder", ("encoder", "decoder"), (("mse", "{:.4f}"), ("psnr_denoised_db", "{:.1f}"))),
    "vae": Family("vae", ("encoder", "decoder"), (("neg_elbo", "{:.1f}"), ("active_dims", "{}"))),
    "gan": Family(
        "gan",
        ("generator", "discriminator"),
        (("frechet_distance", "{:.2f}"), ("confident_share", "{:.0%}"), ("label_accuracy", "{:.1%}")),
        judged=True,
        resumable=True,
    ),
    # The stacked AE trained one shallow autoencoder at a time: served and scored as an autoencoder.
    "layerwise": Family("layerwise", ("encoder", "decoder"), (("mse", "{:.4f}"),)),
    "classifier": Family("classifier", (), (("accuracy", "{:.2%}"),)),
    "cyclegan": Family(
        "cyclegan",
        ("to_bold", "to_regular"),
        (("cycle_l1", "{:.3f}"), ("class_kept", "{:.1%}")),
        judged=True,
        resumable=True,
    ),
    # pix2pix: the CycleGAN's two directions trained on pairs; served and scored as the CycleGAN is.
    "pix2pix": Family(
        "pix2pix",
        ("to_bold", "to_regular"),
        (("translation_l1_to_bold", "{:.4f}"), ("class_kept", "{:.1%}")),
        judged=True,
        resumable=True,
    ),
}


@dataclass(frozen=True)
class ModelSpec:
    name: str  # registry key, checkpoint file stem, CLI argument
    title: str  # what the app shows
    family: str  # a key of FAMILIES: autoencoder | vae | gan | classifier | cyclegan
    build: Builder  # returns the networks (models/nets/)
    recipe: Recipe
    summary: str  # one sentence for the home page
    datasets: tuple[str, ...] = IMAGE_DATASETS
    tags: tuple[str, ...] = field(default_factory=tuple)  # where it appears: the tags atop this file
    noise_dim: int | None = None  # GANs: size of the generator's noise input
    conditional: bool = False  # GANs: the generator and discriminator also read a class label
    key_metrics: tuple[tuple[str, str], ...] | None = None  # the home page's metrics, if not the family's

    @property
    def headline_metrics(self) -> tuple[tuple[str, str], ...]:
        return self.key_metrics if self.key_metrics is not None else self.kind.key_metrics

    @property
    def kind(self) -> Family:
        return FAMILIES[self.family]

    def checkpoint_command(self, dataset: str) -> str:
        """The exact command that (re)builds this checkpoint (a generated dataset needs no ``--dataset``)."""
        return f"python -m training {self.name}" + ("" if dataset in GENERATED_DATASETS else f" --dataset {dataset}")


GAN_NOISE_DIM = 64
# DCGAN: EMA generator, one-sided label smoothing, a minibatch-standard-deviation channel and a class head in the
# discriminator whose CatGAN terms the generator (2× wider than the discriminator) follows (models/nets/gan.py); 23 epochs
# (within the hour a GAN may train here).
GAN_RECIPE = Recipe(epochs=23, learning_rate=2e-4, ema_decay=0.999, label_smoothing=0.1, class_balance=1.0)
# cGAN: AC-GAN head (models/nets/gan.py), EMA generator, one-sided label smoothing, a minibatch-standard-deviation channel
# in the discriminator and a generator 2× wider than it, as the DCGAN's; 22 epochs (why: docs/DECISIONS.md).
CGAN_RECIPE = Recipe(epochs=22, learning_rate=2e-4, ema_decay=0.999, label_smoothing=0.1)
# CycleGAN: the paper's Adam (2e-4, beta_1 0.5), constant for 5 epochs then linearly to zero; batches of 32 regular +
# 32 bold images; 10 epochs (timings: docs/DECISIONS.md).
CYCLEGAN_RECIPE = Recipe(epochs=10, batch_size=32, learning_rate=2e-4)
# pix2pix: the paper's Adam (2e-4, beta_1 0.5) and L1 weight 100; batches of 64 pairs (the paper's 1 is too slow on a
# CPU); epochs: docs/DECISIONS.md.
PIX2PIX_RECIPE = Recipe(epochs=4, batch_size=64, learning_rate=2e-4)

_SPECS = [
    ModelSpec(
        "classifier",
        "CNN classifier",
        "classifier",
        Builder("cnn_classifier", kwargs={"features_layer": CLASSIFIER_FEATURES}),
        # 20 epochs: 10 fell short of the Fashion-MNIST bar (docs/DECISIONS.md).
        Recipe(epochs=20),
        "Scores generated images and labels reconstructions.",
    ),
    ModelSpec(
        "linear_ae_3d",
        "Linear AE on 3-D points",
        "autoencoder",
        Builder("linear_ae_3d"),
        Recipe(epochs=500, batch_size=60, optimizer="sgd", learning_rate=0.1),
        "The course's toy: 3-D points projected onto the plane PCA finds.",
        datasets=(TOY_DATASET,),
        tags=("pca",),
        key_metrics=(("max_angle_deg", "{:.2f}°"),),
    ),
    ModelSpec(
        "linear_ae",
        "Linear AE (= PCA)",
        "autoencoder",
        Builder("linear_ae", kwargs={"code_size": 16}),
        Recipe(epochs=12),
        "No activations: it learns PCA's top-16 subspace.",
        tags=("reconstruction", "pca"),
    ),
    ModelSpec(
        "stacked_ae",
        "Stacked dense AE",
        "autoencoder",
        Builder("stacked_ae"),
        Recipe(epochs=30),
        "784-100-30 SELU encoder, mirrored decoder.",
        tags=("reconstruction",),
    ),
    ModelSpec(
        "layerwise_ae",
        "Stacked AE, one layer at a time",
        "layerwise",
        Builder("layerwise_stacked_ae"),
        # 15 epochs per phase: 30 passes in all, as the end-to-end stacked AE's 30 (the second on 100-D codings).
        Recipe(epochs=15),
        "The stacked AE's 784-100-30 shape trained greedily: 784-100-784, then 100-30-100 on its codings.",
        tags=("layerwise",),
    ),
    ModelSpec(
        "tied_ae",
        "Tied-weights AE",
        "autoencoder",
        Builder("tied_ae"),
        Recipe(epochs=30, learning_rate=3e-3, loss="binary_crossentropy"),
        "The decoder reuses the encoder's kernels, transposed: half the weights.",
        tags=("reconstruction",),
    ),
    ModelSpec(
        "conv_ae_upsampling",
        "Conv AE (upsampling)",
        "autoencoder",
        Builder("conv_ae_upsampling"),
        Recipe(epochs=10),
        "Conv encoder, 64-value code; decoder upsamples then convolves.",
        tags=("reconstruction",),
    ),
    ModelSpec(
        "conv_ae_transpose",
        "Conv AE (transposed conv)",
        "autoencoder",
        Builder("conv_ae_transpose"),
        Recipe(epochs=10),
        "Same encoder; decoder learns its upsampling with transposed convolutions.",
        tags=("reconstruction",),
    ),
    ModelSpec(
        "recurrent_ae",
        "Recurrent (LSTM) AE",
        "autoencoder",
        Builder("recurrent_ae"),
        Recipe(epochs=24),
        "Reads the image row by row with LSTMs (100 → 30) and writes it back.",
        tags=("reconstruction",),
    ),
    ModelSpec(
        "denoising_gaussian",
        "Denoising AE (Gaussian)",
        "autoencoder",
        Builder("denoising_conv_ae", kwargs={"filters": 16}),
        Recipe(epochs=8, loss="binary_crossentropy", noise=("gaussian", 0.55)),
        "Trained to undo Gaussian noise of σ = 0.55.",
        tags=("denoising",),
    ),
    ModelSpec(
        "denoising_masking",
        "Denoising AE (dropout)",
        "autoencoder",
        Builder("denoising_conv_ae", kwargs={"filters": 16}),
        Recipe(epochs=8, loss="binary_crossentropy", noise=("masking", 0.5)),
        "Trained to fill in images with half the pixels dropped.",
        tags=("denoising",),
    ),
    ModelSpec(
        "sparse_l1",
        "Sparse AE (L1)",
        "autoencoder",
        Builder("sparse_ae", ("l1",)),
        Recipe(epochs=25),
        "300 sigmoid codings with an L1 activity penalty.",
        tags=("reconstruction", "sparse"),
    ),
    ModelSpec(
        "sparse_kl",
        "Sparse AE (KL)",
        "autoencoder",
        Builder("sparse_ae", ("kl",)),
        Recipe(epochs=25),
        "300 sigmoid codings pushed to a mean activation of 0.1 by a KL penalty.",
        tags=("reconstruction", "sparse"),
    ),
    ModelSpec(
        "overcomplete_ae",
        "Overcomplete AE (3,136-D code)",
        "autoencoder",
        Builder("overcomplete_ae", kwargs={"channels": 4}),
        Recipe(epochs=10),  # the copy of noise still improves at 5 epochs (docs/DECISIONS.md)
        "784 → 28×28×4 → 784: a code 4× wider than the image, so it learns to copy, noise included.",
        tags=("overcomplete",),
    ),
    ModelSpec(
        "vae_dense",
        "Dense VAE (10-D), β = 1",
        "vae",
        Builder("dense_vae", kwargs={"latent_dim": 10}),
        Recipe(epochs=20, beta=1.0),
        "A 10-D latent for sample quality; also the β = 1 β-VAE.",
        tags=("beta",),
    ),
    ModelSpec(
        "beta_vae_4",
        "β-VAE, β = 4",
        "vae",
        Builder("dense_vae", kwargs={"latent_dim": 10}),
        Recipe(epochs=20, beta=4.0),
        "Same network; the KL term weighs 4×.",
        tags=("beta",),
    ),
    ModelSpec(
        "beta_vae_10",
        "β-VAE, β = 10",
        "vae",
        Builder("dense_vae", kwargs={"latent_dim": 10}),
        Recipe(epochs=20, beta=10.0),
        "Same network; the KL term weighs 10×.",
        tags=("beta",),
    ),
    ModelSpec(
        "vae_conv_2d",
        "Conv VAE (2-D latent)",
        "vae",
        Builder("conv_vae", kwargs={"latent_dim": 2}),
        Recipe(epochs=16),
        "A 2-D latent you can draw as a map and sample.",
        tags=("map",),
    ),
    ModelSpec(
        "ae_2d",
        "Plain AE (2-D code)",
        "autoencoder",
        Builder("dense_ae", kwargs={"hidden": (128, 64), "code_size": 2}),
        Recipe(epochs=20),
        "A deterministic 2-D code: the map the VAE's is compared with.",
        tags=("map",),
    ),
    ModelSpec(
        "dcgan",
        "DCGAN",
        "gan",
        Builder(
            "dcgan",
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
        Builder("conditional_gan", kwargs={"noise_dim": GAN_NOISE_DIM, "g_width": 64, "minibatch_std": True}),
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
        Builder("cyclegan"),
        CYCLEGAN_RECIPE,
        "Translates regular handwriting to bold and back, trained without a single pair.",
        datasets=("mnist",),
        tags=("cyclegan",),
    ),
    ModelSpec(
        "pix2pix",
        "pix2pix (regular ↔ bold, paired)",
        "pix2pix",
        Builder("pix2pix"),
        PIX2PIX_RECIPE,
        "The same translation learned from pairs: U-Net generator, PatchGAN discriminator, L1 weight 100.",
        datasets=("mnist",),
        tags=("pix2pix",),
    ),
]


def _shapes_vae(name: str, title: str, recipe: Recipe, summary: str) -> ModelSpec:
    """Higgins et al.'s dense β-VAE, scaled to 32×32 shapes and the CPU budget (docs/DECISIONS.md)."""
    build = Builder("dense_vae", kwargs={"latent_dim": 10, "hidden": (512, 256), "image_shape": (32, 32, 1)})
    metrics = (("neg_elbo", "{:.1f}"), ("active_dims", "{}"), ("mig", "{:.3f}"))
    return ModelSpec(
        name, title, "vae", build, recipe, summary, datasets=(SHAPES_DATASET,), tags=("shapes",), key_metrics=metrics
    )


SHAPES_EPOCHS = 12  # full passes over the 737,280 images: ~1–3 min each here (docs/DECISIONS.md)
_SPECS += [
    _shapes_vae("shapes_vae_1", "Shapes VAE, β = 1", Recipe(SHAPES_EPOCHS, beta=1.0), "The plain VAE on shapes."),
    _shapes_vae("shapes_vae_4", "Shapes β-VAE, β = 4", Recipe(SHAPES_EPOCHS, beta=4.0), "The KL term weighs 4×."),
    _shapes_vae("shapes_vae_10", "Shapes β-VAE, β = 10", Recipe(SHAPES_EPOCHS, beta=10.0), "The KL term weighs 10×."),
    _shapes_vae(
        "shapes_tcvae",
        "Shapes β-TCVAE, β = 6",
        Recipe(SHAPES_EPOCHS, beta=1.0, tc_weight=5.0),
        "Only the latents' total correlation weighs more (6×): independence without blurring.",
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


# ---------------------------------------------------------------- live training (the Watch it learn page)

# Networks trained only live, in front of the class: no checkpoint, never on the home page.
LIVE_SPECS = {
    spec.name: spec
    for spec in (
        ModelSpec(
            "points_gan",
            "GAN on 2-D points",
            "gan",
            Builder("points_gan", kwargs={"noise_dim": 2, "width": 64}),
            Recipe(epochs=1, batch_size=128, learning_rate=1e-3),
            "GAN Lab's lesson: a generator learns to place points where the real ones are.",
            datasets=("ring", "grid"),
            noise_dim=2,
        ),
        ModelSpec(
            "dense_gan",
            "Dense GAN (HOML)",
            "gan",
            Builder("dense_gan", kwargs={"noise_dim": 30}),
            Recipe(epochs=1, batch_size=128, learning_rate=1e-3),
            "HOML ch. 17's first GAN, small enough to watch learn.",
            noise_dim=30,
        ),
        ModelSpec(
            "course_dcgan",
            "The course's DCGAN",
            "gan",
            Builder("course_dcgan", kwargs={"noise_dim": 32}),
            # The notes: Adam 4e-4 (Keras' β₁ 0.9), batch 128, 2,000 iterations (COURSE_DCGAN_ITERATIONS).
            Recipe(epochs=1, batch_size=128, learning_rate=4e-4, beta_1=0.9),
            "The course notes' DCGAN as written there: the code from class, learning live.",
            noise_dim=32,
        ),
        ModelSpec(
            "course_dense_ae",
            "The course's dense AE",
            "autoencoder",
            Builder("course_dense_ae", kwargs={"code_size": 32}),
            Recipe(epochs=1, batch_size=128, loss="mse"),
            "784-32-784, MSE, Adam: the course's first autoencoder.",
        ),
    )
}

COURSE_DCGAN_ITERATIONS = 2_000  # how long the course notes train their DCGAN (the lesson counts toward it)

# Lesson → the model it trains: the zoo's own 2-D autoencoder and VAE (same builder, recipe and loss as their
# checkpoints), and the live-only networks above (the course's own dense AE and DCGAN among them).
LESSONS = {
    "ae": "ae_2d",
    "vae": "vae_conv_2d",
    "course_ae": "course_dense_ae",
    "points": "points_gan",
    "images": "dense_gan",
    "course_gan": "course_dcgan",
}


def lesson_spec(lesson: str) -> ModelSpec:
    name = LESSONS[lesson]
    return LIVE_SPECS.get(name) or get_spec(name)
