"""All the math of Latent Lab, in rooms that state the rule "the app never imports TensorFlow": ``nets/`` is the
only Keras code; ``runtime/``, ``eval/``, ``analysis/`` and ``data/`` are NumPy, and the app imports only those
(``tests/test_layout.py``). ``import models`` is enough to load any checkpoint with Keras: the custom layers
(``models/nets/layers.py``) are registered as soon as Keras is imported, before or after this package.

Why not simply import ``models.nets.layers`` here: that imports Keras and TensorFlow, which the app never needs
(it runs the checkpoints with ``models/runtime/graph.py``); a first page would wait seconds for them.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import sys


def _register_custom_layers() -> None:
    from models.nets import layers  # noqa: F401  (its decorators register the classes with Keras)


class _AfterKerasImport(importlib.abc.MetaPathFinder):
    """Runs ``_register_custom_layers`` right after the ``keras`` package itself has been imported."""

    def find_spec(self, fullname, path, target=None):
        if fullname != "keras":
            return None
        sys.meta_path.remove(self)  # once; and so that the real finder answers the lookup below
        spec = importlib.util.find_spec("keras")
        if spec is None or spec.loader is None:
            return spec
        exec_module = spec.loader.exec_module

        def exec_then_register(module) -> None:
            exec_module(module)
            _register_custom_layers()

        spec.loader.exec_module = exec_then_register
        return spec


if "keras" in sys.modules:
    _register_custom_layers()
elif not any(isinstance(finder, _AfterKerasImport) for finder in sys.meta_path):
    sys.meta_path.insert(0, _AfterKerasImport())
