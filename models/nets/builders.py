"""Every network builder the registry names (``models.registry.Builder``), by that name. Importing this imports
Keras: only training (and the checks that build networks) reach it, never the app."""

from __future__ import annotations

from collections.abc import Callable

from models.nets import autoencoders, classifier, cyclegan, gan, pix2pix, vae

BUILDERS: dict[str, Callable] = {
    "cnn_classifier": classifier.cnn_classifier,
    "linear_ae": autoencoders.linear_ae,
    "linear_ae_3d": autoencoders.linear_ae_3d,
    "stacked_ae": autoencoders.stacked_ae,
    "layerwise_stacked_ae": autoencoders.layerwise_stacked_ae,
    "overcomplete_ae": autoencoders.overcomplete_ae,
    "dense_ae": autoencoders.dense_ae,
    "course_dense_ae": autoencoders.course_dense_ae,
    "tied_ae": autoencoders.tied_ae,
    "conv_ae_upsampling": autoencoders.conv_ae_upsampling,
    "conv_ae_transpose": autoencoders.conv_ae_transpose,
    "recurrent_ae": autoencoders.recurrent_ae,
    "denoising_conv_ae": autoencoders.denoising_conv_ae,
    "sparse_ae": autoencoders.sparse_ae,
    "dense_vae": vae.dense_vae,
    "conv_vae": vae.conv_vae,
    "dcgan": gan.dcgan,
    "conditional_gan": gan.conditional_gan,
    "dense_gan": gan.dense_gan,
    "points_gan": gan.points_gan,
    "course_dcgan": gan.course_dcgan,
    "cyclegan": cyclegan.cyclegan,
    "pix2pix": pix2pix.pix2pix,
}
