"""Course topics drawn from committed data (no dataset needed): t-SNE of the codings (HOML 17.3.3)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.test_app import open_page


def _knn_accuracy(points: np.ndarray, labels: np.ndarray, k: int = 5) -> float:
    d = ((points[:, None] - points[None]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    votes = labels[np.argsort(d, axis=1)[:, :k]]
    return float((np.array([np.bincount(v, minlength=10).argmax() for v in votes]) == labels).mean())


@pytest.mark.parametrize("dataset", ["mnist", "fashion_mnist"])
def test_tsne_map_is_committed_and_separates_the_classes_better_than_pca(dataset):
    """HOML 17.3.3: t-SNE of the stacked AE's codings separates classes that PCA's view mixes."""
    from models import analysis
    from models.inference import load_model
    from training.samples import load_sample

    model = load_model(dataset, "stacked_ae")
    x, y = load_sample(dataset)
    tsne = analysis.tsne_map(model)
    assert tsne is not None and tsne.shape == (len(x), 2)
    assert _knn_accuracy(tsne, y) > _knn_accuracy(analysis.codings_2d(model, x), y) + 0.2


def test_codings_map_offers_tsne_from_the_committed_file():
    at = open_page("reconstruction")
    assert at.segmented_control(key="rec-proj").value == "tsne"
    assert not [i for i in at.info if "t-SNE" in i.value]  # the map was found, nothing computed live
