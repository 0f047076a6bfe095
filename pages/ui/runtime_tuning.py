"""Two process-wide settings that keep slider reruns fast once TensorFlow is loaded.

``python -m tests.benchmark`` measures each page's slider rerun with and without them (the environment
variable ``LATENT_LAB_STREAMLIT_DEFAULTS=1`` plus ``--runner.postScriptGC true`` restores Streamlit's
defaults); see BENCHMARKS.md.

1. After every script run Streamlit calls ``gc.collect`` (twice, counting the one inside
   ``keras.backend.clear_session``). With TensorFlow imported that walks millions of objects:
   ~0.4 s each. ``gc.freeze()`` after TensorFlow and each model are loaded moves those long-lived
   objects out of the collector's sight, and ``runner.postScriptGC = false`` (.streamlit/config.toml)
   drops the extra collection.
2. Streamlit also calls ``keras.backend.clear_session()`` after every run, for apps that build new
   models on each rerun. We never do (models are built once, in ``st.cache_resource``), and the reset
   empties TensorFlow's kernel cache, so the first call of every model after each rerun took ~20 ms more,
   and it reset global state while other sessions' threads were running the same models.
"""

from __future__ import annotations

import gc
import logging
import os

_LOG = logging.getLogger(__name__)
UNTUNED_ENV = "LATENT_LAB_STREAMLIT_DEFAULTS"


def _untuned() -> bool:
    """Benchmarks set this to measure what the tuning is worth."""
    return os.environ.get(UNTUNED_ENV, "") not in ("", "0")


def freeze_long_lived_objects(collect_first: bool = False) -> None:
    """Exclude everything alive now (TensorFlow, loaded models) from future garbage collections.

    ``collect_first`` frees the garbage of a big import before freezing (a full collection); after a model load
    the few temporary objects are not worth that wait on a cold page.
    """
    if _untuned():
        return
    if collect_first:
        gc.collect()
    gc.freeze()


def skip_keras_reset_between_runs() -> bool:
    """Stop Streamlit from resetting Keras after each script run; True if the hook was found.

    Streamlit keeps the reset in a private function (``_clean_problem_modules``); if a future version
    moves it, nothing is patched, a warning is logged and the app is merely slower.
    """
    if _untuned():
        return False
    try:
        from streamlit.runtime.scriptrunner import script_runner
    except ImportError:
        return False
    original = getattr(script_runner, "_clean_problem_modules", None)
    if original is None:
        _LOG.warning("Streamlit no longer has _clean_problem_modules; Keras is reset after each run.")
        return False
    if getattr(original, "latent_lab_patched", False):
        return True

    def clean_problem_modules_except_keras() -> None:
        """Streamlit's cleanup without the Keras reset (we do not use matplotlib.pyplot either)."""
        import sys

        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close("all")

    clean_problem_modules_except_keras.latent_lab_patched = True  # type: ignore[attr-defined]
    script_runner._clean_problem_modules = clean_problem_modules_except_keras
    return True
