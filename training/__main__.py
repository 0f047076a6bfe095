"""Command line: ``python -m training MODEL --dataset mnist`` or ``python -m training --all``.

Also ``python -m training --list`` and ``python -m training --verify [--sample]`` (re-evaluate
committed checkpoints and compare with their cards).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from models.registry import GENERATED_DATASETS, IMAGE_DATASETS, REGISTRY, get_spec
from training.run_state import RUNS_DIR

TRIALS_DIR = RUNS_DIR.parent / "trials"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m training", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("models", nargs="*", help=f"registry names: {', '.join(REGISTRY)}")
    p.add_argument("--all", action="store_true", help="train every model on every dataset it supports")
    p.add_argument(
        "--dataset",
        choices=IMAGE_DATASETS,
        action="append",
        help="dataset(s) to train on (default: every dataset the model supports)",
    )
    p.add_argument(
        "--data-dir", help="folder with <name>.npz or IDX files (else $LATENT_LAB_DATA_DIR, else Keras' cache/download)"
    )
    p.add_argument("--epochs", type=int, help="override the recipe's epochs: a trial, written to a scratch folder")
    p.add_argument("--steps", type=int, help="limit steps per epoch: a trial, written to a scratch folder")
    p.add_argument(
        "--replace-shipped",
        action="store_true",
        help="let a trial (--epochs/--steps) overwrite the committed checkpoint",
    )
    p.add_argument("--out", help=f"write checkpoints here instead of checkpoints/ (trials default to {TRIALS_DIR})")
    p.add_argument(
        "--resume",
        action="store_true",
        help=f"GANs: continue an interrupted run from its last saved epoch (state in {RUNS_DIR})",
    )
    p.add_argument("--threads", type=int, help="TensorFlow threads (e.g. 1 each for two runs side by side)")
    p.add_argument("--list", action="store_true", help="list the registry and exit")
    p.add_argument("--verify", action="store_true", help="re-evaluate checkpoints and compare with cards")
    p.add_argument("--sample", action="store_true", help="with --verify: use the committed sample only")
    return p


def _plan(args) -> list[tuple[str, str]]:
    names = list(REGISTRY) if args.all or (args.verify and not args.models) else args.models
    plan = []
    for name in names:
        spec = get_spec(name)
        for ds in spec.datasets:
            if ds in GENERATED_DATASETS or not args.dataset or ds in args.dataset:
                plan.append((name, ds))
    # The classifier scores the GANs: train it first on each dataset.
    order = [*IMAGE_DATASETS, *GENERATED_DATASETS]
    return sorted(plan, key=lambda p: (order.index(p[1]), p[0] != "classifier"))


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.list:
        for spec in REGISTRY.values():
            print(f"{spec.name:20s} {spec.family:11s} {','.join(spec.datasets):22s} {spec.summary}")
        return 0
    if not args.models and not args.all and not args.verify:
        _parser().print_usage()
        print("name a model, or pass --all (see --list)")
        return 2
    try:
        plan = _plan(args)
    except KeyError as err:
        print(f"error: {err.args[0]}", file=sys.stderr)
        return 2
    from training.datasets import DatasetError  # late import keeps --help instant

    try:
        if args.verify:
            from training.verify import verify

            return verify(plan, args.data_dir, sample_only=args.sample)
        return _train(plan, args)
    except DatasetError as err:
        print(f"dataset error: {err}", file=sys.stderr)
        return 1


def _destination(args) -> tuple[Path | None, Path | None]:
    """(checkpoint root, run-state root). A trial never overwrites what ships unless asked to."""
    trial = args.epochs is not None or args.steps is not None
    if args.out:
        return Path(args.out), Path(args.out) / "runs"
    if trial and not args.replace_shipped:
        return TRIALS_DIR, TRIALS_DIR / "runs"
    return None, None


def _train(plan: list[tuple[str, str]], args) -> int:
    from models.data.samples import write_sample
    from training.datasets import load_dataset
    from training.run import train_one, use_threads

    if args.threads:
        use_threads(args.threads)
    root, run_root = _destination(args)
    if root is not None:
        print(f"[out] checkpoints go to {root} (checkpoints/ is left untouched)", flush=True)
    loaded = {}
    verbose = 1 if sys.stdout.isatty() else 2
    for i, (name, ds) in enumerate(plan, 1):
        if ds not in GENERATED_DATASETS and ds not in loaded:
            loaded[ds] = load_dataset(ds, args.data_dir)
            print(f"[data] {ds}: {loaded[ds].source} (sha256 {loaded[ds].sha256[:12]}…)", flush=True)
            print(f"[data] sample written to {write_sample(ds, *loaded[ds].test, root=root)}", flush=True)
        print(f"[{i}/{len(plan)}] training {name} on {ds}", flush=True)
        start = time.perf_counter()
        metrics = train_one(
            get_spec(name),
            loaded.get(ds),
            root=root,
            epochs=args.epochs,
            steps=args.steps,
            verbose=verbose,
            resume=args.resume,
            run_root=run_root,
        )
        shown = {k: v for k, v in metrics.items() if isinstance(v, (int, float))}
        print(f"[{i}/{len(plan)}] {name}/{ds} done in {time.perf_counter() - start:.0f} s: {shown}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
