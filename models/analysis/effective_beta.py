"""The β a VAE's loss really uses: its KL weight measured against the summed ELBO.

The ELBO sums the reconstruction's −log p(x|z) over the pixels and the KL over the latent dimensions; a loss that
averages the cross-entropy over the 784 pixels, or weights the KL by a small number, is that ELBO with the KL
scaled by some β (a β-VAE in disguise). ``effective_beta`` computes that β from how the code writes its loss.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.registry import REGISTRY, ModelSpec

PIXELS = 28 * 28
TEXTBOOK_KL_FACTOR = -0.5  # KL(q ‖ N(0, I)) = −½ Σ (1 + log σ² − μ² − σ²)


@dataclass(frozen=True)
class VaeLoss:
    """A VAE loss as its code writes it: a cross-entropy over ``pixels`` reduced by ``reconstruction`` ("sum" or
    "mean"), plus ``kl_factor`` × the bracket (1 + log σ² − μ² − σ²) reduced over ``latent_dim`` dimensions by
    ``kl_reduction``, divided by ``kl_divisor``."""

    pixels: int
    reconstruction: str
    kl_factor: float
    kl_reduction: str
    latent_dim: int
    kl_divisor: float = 1.0

    @property
    def kl_weight(self) -> float:
        """The number the KL (in nats, summed over the dimensions) is multiplied by in this loss."""
        per_dim = 1.0 / self.latent_dim if self.kl_reduction == "mean" else 1.0
        return self.kl_factor / TEXTBOOK_KL_FACTOR * per_dim / self.kl_divisor

    @property
    def reconstruction_weight(self) -> float:
        """The number the summed cross-entropy (nats) is multiplied by."""
        return 1.0 / self.pixels if self.reconstruction == "mean" else 1.0


def effective_beta(loss: VaeLoss) -> float:
    """β such that the loss is proportional to Σ −log p(x|z) + β · KL: the ELBO with its KL weighted by β."""
    for reduction in (loss.reconstruction, loss.kl_reduction):
        if reduction not in ("sum", "mean"):
            raise ValueError(f"reduction must be 'sum' or 'mean', not {reduction!r}")
    return loss.kl_weight / loss.reconstruction_weight


# The course's VAE (Chollet, Deep Learning with Python, 1st ed., §8.4):
#   xent_loss = keras.metrics.binary_crossentropy(K.flatten(x), K.flatten(z_decoded))      # mean over 784 pixels
#   kl_loss = -5e-4 * K.mean(1 + z_log_var - K.square(z_mean) - K.exp(z_log_var), axis=-1)  # 2-D latent
COURSE_LOSS = VaeLoss(pixels=PIXELS, reconstruction="mean", kl_factor=-5e-4, kl_reduction="mean", latent_dim=2)
# The book (Géron, HOML ch. 17): loss="binary_crossentropy" (mean over pixels) and
#   latent_loss = -0.5 * K.sum(1 + codings_log_var - K.exp(codings_log_var) - K.square(codings_mean), axis=-1)
#   variational_ae.add_loss(K.mean(latent_loss) / 784.)
BOOK_LOSS = VaeLoss(
    pixels=PIXELS, reconstruction="mean", kl_factor=TEXTBOOK_KL_FACTOR, kl_reduction="sum", latent_dim=10,
    kl_divisor=PIXELS,
)  # fmt: skip


def recipe_loss(spec: ModelSpec) -> VaeLoss:
    """A registry VAE's loss as ``models/nets/vae.py`` writes it: the Bernoulli −log p(x|z) summed over the pixels
    plus the recipe's β × the KL summed over the latent dimensions."""
    return VaeLoss(
        pixels=PIXELS,
        reconstruction="sum",
        kl_factor=TEXTBOOK_KL_FACTOR * spec.recipe.beta,
        kl_reduction="sum",
        latent_dim=int(spec.build.kwargs.get("latent_dim", 2)),
    )


def every_recipe() -> dict[str, VaeLoss]:
    """Each VAE recipe's loss: the zoo's (by registry name), then the course's and the book's. A β-TCVAE is left
    out: it weighs one part of the KL more, so no single β describes its loss."""
    zoo = {
        name: recipe_loss(spec) for name, spec in REGISTRY.items() if spec.family == "vae" and not spec.recipe.tc_weight
    }
    return {**zoo, "course": COURSE_LOSS, "book": BOOK_LOSS}
