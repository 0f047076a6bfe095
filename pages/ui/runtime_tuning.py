"""Garbage-collection settings that keep slider reruns fast in a long-lived app process.

``python -m tests.benchmark`` measures each page's slider rerun with and without them (the environment
variable ``LATENT_LAB_STREAMLIT_DEFAULTS=1`` plus ``--runner.postScriptGC true`` restores Streamlit's
defaults); see BENCHMARKS.md.

After every script run Streamlit calls ``gc.collect``, which walks every object alive: Streamlit, Plotly,
the loaded models. ``gc.freeze()`` after the models are loaded moves those long-lived objects out of the
collector's sight, and ``runner.postScriptGC = false`` (.streamlit/config.toml) drops the extra collection.
(Streamlit also resets Keras after each run when Keras is imported; the app runs its models without Keras,
``models/graph.py``, so there is nothing to reset.)
"""

from __future__ import annotations

import gc
import os

UNTUNED_ENV = "LATENT_LAB_STREAMLIT_DEFAULTS"


def _untuned() -> bool:
    """Benchmarks set this to measure what the tuning is worth."""
    return os.environ.get(UNTUNED_ENV, "") not in ("", "0")


def freeze_long_lived_objects() -> None:
    """Exclude everything alive now (Streamlit, Plotly, loaded models) from future garbage collections."""
    if not _untuned():
        gc.freeze()
