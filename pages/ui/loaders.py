"""Models and the committed test sample, loaded once per process and shared by every session.

``ModelStore`` (one per process, via ``st.cache_resource``) loads checkpoints on two worker threads and
keeps each as a future: a page *asks* for all the models it needs before drawing anything, so they load
while the page draws its text and inputs, and then *waits* for each one where it draws it. Models run on
the NumPy runtime (``models/runtime/graph.py``): a load takes milliseconds and the app never imports TensorFlow. Once the page has drawn, ``after_page`` queues the rest of the dataset's models, so the
next page a class opens is ready. A failed load is forgotten (not cached), so a
checkpoint rebuilt while the app runs is picked up on the next rerun. The workers call no Streamlit API.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from models.checkpoints import (
    CheckpointError,
    debias_path,
    outliers_path,
    read_card,
    read_json_result,
    read_pretraining_curve,
    read_tsne_map,
)
from models.data.samples import load_sample, sample_path
from models.registry import REGISTRY, TOY_DATASET
from pages.ui.runtime_tuning import freeze_long_lived_objects

if TYPE_CHECKING:
    from models.runtime.inference import LoadedModel


def _load(dataset: str, name: str) -> LoadedModel:
    from models.runtime.graph import NUMPY
    from models.runtime.inference import load_model

    model = load_model(dataset, name, runtime=NUMPY)  # no TensorFlow in the app (models/runtime/inference.py)
    freeze_long_lived_objects()
    return model


class ModelStore:
    """Process-wide futures of loaded models, keyed by (dataset, name)."""

    def __init__(self, workers: int = 2):
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="latent-lab-load")
        self._futures: dict[tuple[str, str], Future] = {}
        self._lock = threading.Lock()
        self._timers: list[threading.Timer] = []
        self._prepared: set[str] = set()  # datasets whose rest is queued: a class's reruns start no timer each

    def request(self, dataset: str, names: list[str]) -> None:
        """Start loading ``names`` (those not loaded or loading already)."""
        with self._lock:
            for name in names:
                key = (dataset, name)
                if key not in self._futures:
                    self._futures[key] = self._pool.submit(_load, dataset, name)

    def after_page(self, dataset: str, delay_s: float = 0.0) -> None:
        """Once a page has drawn: queue the rest of ``dataset``'s models (and the 3-D toy), so the next page a
        class opens is ready. Not before, and on a cold start not at once (``delay_s``): loading them while the
        browser paints the page's first picture took the cores it needed."""
        with self._lock:
            if dataset in self._prepared:
                return
            self._prepared.add(dataset)
        if delay_s <= 0:
            self._queue_rest(dataset)
            return
        timer = threading.Timer(delay_s, self._queue_rest, (dataset,))
        timer.daemon = True
        with self._lock:
            self._timers = [t for t in self._timers if t.is_alive()] + [timer]
        timer.start()

    def _queue_rest(self, dataset: str) -> None:
        try:
            self.request(TOY_DATASET, [s.name for s in REGISTRY.values() if TOY_DATASET in s.datasets])
            self.request(dataset, [s.name for s in REGISTRY.values() if dataset in s.datasets])
        except RuntimeError:  # the server is stopping and the pool takes no more work: nothing left to prepare
            pass
        with self._lock:  # a model that failed to load is forgotten (``get``): the next page queues it again
            if any(
                f.done() and not f.cancelled() and f.exception() is not None
                for (d, _), f in self._futures.items()
                if d == dataset
            ):
                self._prepared.discard(dataset)

    def get(self, dataset: str, name: str) -> LoadedModel:
        """The loaded model; raises ``CheckpointError`` (and forgets the failure) if it cannot be loaded."""
        self.request(dataset, [name])
        future = self._futures[(dataset, name)]
        try:
            return future.result()
        except CheckpointError:
            with self._lock:
                if self._futures.get((dataset, name)) is future:
                    del self._futures[(dataset, name)]
            raise

    def wait_idle(self, timeout: float = 600.0) -> None:
        """Block until every scheduled and queued load has finished (tests use it)."""
        for timer in list(self._timers):
            timer.join(timeout)
        for future in list(self._futures.values()):
            try:
                future.result(timeout=timeout)
            except CheckpointError:
                pass

    def clear(self) -> None:
        self.wait_idle()
        with self._lock:
            self._futures.clear()


@st.cache_resource(show_spinner=False)
def model_store() -> ModelStore:
    return ModelStore()


def model_status(dataset: str, name: str) -> tuple[bool, str, dict | None]:
    """(ready, message, card) without loading the weights: for the home page."""
    try:
        card = read_card(dataset, name)
    except CheckpointError as err:
        return False, str(err), None
    return True, "ready", card


@st.cache_resource(show_spinner=False)
def _sample(dataset: str) -> tuple[np.ndarray, np.ndarray]:
    x, y = load_sample(dataset)
    x.flags.writeable = y.flags.writeable = False
    return x, y


def get_sample(dataset: str) -> tuple[np.ndarray, np.ndarray] | None:
    """The committed 1,000-image test sample (uint8 images, labels), or None if it is missing or damaged (not
    remembered: a sample restored while the app runs is found on the next rerun). One read-only copy shared
    by every session: ``st.cache_data`` would unpickle a fresh copy of its 0.8 MB on every rerun."""
    try:
        return _sample(dataset)
    except (OSError, ValueError, KeyError):
        return None


def sample_location(dataset: str) -> str:
    return str(sample_path(dataset))


def tsne_map(model: LoadedModel) -> np.ndarray | None:
    """The stored t-SNE map of ``model``'s codings of the sample, if it was computed from these weights."""
    return read_tsne_map(model.dataset, model.spec.name, model.card.get("weights_sha256"))


def pretraining_curve(dataset: str) -> dict | None:
    """The stored few-label accuracy curve (``python -m training.pretraining``), or None."""
    return read_pretraining_curve(dataset)


@st.cache_resource(show_spinner=False, max_entries=8)
def _stored_result(path: str, modified_ns: int, required: str) -> dict | None:
    """One parse per file version, shared by every session (a result rebuilt while the app runs is read anew)."""
    return read_json_result(Path(path), required)


def _result(path: Path, required: str) -> dict | None:
    try:
        modified = path.stat().st_mtime_ns
    except OSError:
        return None
    return _stored_result(str(path), modified, required)


def outlier_results(dataset: str) -> dict | None:
    """The stored outlier scores of ``dataset`` (``python -m training.outliers``), or None."""
    return _result(outliers_path(dataset), "auroc")


def debias_results() -> dict | None:
    """The stored imbalance lesson (``python -m training.debias``), or None."""
    return _result(debias_path(), "accuracy")
