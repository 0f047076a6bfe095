"""The parts of BENCHMARKS.md that say where it came from and how each figure stands against its goal.

Kept apart from ``benchmark.py`` (which imports TensorFlow) so ``tests/test_bench_report.py`` checks them in
milliseconds.
"""

from __future__ import annotations

import datetime
import shlex
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

# Environment variables that change what the benchmark measures, so the header repeats them.
SETTINGS = ("LATENT_LAB_DATA_DIR", "LATENT_LAB_LIVE_SLOTS", "LATENT_LAB_LIVE_CAP_S")


def mark(value: float, goal: float, *, at_most: bool = True) -> str:
    """✓ when ``value`` meets ``goal`` (``value ≤ goal``, or ``value ≥ goal`` with ``at_most=False``), else ✗."""
    met = value <= goal if at_most else value >= goal
    return "✓" if met else "✗"


def against_goal(text: str, value: float, goal: float, *, at_most: bool = True) -> str:
    """A table cell: the figure as written, after its mark (``"✗ 1.48×"``)."""
    return f"{mark(value, goal, at_most=at_most)} {text}"


def command(argv: Sequence[str], env: Mapping[str, str]) -> str:
    """The command line that reproduces this run, with the settings that change what it measures."""
    settings = [f"{name}={shlex.quote(env[name])}" for name in SETTINGS if env.get(name)]
    return " ".join([*settings, "python -m bench.benchmark", *map(shlex.quote, argv)])


def commit(root: Path) -> str:
    """The checked-out commit, and whether files other than BENCHMARKS.md differ from it."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True, check=True, timeout=10
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True, check=True, timeout=10
        ).stdout.splitlines()
    except (OSError, subprocess.SubprocessError):
        return "unknown (not a git checkout)"
    changed = [line for line in status if not line.endswith("BENCHMARKS.md")]
    return f"{head} with uncommitted changes" if changed else head


def provenance(argv: Sequence[str], env: Mapping[str, str], revision: str, when: datetime.datetime) -> str:
    """BENCHMARKS.md's first paragraph: which command, at which commit, on which date."""
    return (
        f"Produced by `{command(argv, env)}` at commit {revision}, started {when:%Y-%m-%d %H:%M} UTC "
        "(course recipes: `python -m training.course` first). Every number below is measured by that run or "
        "copied from the file named beside its table, which the named command wrote; nothing is typed by hand. "
        "✓ = goal met, ✗ = missed."
    )


def left_out(title: str, reason: str) -> list[str]:
    """A section this run did not measure: its heading, and why, so an absent table is never silent."""
    return [f"## {title}", "", f"Not measured in this run: {reason}.", ""]
