"""Precompute the t-SNE map of each autoencoder's codings: ``python -m training.tsne [MODEL ...]``.

t-SNE takes seconds, too long for a click, so it is computed once per checkpoint, on the committed
1,000-image sample, and written beside the checkpoint as ``<model>.tsne.npz`` with the SHA-256 of the
weights it was computed from (the app ignores a map whose checkpoint has changed since). The embedding is
scikit-learn's ``TSNE`` (a training-time dependency: the app only reads the stored maps).
"""

from __future__ import annotations

import argparse
import io

import numpy as np

from models.checkpoints import atomic_write, checkpoint_paths
from models.data.samples import load_sample
from models.registry import IMAGE_DATASETS, specs_for


def tsne(codes: np.ndarray, seed: int = 0) -> np.ndarray:
    """The 2-D t-SNE map of ``codes`` (N, ...): scikit-learn's Barnes–Hut TSNE, perplexity
    30, PCA initialisation (stable from run to run), float32."""
    from sklearn.manifold import TSNE

    flat = np.asarray(codes, np.float64).reshape(len(codes), -1)
    return (
        TSNE(2, perplexity=30.0, init="pca", learning_rate="auto", random_state=seed)
        .fit_transform(flat)
        .astype(np.float32)
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m training.tsne", description=__doc__)
    p.add_argument("models", nargs="*", help="autoencoders (default: every one on the Reconstruction page)")
    args = p.parse_args(argv)
    from models.runtime.inference import load_model, to_model_input

    for dataset in IMAGE_DATASETS:
        x, _ = load_sample(dataset)
        for spec in specs_for(dataset, "reconstruction"):
            if args.models and spec.name not in args.models:
                continue
            model = load_model(dataset, spec.name)
            embedding = tsne(model.encode(to_model_input(x)))
            buffer = io.BytesIO()
            np.savez_compressed(buffer, embedding=embedding, weights_sha256=model.card["weights_sha256"])
            atomic_write(
                checkpoint_paths(dataset, spec.name)["tsne"], lambda path, b=buffer: path.write_bytes(b.getvalue())
            )
            print(f"[tsne] {dataset}/{spec.name}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
