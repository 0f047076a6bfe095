"""Real or fake?: the same images for a room's round, half real, and the discriminator's verdict; the class's
accuracy per image."""

from __future__ import annotations

import numpy as np

from models.analysis.realfake import QUIZ_SIZE, class_accuracy, make_quiz, quiz_seed
from models.runtime.graph import NUMPY
from models.runtime.inference import load_model


def test_a_round_shows_every_student_the_same_half_real_images(mnist_sample):
    gan = load_model("mnist", "dcgan", runtime=NUMPY)
    x, _ = mnist_sample
    seed = quiz_seed("ACEFH", 1)
    a, b = make_quiz(gan, x, seed), make_quiz(gan, x, seed)
    assert a.images.shape == (QUIZ_SIZE, 28, 28) and a.images.dtype == np.uint8
    assert np.array_equal(a.images, b.images) and np.array_equal(a.real, b.real)
    assert a.real.sum() == QUIZ_SIZE // 2
    sample = {img.tobytes() for img in x}
    assert all((img.tobytes() in sample) == is_real for img, is_real in zip(a.images, a.real))
    assert np.all((a.d_real >= 0) & (a.d_real <= 1))
    other = make_quiz(gan, x, quiz_seed("ACEFH", 2))
    assert not np.array_equal(other.images, a.images)  # a new round, new images


def test_class_accuracy_counts_right_votes_per_image():
    real = np.array([True, False, True])
    accuracy, counted = class_accuracy([[1, 1, None], [0, 0, 1], [1, None, 1]], real)
    assert counted.tolist() == [3, 2, 2]
    assert np.allclose(accuracy, [2 / 3, 0.5, 1.0])
    accuracy, counted = class_accuracy([], real)
    assert np.isnan(accuracy).all() and counted.tolist() == [0, 0, 0]
