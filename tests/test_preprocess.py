"""Uploads become MNIST-style inputs; every bad upload gets its own clear message."""

from __future__ import annotations

import io

import numpy as np
import pytest

from models.data.preprocess import ImageInputError, preprocess_array, preprocess_upload
from tests.images import bad_uploads, convertible_uploads, exif_rotated_digit, off_centre_dark_digit, thin_stroke


def _centre_of_mass(img: np.ndarray) -> tuple[float, float]:
    total = img.sum()
    return ((img.sum(axis=1) * np.arange(28)).sum() / total, (img.sum(axis=0) * np.arange(28)).sum() / total)


def test_off_centre_dark_on_light_becomes_centred_light_on_dark():
    result = preprocess_upload(off_centre_dark_digit())
    img = result.image
    assert img.shape == (28, 28) and img.dtype == np.uint8
    cy, cx = _centre_of_mass(img.astype(float))
    assert abs(cy - 13.5) < 1.0 and abs(cx - 13.5) < 1.0  # centred by mass
    border = np.concatenate([img[0], img[-1], img[:, 0], img[:, -1]])
    assert np.median(img) == 0 and border.mean() < 20  # dark background
    assert img.max() == 255  # light ink
    ys, xs = np.nonzero(img > 30)
    assert max(ys.max() - ys.min(), xs.max() - xs.min()) <= 21  # fitted into the 20×20 box
    assert result.original.shape == (200, 300)  # the original is kept for display


def test_canvas_drawing_is_processed_the_same_way():
    canvas = np.zeros((224, 224, 3), np.uint8)
    canvas[150:200, 160:175] = 255  # a bar in the bottom-right corner
    cy, cx = _centre_of_mass(preprocess_array(canvas).image.astype(float))
    assert abs(cy - 13.5) < 1.0 and abs(cx - 13.5) < 1.0


@pytest.mark.parametrize("name", list(bad_uploads()))
def test_bad_upload_has_clear_message(name):
    data, key = bad_uploads()[name]
    with pytest.raises(ImageInputError) as err:
        preprocess_upload(data)
    assert err.value.key == key and str(err.value)


@pytest.mark.parametrize("name", list(convertible_uploads()))
def test_odd_formats_are_converted_with_a_note(name):
    data, key = convertible_uploads()[name]
    result = preprocess_upload(data)
    assert [n.key for n in result.notes] == [key]
    assert result.image.max() > 200 and np.median(result.image) == 0  # ink found, background dark


def test_blank_image_is_rejected():
    with pytest.raises(ImageInputError, match="blank"):
        preprocess_array(np.zeros((50, 50, 3), np.uint8))


def test_a_photo_on_its_side_is_turned_upright_by_its_exif_orientation():
    rotated, upright = exif_rotated_digit()
    turned, reference = preprocess_upload(rotated).image.astype(float), preprocess_upload(upright).image.astype(float)
    assert np.abs(turned - reference).mean() < 10  # the same digit, up to JPEG's loss
    sideways = np.rot90(reference, 1)  # what the model would get if the orientation were ignored
    assert np.abs(turned - sideways).mean() > 3 * np.abs(turned - reference).mean()


def test_a_stroke_thinner_than_a_pixel_after_fitting_is_kept():
    img = preprocess_upload(thin_stroke()).image
    ys, xs = np.nonzero(img > 30)
    assert ys.max() - ys.min() >= 18 and xs.max() - xs.min() <= 3  # a tall, thin stroke


@pytest.mark.parametrize("size", [(1, 1), (2, 2), (3, 1), (1, 3)])
def test_tiny_images_get_a_message_not_a_crash(size):
    from PIL import Image

    for value in (0, 255):
        buffer = io.BytesIO()
        Image.new("L", size, value).save(buffer, format="PNG")
        with pytest.raises(ImageInputError) as err:
            preprocess_upload(buffer.getvalue())
        assert err.value.key == "blank"


def test_a_dot_in_a_tiny_image_becomes_a_centred_blob():
    from PIL import Image

    img = Image.new("L", (3, 3), 255)
    img.putpixel((1, 1), 0)
    buffer = io.BytesIO()
    img.save(buffer, format="PNG")
    cy, cx = _centre_of_mass(preprocess_upload(buffer.getvalue()).image.astype(float))
    assert abs(cy - 13.5) < 1.0 and abs(cx - 13.5) < 1.0
