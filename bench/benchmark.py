"""Writes BENCHMARKS.md from measurements taken now: ``python -m bench.benchmark``.

Quality (model cards + the course recipes re-trained by ``python -m training.course``), interaction
speed of each page's main computation and of each page's whole slider rerun (with and without
``pages/ui/runtime_tuning.py``), cold start of the real app in Chromium, memory after 1,000 vs 10
interactions, and the classroom load test. Nothing in BENCHMARKS.md is typed by hand.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import sys
import time

import numpy as np

from bench import references as ref
from bench import report
from bench.answers_load import answers_lines
from bench.harness import ROOT, chromium_available, rss_mb
from models.analysis import denoising, generation, latents, reconstruction
from models.checkpoints import CheckpointError, read_card, read_pretraining_curve
from models.data.samples import load_sample
from models.registry import IMAGE_DATASETS, REGISTRY, SHAPES_DATASET, TOY_DATASET, specs_for
from training import why_report
from training.course import RESULTS as COURSE_RESULTS

OUT = ROOT / "BENCHMARKS.md"


# ---------------------------------------------------------------- machine


def machine() -> dict:
    cpu = (
        next(
            (line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
            platform.processor(),
        )
        if os.path.exists("/proc/cpuinfo")
        else platform.processor()
    )
    import keras
    import streamlit
    import tensorflow as tf

    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "streamlit": streamlit.__version__,
        "numpy": np.__version__,
        "memory GiB": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
    }


# ---------------------------------------------------------------- quality


def _card(dataset: str, name: str) -> dict | None:
    try:
        return read_card(dataset, name)
    except CheckpointError:
        return None


def quality_rows() -> list[dict]:
    course = json.loads(COURSE_RESULTS.read_text()) if COURSE_RESULTS.exists() else {}
    course_by_model = {(c["compares_with"], c["dataset"]): (name, c) for name, c in course.items()}
    rows = []
    for spec in REGISTRY.values():
        for ds in spec.datasets:
            card = _card(ds, spec.name)
            if card is None:
                rows.append({"model": spec.name, "dataset": ds, "verdict": f"missing: {spec.checkpoint_command(ds)}"})
                continue
            rows.append(_judge(spec, ds, card, course_by_model.get((spec.name, ds))))
    return rows


def _check(value: float, bar: float, what: str, higher: bool = False) -> tuple[bool, str]:
    """(met?, readable verdict with the margin when missed)."""
    verdict = report.mark(value, bar, at_most=not higher)
    ok = verdict == "✓"
    sign = "≥" if higher else "≤"
    text = f"{verdict} {what} {value:.5g} {sign} {bar:.5g}"
    if not ok:
        text += f" (missed by {abs(value - bar):.3g}, {value / bar:.2f}× the bar)"
    return ok, text


def _judge(spec, ds: str, card: dict, course) -> dict:
    m = card["metrics"]
    row = {"model": spec.name, "dataset": ds, "epochs": card["epochs"], "train s": card["train_seconds"]}
    checks, notes = [], []
    if spec.family == "classifier":
        row["result"] = f"accuracy {m['accuracy']:.4f}"
    elif spec.family == "gan":
        row["result"] = (
            f"Fréchet {m['frechet_distance']:.3f}, min class share {m['min_class_share']:.3f}, "
            f"{m['classes_covered_5pct']}/10 classes ≥5%"
        )
        checks.append(_check(m["min_class_share"], ref.GAN_MIN_CLASS_SHARE, "min class share", higher=True))
    elif spec.family == "pix2pix":
        from models.analysis.generation import PAIRED_KEPT, PAIRED_L1_RATIO

        row["result"] = (
            f"to bold: L1 to the true bold image {m['translation_l1_to_bold']:.4f}; to regular "
            f"{m['translation_l1_to_regular']:.4f}; digit kept {m['class_kept']:.1%}"
        )
        unpaired = (_card("mnist", "cyclegan") or {}).get("metrics")
        if unpaired:
            bar = PAIRED_L1_RATIO * unpaired["translation_l1_to_bold"]
            checks.append(_check(m["translation_l1_to_bold"], bar, "L1 to bold (0.7× the CycleGAN's)"))
        checks.append(_check(m["class_kept"], PAIRED_KEPT, "digit kept", higher=True))
    elif spec.family == "cyclegan":
        row["result"] = (
            f"cycle L1 {m['cycle_l1']:.4f}; to bold: L1 to the true bold image {m['translation_l1_to_bold']:.3f} "
            f"(unchanged input {m['unchanged_l1']:.3f}); to regular {m['translation_l1_to_regular']:.3f}; "
            f"digit kept {m['class_kept']:.1%}"
        )
    elif ds == SHAPES_DATASET:
        row["result"] = (
            f"−ELBO {m['neg_elbo']:.1f} nats, active latents {m['active_dims']}, MIG {m['mig']:.3f} "
            "(the shapes section below)"
        )
    elif spec.family == "vae":
        row["result"] = (
            f"−ELBO {m['neg_elbo']:.1f} nats, KL {m['kl']:.1f}, active dims {m['active_dims']}, MSE {m['mse']:.4f}"
        )
        if (spec.name, ds) in ref.ELBO_BARS:
            bar = ref.ELBO_BARS[(spec.name, ds)]
            checks.append(_check(m["neg_elbo"], bar, "−ELBO"))
    elif spec.recipe.noise is not None:
        row["result"] = (
            f"PSNR {m['psnr_noisy_db']:.2f} → {m['psnr_denoised_db']:.2f} dB "
            f"(+{m['psnr_gain_db']:.2f}), SSIM {m['ssim_noisy']:.2f} → {m['ssim_denoised']:.2f}"
        )
        checks.append(_check(m["psnr_gain_db"], ref.DENOISING_GAIN_DB, "PSNR gain dB", higher=True))
    elif ds == TOY_DATASET:
        row["result"] = f"MSE {m['mse']:.4f} (PCA {m['pca_mse']:.4f}), angles to PCA {m['max_angle_deg']:.2f}° max"
    else:
        row["result"] = f"MSE {m['mse']:.5f}, BCE {m['bce']:.4f}"
        if "pca" in m:
            row["result"] += (
                f", angles to PCA {min(m['pca']['principal_angles_deg']):.1f}–{m['pca']['max_angle_deg']:.1f}°"
            )
        if "sparsity" in m:
            s = m["sparsity"]
            row["result"] += (
                f", {s['share_activations_below_target']:.0%} activations < 0.1, "
                f"{s['share_units_mean_in_0.1_0.2']:.0%} units with mean in 0.1–0.2"
            )
    if (spec.name, ds) in ref.WELL_TRAINED:
        key, value = ref.WELL_TRAINED[(spec.name, ds)]
        if key == "mse":
            bar = ref.MSE_RATIO_TO_WELL_TRAINED * value
            checks.append(_check(m["mse"], bar, f"MSE (1.25× well-trained {value})"))
        else:
            notes.append(f"well-trained −ELBO {value}")
    if course:
        name, c = course
        cm = c["metrics"]
        row["course recipe"] = f"{name} ({c['source']}, {c['epochs']} ep, {c['train_seconds']:.0f} s): " + ", ".join(
            f"{k} {v:.4f}" for k, v in cm.items()
        )
        if "mse" in cm and spec.family == "autoencoder":
            checks.append(_check(m["mse"], ref.MSE_RATIO_TO_COURSE * cm["mse"], "MSE (0.85× course)"))
        if "psnr_denoised_db" in cm:
            checks.append(_check(m["psnr_denoised_db"], cm["psnr_denoised_db"], "PSNR dB (course)", higher=True))
        if "frechet_distance" in cm:  # scored with the earlier classifier: other units
            notes.append("course GAN's Fréchet was measured with the earlier classifier; see the GAN section")
        if "neg_elbo" in cm:
            checks.append(_check(m["neg_elbo"], cm["neg_elbo"], "−ELBO (course)"))
    row["verdict"] = "; ".join(text for _, text in checks) or "no bar"
    if not all(ok for ok, _ in checks) and spec.name in ref.WHY_SHORT:
        row["verdict"] += f". Why: {ref.WHY_SHORT[spec.name]}"
    if notes:
        row["verdict"] += " (" + "; ".join(notes) + ")"
    return row


def gan_rows() -> list[dict]:
    """Issue #10's bars for each GAN: Fréchet against the checkpoint it replaced (re-scored with today's
    classifier by ``python -m training.rescore``), label accuracy, confidence, class coverage, EMA gain."""
    baseline_path = COURSE_RESULTS.parent / "gan_baseline.json"
    baseline = json.loads(baseline_path.read_text()) if baseline_path.exists() else {}
    rows = []
    for ds in IMAGE_DATASETS:
        for spec in specs_for(ds, "gan"):
            card = _card(ds, spec.name)
            if card is None:
                continue
            m, old = card["metrics"], baseline.get(f"{ds}/{spec.name}", {})
            checks = []
            before = old.get("with_current_classifier", {}).get("frechet_distance")
            if before:
                checks.append(
                    _check(m["frechet_distance"], 0.4 * before, f"Fréchet (40% of the replaced {before:.2f})")
                )
            checks.append(_check(m["min_class_share"], 0.07, "min class share", higher=True))
            if ds == "mnist":
                checks.append(_check(m["confident_share"], 0.85, "≥90%-confident share", higher=True))
            if spec.conditional:
                checks.append(_check(m["label_accuracy"], 0.95, "label accuracy", higher=True))
                checks.append(_check(m["label_accuracy_min_class"], 0.90, "worst class label accuracy", higher=True))
            raw = card.get("ablation", {}).get("raw_generator_metrics", {})
            rows.append(
                {
                    "model": spec.name,
                    "dataset": ds,
                    "epochs": card["epochs"],
                    "train s": card["train_seconds"],
                    "parameters": card["parameters"],
                    "replaced (its card / today's classifier)": (
                        f"{old['card_metrics']['frechet_distance']:.2f} / {before:.2f}" if before else "—"
                    ),
                    "Fréchet": f"{m['frechet_distance']:.2f}",
                    "raw generator (no EMA)": f"{raw['frechet_distance']:.2f}" if raw else "—",
                    "≥90% sure": f"{m['confident_share']:.1%}",
                    "label acc. (worst class)": (
                        f"{m['label_accuracy']:.3f} ({m['label_accuracy_min_class']:.3f})" if spec.conditional else "—"
                    ),
                    "verdict": "; ".join(text for _, text in checks),
                }
            )
    return rows


def beta_rows() -> list[str]:
    lines = []
    for ds in IMAGE_DATASETS:
        dims = [
            (s.recipe.beta, (_card(ds, s.name) or {}).get("metrics", {}).get("active_dims"))
            for s in specs_for(ds, "beta")
        ]
        if all(d is not None for _, d in dims):
            ok = all(a > b for (_, a), (_, b) in zip(dims, dims[1:]))
            lines.append(
                f"- {ds}: active dimensions "
                + " → ".join(f"{d} (β={b:g})" for b, d in dims)
                + f": {'✓ strictly fewer as β grows' if ok else '✗ not strictly decreasing'}"
            )
    return lines


SHAPES_BARS = {"best_beta_vae": 0.25, "tcvae": 0.35, "factor_mi": 0.5}  # issue #37
PUBLISHED_MIG = {  # dSprites, 64×64: disentanglement_lib's study and users' reproductions; β-TCVAE: its authors
    "vae": "≈ 0.05–0.1",
    "beta": "≈ 0.1–0.35",
    "tcvae": "≈ 0.5",
}


def shapes_rows() -> tuple[list[dict], list[str]]:
    """The MIG / MI table of the shapes models (from their cards) and the issue's bars, each ✓ or ✗."""
    from models.data.shapes import CONTINUOUS_FACTORS, FACTORS

    cards = {s.name: (s, _card(SHAPES_DATASET, s.name)) for s in specs_for(SHAPES_DATASET)}
    if any(card is None for _, card in cards.values()):
        return [], []
    rows = []
    for name, (spec, card) in cards.items():
        m = card["metrics"]
        kind = "tcvae" if spec.recipe.tc_weight else "vae" if spec.recipe.beta == 1 else "beta"
        rows.append(
            {
                "model": name,
                "β": spec.recipe.beta + spec.recipe.tc_weight,
                "epochs": card["epochs"],
                "train s": card["train_seconds"],
                "−ELBO": round(m["neg_elbo"], 1),
                "active": m["active_dims"],
                "MIG": round(m["mig"], 3),
                "published MIG": PUBLISHED_MIG[kind],
                **{f"MI {f}": m["best_mi_per_factor"][f] for f in FACTORS},
                "latents → factor": " ".join(
                    f"z{d}:{f}" for d, f in enumerate(m["factor_of_latent"]) if m["kl_per_dim"][d] > 0.01
                ),
            }
        )
    mig = {name: card["metrics"]["mig"] for name, (_, card) in cards.items()}
    betas = {name: mig[name] for name, (spec, _) in cards.items() if not spec.recipe.tc_weight}
    plain = next(n for n, (spec, _) in cards.items() if spec.recipe.beta == 1 and not spec.recipe.tc_weight)
    tcvae = next(n for n, (spec, _) in cards.items() if spec.recipe.tc_weight)
    best = max(betas, key=betas.get)
    best_overall = max(mig, key=mig.get)
    mi = cards[best_overall][1]["metrics"]["best_mi_per_factor"]
    bars = [
        (all(v > mig[plain] for n, v in betas.items() if n != plain), f"MIG rises with β: {betas}"),
        (mig[best] >= SHAPES_BARS["best_beta_vae"], f"best β-VAE ({best}) MIG {mig[best]:.3f} ≥ 0.25"),
        (
            mig[tcvae] >= SHAPES_BARS["tcvae"] and mig[tcvae] > max(betas.values()),
            f"β-TCVAE MIG {mig[tcvae]:.3f} ≥ 0.35 and above every β-VAE",
        ),
        (
            all(mi[f] >= SHAPES_BARS["factor_mi"] for f in CONTINUOUS_FACTORS),
            f"each continuous factor has a latent with MI ≥ 0.5 of its entropy in {best_overall}: "
            + ", ".join(f"{f} {mi[f]:.2f}" for f in CONTINUOUS_FACTORS),
        ),
    ]
    return rows, [f"- {'✓' if ok else '✗'} {text}" for ok, text in bars]


# ---------------------------------------------------------------- interaction speed


def pretraining_rows() -> list[dict]:
    """The unsupervised-pretraining curves committed by ``python -m training.pretraining``."""

    variants = ("scratch", "fine_tuned", "pixels_spread", "codes_spread")
    rows = []
    for ds in IMAGE_DATASETS:
        curve = read_pretraining_curve(ds)
        for point in (curve or {}).get("points", []):
            rows.append(
                {
                    "dataset": ds,
                    "labels per class": point["labels_per_class"],
                    **{PRETRAINING_COLUMNS[v]: f"{point[v]:.1%} ± {point.get(v + '_std', 0):.1%}" for v in variants},
                    "pretrained − scratch": f"{(point['codes_spread'] - point['scratch']) * 100:+.1f} pt",
                    "codes − pixels": f"{(point['codes_spread'] - point['pixels_spread']) * 100:+.1f} pt",
                }
            )
    return rows


PRETRAINING_COLUMNS = {
    "scratch": "scratch",
    "fine_tuned": "book's way (stacked AE layer, fine-tuned)",
    "pixels_spread": "label spreading on pixels (control)",
    "codes_spread": "pretrained: conv AE codes + label spreading",
}


def cyclegan_rows() -> list[dict]:
    """The shipped CycleGAN's and pix2pix's cards on the same MNIST test split, beside doing nothing."""
    rows = []
    for name in ("cyclegan", "pix2pix"):
        card = _card("mnist", name) or {}
        m = card.get("metrics", {})
        if not m:
            continue
        rows.append(
            {
                "model": name,
                "epochs": card.get("epochs"),
                "train s": round(card.get("train_seconds", 0)),
                "regular → bold: L1 to true bold": f"{m['translation_l1_to_bold']:.4f}",
                "bold → regular: L1 to true regular": f"{m['translation_l1_to_regular']:.4f}",
                "doing nothing: L1": f"{m['unchanged_l1']:.4f}",
                "classifier reads (→ bold / → regular)": (
                    f"{m['class_kept_to_bold']:.1%} / {m['class_kept_to_regular']:.1%}"
                ),
                "cycle L1": f"{m['cycle_l1']:.4f}",
            }
        )
    return rows


def _serving_row(name: str, r: dict) -> dict:
    return {
        "run": name,
        "errors": r["errors"],
        "moves": f"{r['completed']} / {r['expected']}",
        "lost sessions": r["lost_sessions"],
        "reconnects": r["reconnects"],
        "p50 ms": f"{r['p50_ms']:.0f}",
        "p95 ms": f"{r['p95_ms']:.0f}",
        "page open p50 s": f"{r['page_open_p50_s']:.1f}",
        "peak MB per replica": " / ".join(str(v) for v in r["rss_peak_mb_each"]),
    }


def accessibility_rows(rows: list[dict]) -> list[dict]:
    """The audit's violations per page (all its sections and views summed), by impact."""
    from bench.a11y_audit import IMPACTS

    out = []
    for page in dict.fromkeys(r["page"] for r in rows):
        mine = [r for r in rows if r["page"] == page]
        out.append(
            {
                "page": page,
                "views audited": len(mine),
                **{impact: sum(r[impact] for r in mine) for impact in IMPACTS},
                "goal": report.mark(sum(r["critical"] + r["serious"] for r in mine), 0),
                "rules": ", ".join(sorted({rule for r in mine for rule in r["rules"]})) or "—",
            }
        )
    return out


def _timeit(fn, calls: int = 200, warmup: int = 5) -> tuple[float, float]:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return float(np.median(times)), float(np.percentile(times, 95))


def interactions(dataset: str = "mnist", runtime=None) -> dict:
    """The computation behind each page's main control, called as the page calls it (on the app's runtime,
    ``models.runtime.graph.NUMPY``, unless told otherwise)."""
    from models.runtime.graph import NUMPY
    from models.runtime.inference import load_model

    runtime = runtime or NUMPY

    def load(name: str):
        return load_model(dataset, name, runtime=runtime)

    x, _ = load_sample(dataset)
    vae = load("vae_conv_2d")
    aes = {s.name: load(s.name) for s in specs_for(dataset, "reconstruction")}
    denoisers = {s.name: load(s.name) for s in specs_for(dataset, "denoising")}
    betas = {s.name: load(s.name) for s in specs_for(dataset, "beta")}
    gan = load("dcgan")
    rng = np.random.default_rng(0)
    return {
        "decode one latent point (2-D VAE)": lambda: latents.decode_point(vae, rng.uniform(-3, 3, 2)),
        "15×15 manifold grid (2-D VAE)": lambda: latents.manifold(vae, -2.0, 2.0, 15),
        "one reconstruction per autoencoder (8 models)": lambda: reconstruction.reconstruct_all(
            aes, x[rng.integers(1000)]
        ),
        "denoising row (2 denoisers + median filter, PSNR/SSIM)": lambda: denoising.denoise_row(
            denoisers, x[rng.integers(1000)], "gaussian", float(rng.uniform(0.1, 0.9)), int(rng.integers(100))
        ),
        "β-VAE slider (3 models)": lambda: [
            latents.perturb(m, x[0], {0: float(rng.uniform(-3, 3))}) for m in betas.values()
        ],
        "64-sample GAN grid": lambda: generation.gan_grid(gan, 64, int(rng.integers(10_000)), None),
    }


def why_scoring_line(dataset: str = "mnist") -> str:
    """Issue #35: a drawing's four outlier scores on the app's runtime, against its 100 ms bar."""
    from models.analysis import outliers
    from models.runtime.graph import NUMPY
    from models.runtime.inference import load_model

    vae = load_model(dataset, outliers.VAE, runtime=NUMPY)
    autoencoder = load_model(dataset, outliers.AUTOENCODER, runtime=NUMPY)
    x, _ = load_sample(dataset)
    rng = np.random.default_rng(0)
    median, p95 = _timeit(lambda: outliers.score_images(vae, autoencoder, x[rng.integers(1000)][None]), calls=100)
    mark = "✓" if median < 100 else "✗"
    return f"{mark} one image's four outlier scores (NumPy runtime): median {median:.1f} ms, p95 {p95:.1f} ms (bar < 100 ms)"


def speed_rows() -> list[dict]:
    """Each interaction on the app's NumPy runtime, and on Keras (compiled) for comparison."""
    rows = []
    from models.nets.keras_runtime import KERAS

    on_keras = interactions(runtime=KERAS)
    for label, fn in interactions().items():
        median, p95 = _timeit(fn)
        keras_median, _ = _timeit(on_keras[label])
        rows.append(
            {
                "interaction": label,
                "median ms": f"{median:.1f}",
                "p95 ms": f"{p95:.1f}",
                "goal ≤ 30 ms": report.mark(median, 30),
                "Keras tf.function: median ms": f"{keras_median:.1f}",
            }
        )
    return rows


def rerun_rows(interactions: int) -> list[dict]:
    """Each page's main control through the real server, as the browser sees it, tuned and untuned."""
    from bench.load_test import SCENARIOS, run_rerun_latency

    tuned = run_rerun_latency(interactions)
    untuned = run_rerun_latency(max(10, interactions // 4), streamlit_defaults=True)
    return [
        {
            "page": s.page.replace("_", " "),
            "control": s.key,
            "median ms": f"{tuned[s.page]['median_ms']:.0f}",
            "p95 ms": f"{tuned[s.page]['p95_ms']:.0f}",
            "Streamlit defaults: median ms": f"{untuned[s.page]['median_ms']:.0f}",
            "speed-up": f"{untuned[s.page]['median_ms'] / tuned[s.page]['median_ms']:.0f}×",
        }
        for s in SCENARIOS
    ]


def memory_growth() -> dict:
    """RSS of this process after 10 and after 1,000 mixed interactions (retracing would show as growth)."""
    fns = list(interactions().values())
    for i in range(10):
        fns[i % len(fns)]()
    after_10 = rss_mb(os.getpid())
    for i in range(990):
        fns[i % len(fns)]()
    return {"after 10": after_10, "after 1000": rss_mb(os.getpid())}


# ---------------------------------------------------------------- report


def table(rows: list[dict], columns: list[str]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(r.get(c, "")) for c in columns) + " |" for r in rows]
    return "\n".join(lines)


def _load_row(name: str, r: dict) -> str:
    by_page = ", ".join(f"{p.replace('_', ' ')} {v:.0f}" for p, v in r["p50_ms_by_page"].items())
    return (
        f"| {name} | **{r['errors']}** | {r['completed']} / {r['expected']} | **{r['p50_ms']:.0f}** | "
        f"{r['p95_ms']:.0f} | {r['max_ms']:.0f} | {by_page} | {r['page_open_p50_s']:.1f} / "
        f"{r['page_open_max_s']:.1f} | {r['rss_start_mb']:.0f} / {r['rss_peak_mb']:.0f} / {r['rss_end_mb']:.0f} | "
        f"{r['wall_s']:.0f} |"
    )


NO_CHROMIUM = "Chromium was not found (`apt-get install chromium`)"
SKIPPED_LOAD = "the run was started with `--skip-load`"
LIVE_GOAL = 0.8  # live steps/s ÷ offline fit's (issue #24)
UPDATES_GOAL = 2.0  # map updates painted per second in the browser (issue #24)
SERVING_GOAL = 0.65  # two replicas' p50 per move ÷ one replica's


def live_section(live: dict, visits: dict | None, why_no_visits: str | None = None) -> list[str]:
    """Watch it learn (issue #24): live against offline in one run, what the browser sees, the class's visit."""
    from models.registry import lesson_spec

    rows = [
        {
            "lesson": f"{r['lesson']} ({lesson_spec(r['lesson']).name})",
            "offline fit steps/s": f"{r['offline']:.0f}",
            "live steps/s": f"{r['steps_per_s']:.0f}",
            "live ÷ offline": report.against_goal(f"{r['ratio']:.2f}", r["ratio"], LIVE_GOAL, at_most=False),
            "each pair": " / ".join(f"{x:.2f}" for x in r.get("ratios", [])),
            "worker MB": f"{r['worker_mb']:.0f}",
            "data": r["note"].replace("_", " "),
        }
        for r in live["rows"]
    ]
    maps = next((r["maps"] for r in live["rows"] if r["maps"]), {})
    out = [
        "## Watch it learn: live training (issue #24)",
        "",
        "Each lesson trained 10 s in a worker process (`training/live/worker.py`), steps/s counted from the "
        "snapshots the app receives, against the same trainer under plain `fit` in a fresh process in the same run "
        f"(both after warm-up), {live.get('rounds', 1)} such pairs interleaved; the ratio is of the medians (goal: "
        f"live ÷ offline ≥ {LIVE_GOAL:g}), each pair's beside it. Memory is the worker's resident size after the run.",
        "",
        table(
            rows, ["lesson", "offline fit steps/s", "live steps/s", "live ÷ offline", "each pair", "worker MB", "data"]
        ),
        "",
    ]
    if maps:
        out += [
            "The 2-D autoencoder's map organising itself, 5-NN accuracy of the 1,000 test codes (leave-one-out) after "
            + ", ".join(f"{s:g} s: **{a:.2f}**" for s, a in sorted(maps.items()))
            + " of live training (chance: 0.10).",
            "",
        ]
    if live.get("browser"):
        b = live["browser"]
        out += [
            f"In Chromium (a server started here, the page open, its spare trainer warm): Train pressed → first map "
            f"painted **{b['first_update_s']:.1f} s** (the untrained codes), → the map first changing "
            f"**{b['first_trained_s']:.1f} s** (the first steps wait for Keras to trace the training step); from then "
            f"on **{b['updates_per_s']:.1f}** map updates painted per second "
            f"({report.mark(b['updates_per_s'], UPDATES_GOAL, at_most=False)} goal ≥ {UPDATES_GOAL:g}), "
            f"{b['workers']} worker process.",
            "",
        ]
    else:
        out += [f"Train → first map in Chromium: not measured in this run: {NO_CHROMIUM}.", ""]
    if visits:
        out += [
            f"A class opening the page: {visits['opened']} of {visits['sessions']} sessions opened `/Learn` at once "
            f"({visits['errors']} errors) and held it; the server ran at most **{visits['most_workers']}** "
            f"training process(es) meanwhile, and {visits['workers_after_leaving']} once they had left.",
            "",
        ]
    elif why_no_visits:
        out += [f"A class opening the page: not measured in this run: {why_no_visits}.", ""]
    return out


def _shapes_section() -> list[str]:
    rows, bars = shapes_rows()
    if not rows:
        return report.left_out("Disentanglement on the shapes (issue #37)", "a shapes checkpoint is missing")
    columns = list(rows[0])
    return [
        "## Disentanglement on the shapes (issue #37)",
        "",
        "dSprites' factor grid rendered at 32×32 by `models/data/shapes.py`; models trained on all 737,280 images by "
        "`python -m training shapes_vae_1 shapes_vae_4 shapes_vae_10 shapes_tcvae`, scored on a fixed 10,000 "
        "(`models/eval/disentanglement.py`: encoder means, 20 bins per latent, MI over each factor's exact entropy). "
        "Copied from the cards. MI columns: the best latent's MI with each factor over the factor's entropy "
        "(20 bins cap it at log 20 / log 32 = 0.86 for x and y, 0.81 for orientation). Published MIG is for "
        "dSprites at 64×64.",
        "",
        table(rows, columns),
        "",
        *bars,
        "",
    ]


ROOM_GOALS = {"one_server": (1.0, 2.0), "two_replicas": (None, 3.0)}  # follow lag p50, p95 (s) for a control move
IDLE_GOAL = 5.0  # % of one core, a still room with every follower watching
GESTURE_GOALS = {"lag_p95_ms": 300.0, "updates_per_s_min": 10.0}  # a drag on every follower's canvas


def _lag(value: float | None, goal: float | None) -> str:
    if value is None:
        return "✗ never"
    return f"{value:.2f}" if goal is None else report.against_goal(f"{value:.2f}", value, goal)


def rooms_section(rooms: dict) -> list[str]:
    """ "Class rooms": follow lag per follower, errors, final states, idle cost; each against its goal."""
    rows = []
    for name, label in (("one_server", "one server, rooms in memory"), ("two_replicas", "2 replicas + Redis")):
        r = rooms.get(name)
        if not r:
            continue
        p50_goal, p95_goal = ROOM_GOALS[name]
        rows.append(
            {
                "run": f"{r['followers']} followers, {label}",
                "control p50 s": _lag(r["control"]["p50_s"], p50_goal),
                "control p95 s": _lag(r["control"]["p95_s"], p95_goal),
                "page p50 s": _lag(r["page"]["p50_s"], None),
                "page p95 s": _lag(r["page"]["p95_s"], None),
                "reached": f"{r['control']['reached'] + r['page']['reached']} / "
                f"{r['control']['expected'] + r['page']['expected']}",
                "errors": report.against_goal(str(r["errors"]), r["errors"], 0),
                "in the lecturer's state": report.against_goal(
                    f"{r['in_lecturer_state']} / {r['followers']}",
                    r["in_lecturer_state"],
                    r["followers"],
                    at_most=False,
                ),
            }
        )
    own = rooms.get("own")
    if own and rows:
        rows.append(
            {
                "run": f"{own['sessions']} sessions making the move themselves, no room",
                "control p50 s": _lag(own["p50_s"], None),
                "control p95 s": _lag(own["p95_s"], None),
                "page p50 s": "—",
                "page p95 s": "—",
                "reached": f"{own['runs']} / {own['runs'] + own['errors']}",
                "errors": report.against_goal(str(own["errors"]), own["errors"], 0),
                "in the lecturer's state": "—",
            }
        )
    md = [
        "## Class rooms (following the lecturer)",
        "",
        "`bench/rooms_load.py`: a lecturer and its followers driven by the protocol client; each follower holds "
        "the room's news stream and reruns its page when the version passes its own, as its page's component "
        "does. Lag: the lecturer's move (the noise "
        "seed; then a page change) until a follower's run shows the lecturer's pictures. Goals: control p50 ≤ 1 s "
        "and p95 ≤ 2 s on one server, p95 ≤ 3 s through two replicas; no error; every follower ends in the "
        "lecturer's state.",
        "",
        table(rows, list(rows[0]) if rows else ["run"]),
        "",
    ]
    idle = rooms.get("one_server", {}).get("idle_cpu_percent_of_one_core")
    if idle is not None:
        md += [
            f"A still room with {rooms['one_server']['followers']} followers watching cost the server "
            f"{report.against_goal(f'{idle:.1f}%', idle, IDLE_GOAL)} of one core (goal ≤ {IDLE_GOAL:g}%), "
            f"{rooms['one_server'].get('runs_while_still', '?')} page runs.",
            "",
        ]
    return md + gestures_lines(rooms.get("gestures"))


def gestures_lines(g: dict | None) -> list[str]:
    """The drag through the push routes (``bench/gestures_load.py``): lag and rate against their goals."""
    if not g:
        return []
    lag, rate = g.get("lag_p95_ms"), g.get("updates_per_s_min") or 0.0
    lag_text = "✗ never" if lag is None else report.against_goal(f"{lag:.0f} ms", lag, GESTURE_GOALS["lag_p95_ms"])
    line = (
        f"Gestures (`bench/gestures_load.py`): the lecturer posts a drag at {g['rate_per_s']:g} values a second for "
        f"{g['seconds']:g} s to {g['followers']} followers' event streams: lag p95 {lag_text} (goal ≤ 300 ms), "
        f"p50 {0 if g.get('lag_p50_ms') is None else g['lag_p50_ms']:.0f} ms; the slowest follower got "
        f"{report.against_goal(f'{rate:.1f}', rate, GESTURE_GOALS['updates_per_s_min'], at_most=False)} values a "
        f"second (goal ≥ 10); {g['followers_with_last_value']} / {g['followers']} got the last one; "
        f"{g['post_errors']} posts refused."
    )
    idle = g.get("idle_cpu_percent_of_one_core")
    if idle is not None:
        line += f" With every stream open on a still room the server used {idle:.1f}% of one core."
    return [line, ""]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.benchmark", description=__doc__)
    p.add_argument("--skip-load", action="store_true", help="leave out the two classroom load tests")
    p.add_argument("--sessions", type=int, default=30)
    p.add_argument("--interactions", type=int, default=30)
    p.add_argument("--think", type=float, default=0.5, help="load test: mean pause between a session's moves, s")
    p.add_argument("--launches", type=int, default=3, help="cold start: fresh launches per page")
    p.add_argument("--followers", type=int, default=100, help="class rooms: followers on one server")
    p.add_argument("--large-room", type=int, default=300, help="class rooms: followers through two replicas")
    p.add_argument("--answers", type=int, default=300, help="class rooms: students sending a drawing each")
    argv = sys.argv[1:] if argv is None else argv
    args = p.parse_args(argv)
    started = datetime.datetime.now(datetime.UTC)
    revision = report.commit(ROOT)  # before the run: the code measured is the code checked out now
    info = machine()
    print("[bench] quality", flush=True)
    quality = quality_rows()
    print("[bench] interaction speed", flush=True)
    speed = speed_rows()
    print("[bench] page reruns", flush=True)
    reruns = rerun_rows(60)
    print("[bench] memory", flush=True)
    memory = memory_growth()
    cold, play, parts = None, None, None
    if chromium_available():
        from bench import browser_bench

        print("[bench] cold start", flush=True)
        cold = browser_bench.cold_start(args.launches)
        parts = browser_bench.startup_parts(args.launches)
        print("[bench] latent play", flush=True)
        play = browser_bench.latent_play()
    print("[bench] live training", flush=True)
    from bench.live_bench import live_training

    live = live_training()
    learn_visits = None
    if not args.skip_load:
        from bench.load_test import run_learn_visits

        print("[bench] a class opening Watch it learn", flush=True)
        learn_visits = run_learn_visits(args.sessions)
    gans = gan_rows()
    audit_rows = serving = None
    if chromium_available():
        from bench.a11y_audit import ROOM_MODES, audit, audit_room
        from bench.harness import chromium_browser, streamlit_server

        print("[bench] accessibility audit", flush=True)
        with streamlit_server(log_name="a11y-server.log") as (url, _), chromium_browser() as browser:
            audit_rows = audit(browser.new_page(viewport={"width": 1400, "height": 1000}), url)
            audit_rows += [row for lang, lecture in ROOM_MODES for row in audit_room(browser, url, lang, lecture)]
    if not args.skip_load and shutil.which("haproxy"):
        from bench.class_server import serving as serve_a_class

        print("[bench] serving a class", flush=True)
        serving = serve_a_class(args.sessions, args.interactions, args.think)
    rooms = None
    if not args.skip_load:
        from bench.rooms_load import rooms_serving

        print("[bench] class rooms", flush=True)
        rooms = rooms_serving(args.followers, args.large_room)
    answers = None
    if not args.skip_load and shutil.which("haproxy") and shutil.which("redis-server"):
        from bench.answers_load import answers_serving

        print("[bench] class rooms: answers", flush=True)
        answers = answers_serving(args.answers)
    load = load_own = None
    if not args.skip_load:
        from bench.load_test import run_load_test

        print("[bench] classroom load", flush=True)
        load = run_load_test(args.sessions, args.interactions, args.think)
        print("[bench] classroom load, own values", flush=True)
        load_own = run_load_test(args.sessions, args.interactions, args.think, own_values=True)
    md = [
        "# Benchmarks",
        "",
        report.provenance(argv, os.environ, revision, started),
        "",
        f"Machine: {info['cores']} cores, {info['cpu']}, {info['memory GiB']} GiB · Python {info['python']}, "
        f"TensorFlow {info['tensorflow']}, Keras {info['keras']}, Streamlit {info['streamlit']}, NumPy {info['numpy']}.",
        "",
        "## Quality on the test split (10,000 images)",
        "",
        "Each zoo model against the bars of issue #3: the course recipe it improves on (re-trained here on the "
        "same data by `training/course.py`) and the well-trained reference at the same code size "
        "(`bench/references.py`). Copied from the model cards (`checkpoints/<dataset>/<model>.json`, written by "
        "`python -m training <model> --dataset <dataset>`) and the course results (written by "
        "`python -m training.course`). ✓ = bar met, ✗ = missed (by the margin shown).",
        "",
        table(quality, ["model", "dataset", "epochs", "train s", "result", "course recipe", "verdict"]),
        "",
        *_shapes_section(),
        "## GANs (issue #10)",
        "",
        "10,000 samples per GAN, scored in the feature space of the dataset's classifier (test accuracy: "
        + ", ".join(
            f"{ds} {(_card(ds, 'classifier') or {}).get('metrics', {}).get('accuracy', float('nan')):.2%}"
            for ds in IMAGE_DATASETS
        )
        + "). Copied from the GANs' cards (written by `python -m training`, metrics refreshed by "
        "`python -m training.rescore --update-cards`). *Replaced* is the checkpoint this one replaced, re-scored "
        "with today's classifier (`python -m training.rescore`, `checkpoints/benchmarks/gan_baseline.json`). *Raw generator* scores the trained weights without the moving average: "
        "what the EMA generator buys.",
        "",
        table(
            gans,
            [
                "model",
                "dataset",
                "epochs",
                "train s",
                "parameters",
                "replaced (its card / today's classifier)",
                "Fréchet",
                "raw generator (no EMA)",
                "≥90% sure",
                "label acc. (worst class)",
                "verdict",
            ],
        ),
        "",
        f"Whole zoo training time (sum of the cards): {sum((_card(ds, s.name) or {}).get('train_seconds', 0) for s in REGISTRY.values() for ds in s.datasets) / 60:.0f} min on this machine.",
        "",
        "## Unsupervised pretraining (HOML 17.3.4)",
        "",
        "Test accuracy (10,000 images) with N labelled images per class (mean ± spread over 3 draws of the "
        "labelled images; copied from `checkpoints/<dataset>/pretraining.json`, written by "
        "`python -m training.pretraining`): a small network from scratch; the book's way (the "
        "stacked AE's lower layer, fine-tuned); and the labels spread over the neighbour graph of all 60,000 "
        "training images, in raw pixels (the control) and in the convolutional AE's codes (pretrained without "
        "labels). *codes − pixels* is what the pretrained codes add to the spreading itself.",
        "",
        table(
            pretraining_rows(),
            ["dataset", "labels per class", *PRETRAINING_COLUMNS.values(), "pretrained − scratch", "codes − pixels"],
        ),
        "",
        "## CycleGAN and pix2pix (regular ↔ bold MNIST, test split)",
        "",
        "Mean |translation − the true image of the other style| over the 10,000 test digits (the pairs are known "
        "there; the CycleGAN never saw one in training, pix2pix trained on them), beside doing nothing; and how "
        "often the classifier still reads the digit. Copied from their cards (written by "
        "`python -m training cyclegan pix2pix --dataset mnist`).",
        "",
        table(
            cyclegan_rows(),
            [
                "model",
                "epochs",
                "train s",
                "regular → bold: L1 to true bold",
                "bold → regular: L1 to true regular",
                "doing nothing: L1",
                "classifier reads (→ bold / → regular)",
                "cycle L1",
            ],
        ),
        "",
        "β-VAE disentanglement (KL > 0.01 nats counts as an active dimension; from the β-VAEs' cards, written by "
        "`python -m training`):",
        "",
        *beta_rows(),
        "",
        "## Why generative models? (issue #35)",
        "",
        "Printed by `python -m training.why_report` from the stored results (`python -m training.outliers`, "
        "`python -m training.debias`); the timing is measured here.",
        "",
        why_report.markdown(),
        why_scoring_line(),
        "",
        "## Interaction speed (server-side compute, MNIST models, 200 calls after warm-up)",
        "",
        "On the app's runtime (`models/runtime/graph.py`: the `.keras` files run in NumPy, no TensorFlow in the app) "
        "and, last column, the same networks in Keras as one `tf.function` each (what training and the cards use).",
        "",
        table(speed, ["interaction", "median ms", "p95 ms", "goal ≤ 30 ms", "Keras tf.function: median ms"]),
        "",
        "## Slider reruns seen by a client (real server, one session, idle machine)",
        "",
        "Each page's main control moved 60 times (after 5 warm-up moves) through Streamlit's own websocket "
        "protocol (`bench/st_client.py`): from sending the new value to the rerun finished and its new "
        "images fetched, which is what a browser waits for (page rendering itself excluded). Results are "
        "cached per setting, so a control with fewer settings than moves (the β-VAE's 6 slider values, "
        "denoising's 19 noise levels, 49 test images) answers its later moves from the cache, as for a student "
        "going back. The last column is the same with the defaults (Streamlit's full garbage collection after every run, OpenBLAS's thread per "
        "core, Nagle's algorithm on the server's sockets; see `pages/ui/runtime_tuning.py`).",
        "",
        table(reruns, ["page", "control", "median ms", "p95 ms", "Streamlit defaults: median ms", "speed-up"]),
        "",
        f"Memory of the process making these calls: {memory['after 10']:.0f} MB after 10 interactions, "
        f"{memory['after 1000']:.0f} MB after 1,000 ({memory['after 1000'] - memory['after 10']:+.0f} MB).",
        "",
    ]
    md += live_section(live, learn_visits, SKIPPED_LOAD if args.skip_load else None)
    if cold:
        md += [
            "## Cold start (real server, Chromium)",
            "",
            f"`streamlit run app.py` launched {args.launches} times per page, on the same address each time; a tab of "
            "a Chromium that has visited the app before (its cache warm, as a lecturer's is), open beforehand, loads "
            "the page as soon as the server answers. Seconds from launch to the first "
            "picture painted (home: its title), as the browser records it (Element Timing; for a canvas decoded in "
            "the browser, its first frame), and as the test driver sees it afterwards (Playwright polling through "
            "the DevTools protocol, after the picture has loaded); and to the page fully rendered "
            "(the page's model loading included). *÷ floor* compares each page's median with Streamlit's floor, a "
            "one-picture app (`bench/floor_app.py`) launched the same way, interleaved in the same run (goal "
            f"≤ {browser_bench.COLD_START_GOAL:g}×, marked on each page). "
            "*÷ floor at the same URL* compares it with that app opened at a model page's address: for any app "
            "opened below its root, Streamlit's frontend first asks for the server under the page's path "
            "(`/Reconstruction/_stcore/health`, 404) and tries the root 100 ms later. *÷ floor with controls at the "
            "same URL* compares it with `bench/floor_controls_app.py`, the floor given the elements Reconstruction "
            "draws before its first picture (navigation, sidebar switches, title, intro, tabs, input picker) and none "
            "of the app's code, opened at the same address: what is left above 1.00× is the app's own work (the "
            "other model pages draw controls of their own, alike in number). *Websocket open → first "
            "picture* is the part of the same launches that is the app's own — the server's first run and the browser "
            "drawing what it sends — timed by the browser's clock from the moment its websocket to the server opened; "
            "it leaves out the launch and the frontend's loading, whose launch-to-launch noise is larger than the "
            "differences between pages.",
            "",
            table(
                cold,
                [
                    "page",
                    "first picture painted s (best / median)",
                    "÷ floor (medians)",
                    "÷ floor at the same URL",
                    "÷ floor with controls at the same URL",
                    "websocket open → first picture s (best / median)",
                    "÷ floor (websocket → picture)",
                    "seen by the test driver s (best / median)",
                    "fully rendered s (best / median)",
                ],
            ),
            "",
            "Where the seconds go (each alone, in a fresh process, best of the launches): the server answers after "
            f"{parts['server answers s']:.1f} s; importing the app's pages and loading **every** MNIST checkpoint "
            f"on its NumPy runtime takes {parts['app import + all MNIST models s']:.2f} s. Importing Keras with its "
            f"TensorFlow backend, which the app no longer does, takes {parts['import keras + TensorFlow s']:.1f} s "
            "alone (before loading and tracing a single model). The rest is Chromium loading Streamlit's frontend "
            "and drawing the page (Plotly charts included).",
            "",
        ]
    else:
        md += report.left_out("Cold start (real server, Chromium)", NO_CHROMIUM)
    if play:
        from models.runtime.export import decoder_spec, to_payload
        from models.runtime.inference import load_model

        def _network(name: str):
            model = load_model("mnist", name)
            return getattr(model, "decoder", None) or model.generator

        sizes = {n: to_payload(*decoder_spec(_network(n)))["size"] * 4 for n in ("vae_conv_2d", "vae_dense", "dcgan")}
        md += [
            "## Latent play in the browser (Chromium)",
            "",
            "The decoders run in the page (`pages/ui/latent_play.js`); the server hears only the release. "
            f"Weights sent once per session: latent-space pad {sizes['vae_conv_2d'] / 1e3:.0f} kB (conv VAE "
            f"decoder), β-VAE {3 * sizes['vae_dense'] / 1e3:.0f} kB (three dense decoders), GAN scrub "
            f"{sizes['dcgan'] / 1e3:.0f} kB (DCGAN generator), as raw float32. Each is dragged twice: by the test "
            "driver's mouse (120 moves, one per 16 ms requested; the DevTools protocol delivers fewer), and with "
            "one move per animation frame dispatched inside the page (180 frames, three drags, the median one "
            "shown), which is what a 60 Hz mouse gives. Latency runs from the event's timestamp to the canvas holding the new picture; the browser "
            "shows it in the frame it is about to draw.",
            "",
            table(
                [{k: (f"{v:.1f}" if isinstance(v, float) else v) for k, v in r.items()} for r in play],
                ["where", "decoders", "drag", "frames", "fps", "p50 ms", "p95 ms", "messages during drag"],
            ),
            "",
        ]
    else:
        md += report.left_out("Latent play in the browser (Chromium)", NO_CHROMIUM)
    if load and load_own:
        md += [
            "## Classroom load",
            "",
            f"`python -m bench.load_test --sessions {load['sessions']} --interactions {load['interactions']} "
            f"--think {load['think_s']:g} [--own-values]`: {load['sessions']} sessions open the app at once against "
            "one server (127.0.0.1), spread over the five pages, each making "
            f"{load['interactions']} moves of its page's main control with a random pause of 0–{2 * load['think_s']:g} s "
            "between moves; every move is checked (clean rerun, no exception, the driven image changed, every "
            "image served). The clients speak Streamlit's websocket protocol (`bench/st_client.py`), so the "
            "driver costs the 2-core machine little and the figures are the server's. Run twice: a class "
            "*following* the lecturer (every session of a page makes the same moves, each at its own pace, so "
            "the server's per-setting caches answer repeats) and a class *exploring* (`--own-values`: each session "
            "its own stretch of values; repeats only where a control has few settings).",
            "",
            "| class | errors | moves | p50 ms | p95 ms | max ms | p50 ms by page | page open p50 / max s | "
            "server MB start / peak / end | wall s |",
            "|---|---|---|---|---|---|---|---|---|---|",
            *(_load_row(name, r) for name, r in (("following", load), ("exploring (own values)", load_own))),
            "",
            "Latency per move is value sent → rerun finished → images fetched; a page open is all "
            f"{load['sessions']} sessions at once on a cold server, models loading.",
            "",
        ]
    else:
        md += report.left_out("Classroom load", SKIPPED_LOAD)
    if serving:
        one, two = serving["replicas_1"], serving["replicas_2"]
        fault = serving["fault"]
        md += [
            "## Serving a class (replicas behind HAProxy)",
            "",
            f"`python -m deploy` started by the benchmark (`bench/class_server.py`), driven through HAProxy by "
            f"`bench/load_test.py --url` with the balancer's cookie: {serving['sessions']} sessions × "
            f"{serving['interactions']} moves, each session its own values, against one replica and then two, "
            f"side by side in this run; {serving['large_class']} sessions × 10 moves through two; and a replica "
            "killed with SIGKILL once half of a run's moves had landed (the sessions on it reconnect through the "
            "same URL, as the browser does, and carry on).",
            "",
            table(
                [
                    _serving_row("1 replica", one),
                    _serving_row("2 replicas", two),
                    _serving_row(f"{serving['large_class']} sessions, 2 replicas", serving["large"]),
                    _serving_row("2 replicas, one killed halfway", fault),
                ],
                [
                    "run",
                    "errors",
                    "moves",
                    "lost sessions",
                    "reconnects",
                    "p50 ms",
                    "p95 ms",
                    "page open p50 s",
                    "peak MB per replica",
                ],
            ),
            "",
            f"Two replicas' p50 per move is **{two['p50_ms'] / one['p50_ms']:.2f}×** one replica's "
            f"({two['p50_ms']:.0f} ms vs {one['p50_ms']:.0f} ms; "
            f"{report.mark(two['p50_ms'] / one['p50_ms'], SERVING_GOAL)} goal ≤ {SERVING_GOAL:g}×), p95 "
            f"{two['p95_ms'] / one['p95_ms']:.2f}×, on this {info['cores']}-core machine, which also runs the "
            "load driver. After the kill the launcher's new replica answered its health check "
            f"{fault['replica_back_s']:.1f} s later (the sessions meanwhile went to the other one); the URL answered "
            f"its own after the run: {fault['url_healthy_after']}. The killed run's memory column lists the dead "
            "replica, its survivor and its replacement.",
            "",
        ]
    else:
        md += report.left_out(
            "Serving a class (replicas behind HAProxy)",
            SKIPPED_LOAD if args.skip_load else "HAProxy was not found (`apt-get install haproxy`)",
        )
    md += rooms_section(rooms) if rooms else report.left_out("Class rooms (following the lecturer)", SKIPPED_LOAD)
    md += answers_lines(answers) or (
        []
        if args.skip_load
        else [
            "### Answers",
            "",
            "Not measured in this run: HAProxy or Redis was not found (`apt-get install haproxy redis-server`).",
            "",
        ]
    )
    if audit_rows:
        md += [
            "## Accessibility (axe-core in Chromium)",
            "",
            "`python -m bench.a11y_audit`: axe-core's WCAG 2.1 A/AA rules and best practices (and AAA contrast, 7:1, "
            "in lecture mode) on every section tab of every page in English and in Korean lecture mode, and on "
            "each page's first tab in the other two combinations, and (page `room`) a class room in both: the "
            "lecturer's room panel, a student's phone following and exploring, and both activities from each side; "
            "violations (elements) counted by impact "
            "(goal: no critical or serious one, which the browser tests fail on).",
            "",
            table(
                accessibility_rows(audit_rows),
                ["page", "views audited", "critical", "serious", "moderate", "minor", "goal", "rules"],
            ),
            "",
        ]
    else:
        md += report.left_out("Accessibility (axe-core in Chromium)", NO_CHROMIUM)
    OUT.write_text("\n".join(md))
    print(f"[bench] wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
