"""Reference figures quoted from the course material and issue #3 (measured on these exact splits by
others): the bars the zoo is held to. Nothing here is a measurement of ours."""

# Well-trained figures at the same code size (Adam, 30 epochs, PyTorch on a GPU).
WELL_TRAINED = {
    ("stacked_ae", "mnist"): ("mse", 0.0077),
    ("stacked_ae", "fashion_mnist"): ("mse", 0.0112),
    ("tied_ae", "mnist"): ("mse", 0.0077),
    ("tied_ae", "fashion_mnist"): ("mse", 0.0112),
    ("conv_ae_upsampling", "mnist"): ("mse", 0.0028),
    ("conv_ae_upsampling", "fashion_mnist"): ("mse", 0.0061),
    ("conv_ae_transpose", "mnist"): ("mse", 0.0028),
    ("conv_ae_transpose", "fashion_mnist"): ("mse", 0.0061),
    ("recurrent_ae", "mnist"): ("mse", 0.0080),
    ("recurrent_ae", "fashion_mnist"): ("mse", 0.0125),
    ("sparse_l1", "mnist"): ("mse", 0.005),
    ("sparse_l1", "fashion_mnist"): ("mse", 0.0085),
    ("sparse_kl", "mnist"): ("mse", 0.005),
    ("sparse_kl", "fashion_mnist"): ("mse", 0.0085),
    ("vae_conv_2d", "mnist"): ("neg_elbo", 146),
    ("vae_conv_2d", "fashion_mnist"): ("neg_elbo", 262),
    ("vae_dense", "mnist"): ("neg_elbo", 106),
    ("vae_dense", "fashion_mnist"): ("neg_elbo", 243),
}
# Absolute bars of issue #3 where they are not "1.25× the well-trained figure".
ELBO_BARS = {
    ("vae_conv_2d", "mnist"): 155,
    ("vae_conv_2d", "fashion_mnist"): 270,
    ("vae_dense", "mnist"): 112,
    ("vae_dense", "fashion_mnist"): 250,
}
DENOISING_GAIN_DB = 8.0  # denoised PSNR at the training noise ≥ clipped noisy PSNR + 8 dB
GAN_MIN_CLASS_SHARE = 0.05  # every class ≥ 5% of 10,000 samples
MSE_RATIO_TO_COURSE = 0.85  # ≤ 0.85× the course recipe's MSE
MSE_RATIO_TO_WELL_TRAINED = 1.25  # ≤ 1.25× the well-trained MSE

# Why a bar can be missed on this hardware (shown only next to a bar that the measurement misses).
WHY_SHORT = {
    "recurrent_ae": "LSTMs are slow on 2 CPU cores, so the recipe trains fewer epochs (see the epochs column) "
    "than the reference's 30 on a GPU.",
    "tied_ae": "half the decoder's weights are shared, and 30 CPU epochs are not enough to match the untied figure.",
    "vae_conv_2d": "the epochs shown fit the CPU budget; the 2-D latent keeps reconstructions blurry.",
    "dcgan": "an unconditional GAN may favour some classes, and a small DCGAN gets only a dozen CPU epochs.",
    "cgan": "a small conditional GAN gets only a dozen CPU epochs.",
}
