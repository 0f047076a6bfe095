"""Score GAN checkpoints from another folder with today's classifier: ``python -m training.rescore DIR``.

Issue #10 measures the new GANs against the ones they replace, and the classifier that judges them was
replaced too; so the replaced checkpoints (kept in ``DIR/<dataset>/<model>.keras`` + card, e.g. from
``git show`` of the previous commit) are re-scored on the full test split with the current classifier.
Results go to ``checkpoints/benchmarks/gan_baseline.json``, which ``python -m bench.benchmark`` reports.

``python -m training.rescore --update-cards dcgan cgan cyclegan`` instead re-scores the *shipped* checkpoints of
those models and rewrites the metrics in their cards (weights untouched; a GAN's raw-generator ablation is
re-scored from its run state, or dropped): a card's metrics are only comparable with today's classifier's, and
``--verify`` checks them against it.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from models.checkpoints import CHECKPOINT_DIR, atomic_write, checkpoint_paths, read_card
from models.eval.evaluation import evaluate
from models.registry import IMAGE_DATASETS, get_spec, specs_for
from models.runtime.inference import load_model

RESULTS = CHECKPOINT_DIR / "benchmarks" / "gan_baseline.json"
KEEP = ("frechet_distance", "min_class_share", "confident_share", "label_accuracy", "label_accuracy_min_class")


def _ablation_from_run(model, test: tuple, classifier) -> dict:
    """The raw (non-EMA) generator's metrics with today's classifier, read from the run state that produced the
    shipped checkpoint (``training/run_state.py``); ``{}`` when that state is gone (a fresh clone) or belongs to
    another run, since an ablation scored by the replaced classifier would no longer compare."""
    import numpy as np

    from training.recipes import FitResult, gan_bundle, gan_trainer
    from training.run import ablation_metrics
    from training.run_state import RunState, run_dir_for

    spec, card = model.spec, model.card
    trainer = gan_trainer(spec)
    try:
        saved = RunState(run_dir_for(model.dataset, spec.name), spec, card["epochs"], None).load(trainer)
    except ValueError:
        saved = None
    if not saved or saved[0] != card["epochs"]:
        return {}
    shipped = model.bundle.get_layer("generator").get_weights()
    if not all(np.array_equal(a, b) for a, b in zip(trainer.shipped_generator.get_weights(), shipped)):
        return {}
    result = FitResult(
        gan_bundle(spec, trainer.shipped_generator, trainer.discriminator), raw_generator=trainer.generator
    )
    return ablation_metrics(spec, result, card, *test, classifier)


def update_cards(names: list[str], data_dir: str | None) -> None:
    """Re-score shipped GANs (or the CycleGAN) with today's classifier; rewrite their cards' metrics (not their
    weights)."""
    from models.data.samples import load_sample
    from training.datasets import load_dataset

    for dataset in IMAGE_DATASETS:
        data = load_dataset(dataset, data_dir)
        classifier = load_model(dataset, "classifier")
        x_s, y_s = load_sample(dataset)
        for name in names:
            if dataset not in get_spec(name).datasets:  # the CycleGAN is MNIST's only
                continue
            model = load_model(dataset, name)
            card = {
                **model.card,
                "metrics": evaluate(model, data.test[0], data.test[1], classifier, 10_000),
                "sample_metrics": evaluate(model, x_s, y_s, classifier, len(x_s)),
            }
            if "ablation" in card:
                card["ablation"] = _ablation_from_run(model, data.test, classifier)
            text = json.dumps(card, indent=2, sort_keys=True) + "\n"
            atomic_write(checkpoint_paths(dataset, name)["card"], lambda path, t=text: path.write_text(t))
            print(f"[rescore] {dataset}/{name}: {card['metrics']}", flush=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m training.rescore", description=__doc__)
    p.add_argument("folder", nargs="?", help="a checkpoints-like folder holding the GANs to re-score")
    p.add_argument("--update-cards", nargs="+", metavar="MODEL", help="re-score these shipped GANs instead")
    p.add_argument("--data-dir")
    args = p.parse_args(argv)
    if args.update_cards:
        update_cards(args.update_cards, args.data_dir)
        return 0
    if not args.folder:
        p.error("name a folder of replaced checkpoints, or --update-cards MODEL")
    from training.datasets import load_dataset

    results = {}
    for dataset in IMAGE_DATASETS:
        data = load_dataset(dataset, args.data_dir)
        classifier = load_model(dataset, "classifier")
        for spec in specs_for(dataset, "gan"):
            old = load_model(dataset, spec.name, Path(args.folder))
            card = read_card(dataset, spec.name, Path(args.folder))
            now = evaluate(old, data.test[0], data.test[1], classifier, 10_000)
            results[f"{dataset}/{spec.name}"] = {
                "card_metrics": {k: card["metrics"][k] for k in KEEP if k in card["metrics"]},
                "with_current_classifier": {k: now[k] for k in KEEP if k in now},
                "epochs": card.get("epochs"),
                "parameters": card.get("parameters"),
                "classifier_accuracy": classifier.card["metrics"]["accuracy"],
            }
            print(dataset, spec.name, results[f"{dataset}/{spec.name}"], flush=True)
    atomic_write(RESULTS, lambda path: path.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
