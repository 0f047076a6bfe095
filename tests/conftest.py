"""Shared fixtures. Tests use only the committed sample images, never a full dataset."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT)) if str(ROOT) not in sys.path else None

import numpy as np  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(scope="session")
def mnist_sample() -> tuple[np.ndarray, np.ndarray]:
    from models.data.samples import load_sample

    return load_sample("mnist")


@pytest.fixture(scope="session")
def tiny_images(mnist_sample) -> tuple[np.ndarray, np.ndarray]:
    """64 float images in [0, 1] with labels: enough for one training step."""
    from models.runtime.inference import to_model_input

    x, y = mnist_sample
    return to_model_input(x[::16][:64]), y[::16][:64]


def pytest_configure(config):
    # Keras warns when a functional model gets a list where it declared a dict-free structure; harmless here.
    config.addinivalue_line("filterwarnings", "ignore:The structure of `inputs`:UserWarning")
    config.addinivalue_line("filterwarnings", "ignore::DeprecationWarning")
    config.addinivalue_line("filterwarnings", "ignore:`shuffle=True` was passed:UserWarning")


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium through Playwright, one per test module (see bench/harness.py)."""
    from bench.harness import chromium_browser

    with chromium_browser() as b:
        yield b


@pytest.fixture
def page(browser):
    """A fresh browser context per test: its own cookies, so its own Streamlit session."""
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    p = context.new_page()
    yield p
    context.close()
