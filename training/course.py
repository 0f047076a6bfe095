"""The course's own recipes, re-implemented as the course material gives them, so the benchmark can
train them on the same splits and compare them with the zoo (``python -m training.course``).

Results go to ``checkpoints/benchmarks/course_recipes.json`` (metrics and training time only;
these networks are not kept).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

import keras
import numpy as np
from keras import layers

from models.checkpoints import CHECKPOINT_DIR, atomic_write
from models.data.noise import corrupt
from models.eval import metrics
from models.eval.evaluation import EVAL_SEED
from models.nets.vae import VAE, conv_vae
from models.registry import Recipe
from training.datasets import load_dataset
from training.recipes import make_dataset

RESULTS = CHECKPOINT_DIR / "benchmarks" / "course_recipes.json"


@dataclass(frozen=True)
class CourseRecipe:
    name: str
    dataset: str
    source: str  # where the recipe comes from
    compares_with: str  # the zoo model that improves on it
    epochs: int
    run: Callable  # (recipe, data) -> metrics dict


def _fit_ae(model: keras.Model, x: np.ndarray, epochs: int, batch: int, noisy: np.ndarray | None = None):
    recipe = Recipe(epochs=epochs, batch_size=batch)
    model.fit(make_dataset(x if noisy is None else noisy, x, recipe), epochs=epochs, verbose=2)


def _ae_metrics(model: keras.Model, x_test: np.ndarray) -> dict:
    rec = np.asarray(model.predict(x_test, batch_size=1000, verbose=0)).reshape(x_test.shape)
    return {
        "mse": float(metrics.mse_per_image(x_test, rec).mean()),
        "bce": float(metrics.bce_per_image(x_test, rec).mean()),
    }


def dense_32(r: CourseRecipe, x, x_test) -> dict:
    """Keras blog "Building autoencoders in Keras": 784-32(ReLU)-784(sigmoid), Adam, BCE, batch 256."""
    inp = keras.Input((28, 28, 1))
    h = layers.Dense(32, activation="relu")(layers.Flatten()(inp))
    out = layers.Reshape((28, 28, 1))(layers.Dense(784, activation="sigmoid")(h))
    model = keras.Model(inp, out)
    model.compile("adam", "binary_crossentropy")
    _fit_ae(model, x, r.epochs, 256)
    return _ae_metrics(model, x_test)


def stacked_sgd(r: CourseRecipe, x, x_test) -> dict:
    """HOML ch. 17: 784-100-30 SELU stacked AE, SGD(learning_rate=1.5), MSE loss, batch 32 (Keras default)."""
    inp = keras.Input((28, 28, 1))
    h = layers.Dense(100, activation="selu")(layers.Flatten()(inp))
    h = layers.Dense(30, activation="selu")(h)
    h = layers.Dense(100, activation="selu")(h)
    out = layers.Reshape((28, 28, 1))(layers.Dense(784, activation="sigmoid")(h))
    model = keras.Model(inp, out)
    model.compile(keras.optimizers.SGD(learning_rate=1.5), "mse")
    _fit_ae(model, x, r.epochs, 32)
    return _ae_metrics(model, x_test)


def conv_adadelta(r: CourseRecipe, x, x_test) -> dict:
    """Keras blog convolutional AE with a 4×4×4 code, Adadelta (Keras default learning rate), BCE."""
    inp = keras.Input((28, 28, 1))
    h = layers.MaxPooling2D(2, padding="same")(layers.Conv2D(16, 3, activation="relu", padding="same")(inp))
    h = layers.MaxPooling2D(2, padding="same")(layers.Conv2D(8, 3, activation="relu", padding="same")(h))
    code = layers.MaxPooling2D(2, padding="same")(layers.Conv2D(4, 3, activation="relu", padding="same")(h))
    h = layers.UpSampling2D(2)(layers.Conv2D(4, 3, activation="relu", padding="same")(code))
    h = layers.UpSampling2D(2)(layers.Conv2D(8, 3, activation="relu", padding="same")(h))
    h = layers.UpSampling2D(2)(layers.Conv2D(16, 3, activation="relu")(h))
    out = layers.Conv2D(1, 3, activation="sigmoid", padding="same")(h)
    model = keras.Model(inp, out)
    model.compile("adadelta", "binary_crossentropy")
    _fit_ae(model, x, r.epochs, 128)
    return _ae_metrics(model, x_test)


def conv_vae_10(r: CourseRecipe, x, x_test) -> dict:
    """keras-io VAE (2-D latent), Adam, trained for the course's 10 epochs; −ELBO as the zoo measures it."""
    encoder, decoder = conv_vae(latent_dim=2)
    model = VAE(encoder, decoder)
    model.compile(keras.optimizers.Adam())
    model.fit(make_dataset(x, None, Recipe(epochs=r.epochs)), epochs=r.epochs, verbose=2)
    z_mean, z_log_var = (np.asarray(a) for a in encoder.predict(x_test, batch_size=1000, verbose=0))
    eps = np.random.default_rng(EVAL_SEED).standard_normal(z_mean.shape).astype(np.float32)
    rec = np.asarray(decoder.predict(z_mean + np.exp(0.5 * z_log_var) * eps, batch_size=1000, verbose=0))
    nll = metrics.bce_per_image(x_test, rec, reduce="sum")
    kl = metrics.gaussian_kl_per_dim(z_mean, z_log_var).sum(axis=1)
    mean_rec = np.asarray(decoder.predict(z_mean, batch_size=1000, verbose=0))
    return {"neg_elbo": float((nll + kl).mean()), "mse": float(metrics.mse_per_image(x_test, mean_rec).mean())}


def denoise_blog(r: CourseRecipe, x, x_test) -> dict:
    """Keras blog denoising conv AE (32-32 filters), Gaussian noise factor 0.55 clipped, Adadelta, BCE."""
    inp = keras.Input((28, 28, 1))
    h = layers.MaxPooling2D(2, padding="same")(layers.Conv2D(32, 3, activation="relu", padding="same")(inp))
    code = layers.MaxPooling2D(2, padding="same")(layers.Conv2D(32, 3, activation="relu", padding="same")(h))
    h = layers.UpSampling2D(2)(layers.Conv2D(32, 3, activation="relu", padding="same")(code))
    h = layers.UpSampling2D(2)(layers.Conv2D(32, 3, activation="relu", padding="same")(h))
    out = layers.Conv2D(1, 3, activation="sigmoid", padding="same")(h)
    model = keras.Model(inp, out)
    model.compile("adadelta", "binary_crossentropy")
    noisy = corrupt(x, "gaussian", 0.55, seed=1)
    _fit_ae(model, x, r.epochs, 128, noisy=noisy)
    noisy_test = corrupt(x_test, "gaussian", 0.55, seed=EVAL_SEED)
    rec = np.asarray(model.predict(noisy_test, batch_size=1000, verbose=0))
    return {
        "psnr_noisy_db": float(metrics.psnr_per_image(x_test, noisy_test).mean()),
        "psnr_denoised_db": float(metrics.psnr_per_image(x_test, rec).mean()),
    }


def dense_gan(r: CourseRecipe, x, x_test) -> dict:
    """HOML ch. 17 GAN: dense generator 30-100-150-784 and discriminator 784-150-100-1 (SELU), batch 32,
    scored like the zoo's GANs (classifier features, 10,000 samples)."""
    from models.eval.evaluation import evaluate_gan
    from models.nets.gan import GAN
    from models.nets.gan import dense_gan as networks
    from models.registry import Builder, ModelSpec
    from models.runtime.inference import GenerativeAdversarial, load_model

    generator, discriminator = networks(30)
    gan = GAN(generator, discriminator, noise_dim=30)
    gan.compile(d_optimizer=keras.optimizers.RMSprop(), g_optimizer=keras.optimizers.RMSprop())
    gan.fit(make_dataset(x, None, Recipe(epochs=r.epochs, batch_size=32)), epochs=r.epochs, verbose=2)
    bundle_z, bundle_x = keras.Input((30,), name="z"), keras.Input((28, 28, 1), name="image")
    bundle = keras.Model([bundle_z, bundle_x], [generator(bundle_z), discriminator(bundle_x)])
    spec = ModelSpec(
        "course_gan",
        "HOML GAN",
        "gan",
        Builder("dcgan", kwargs={"noise_dim": 30}),
        Recipe(epochs=r.epochs),
        "",
    )
    wrapped = GenerativeAdversarial(spec=spec, dataset=r.dataset, card={}, bundle=bundle)
    y_test = np.zeros(len(x_test), np.int32)
    result = evaluate_gan(
        wrapped, (x_test[..., 0] * 255).round().astype(np.uint8), y_test, load_model(r.dataset, "classifier"), 10_000
    )
    return {k: result[k] for k in ("frechet_distance", "min_class_share", "classes_covered_5pct")}


RECIPES = [
    CourseRecipe("dense_32_adam", "mnist", "Keras blog, simple autoencoder", "stacked_ae", 50, dense_32),
    CourseRecipe("stacked_selu_sgd", "fashion_mnist", "HOML ch. 17 stacked AE", "stacked_ae", 10, stacked_sgd),
    CourseRecipe(
        "conv_4x4x4_adadelta", "mnist", "Keras blog, convolutional AE", "conv_ae_upsampling", 50, conv_adadelta
    ),
    CourseRecipe("conv_vae_2d_10ep", "mnist", "keras-io VAE example, 10 epochs", "vae_conv_2d", 10, conv_vae_10),
    CourseRecipe("gan_dense_homl", "mnist", "HOML ch. 17 dense GAN", "dcgan", 5, dense_gan),
    CourseRecipe(
        "denoise_gaussian_blog", "mnist", "Keras blog, denoising AE (10 epochs)", "denoising_gaussian", 10, denoise_blog
    ),
]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m training.course", description=__doc__)
    p.add_argument("names", nargs="*", help=f"recipes to run (default all): {', '.join(r.name for r in RECIPES)}")
    p.add_argument("--data-dir")
    args = p.parse_args(argv)
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    for r in RECIPES:
        if args.names and r.name not in args.names:
            continue
        keras.utils.set_random_seed(42)
        data = load_dataset(r.dataset, args.data_dir)
        x = data.train[0].astype(np.float32)[..., None] / 255.0
        x_test = data.test[0].astype(np.float32)[..., None] / 255.0
        print(f"[course] {r.name} on {r.dataset}: {r.source}, {r.epochs} epochs", flush=True)
        start = time.perf_counter()
        measured = r.run(r, x, x_test)
        results[r.name] = {
            "dataset": r.dataset,
            "source": r.source,
            "compares_with": r.compares_with,
            "epochs": r.epochs,
            "train_seconds": round(time.perf_counter() - start, 1),
            "metrics": {k: round(v, 6) for k, v in measured.items()},
        }
        print(f"[course] {r.name}: {results[r.name]}", flush=True)
        atomic_write(RESULTS, lambda p: p.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
