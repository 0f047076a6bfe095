"""BENCHMARKS.md's marks and header (``bench/report.py``): a met goal shows ✓, a missed one ✗, and the file
says which command, commit and date produced it."""

from __future__ import annotations

import datetime

import pytest

from bench import report
from bench.browser_bench import COLD_START_GOAL, _against_floor


def test_a_met_goal_shows_a_tick_and_a_missed_one_a_cross():
    assert report.mark(0.6, 30) == "✓"  # at most 30 ms
    assert report.mark(153.9, 30) == "✗"
    assert report.mark(30, 30) == "✓"  # the goal itself is met
    assert report.mark(0.95, 0.8, at_most=False) == "✓"  # at least 0.8
    assert report.mark(0.79, 0.8, at_most=False) == "✗"


def test_the_cold_start_row_is_marked_against_its_goal_and_the_floors_are_not():
    assert COLD_START_GOAL == 1.3
    assert _against_floor(1.48, is_floor=False) == "✗ 1.48×"
    assert _against_floor(1.16, is_floor=False) == "✓ 1.16×"
    assert _against_floor(1.25, is_floor=True) == "1.25×"


def test_the_header_names_the_command_commit_and_date():
    when = datetime.datetime(2026, 12, 7, 8, 30, tzinfo=datetime.UTC)
    env = {"LATENT_LAB_DATA_DIR": "../shared/datasets", "HOME": "/root"}
    text = report.provenance(["--launches", "9"], env, "abc1234", when)
    assert "`LATENT_LAB_DATA_DIR=../shared/datasets python -m bench.benchmark --launches 9`" in text
    assert "abc1234" in text and "2026-12-07 08:30 UTC" in text and "HOME" not in text


def test_a_section_left_out_says_why():
    lines = report.left_out("Cold start (real server, Chromium)", "Chromium was not found")
    assert lines[0] == "## Cold start (real server, Chromium)"
    assert "Chromium was not found" in "\n".join(lines)


def test_the_commit_is_read_from_git(tmp_path):
    assert report.commit(tmp_path).startswith("unknown")  # not a checkout
    from bench.harness import ROOT

    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    revision = report.commit(ROOT)
    assert revision.split()[0].isalnum() and len(revision.split()[0]) >= 7


def test_the_gesture_line_is_marked_against_its_goals():
    from bench.benchmark import gestures_lines

    met = {"followers": 100, "seconds": 5.0, "rate_per_s": 20.0, "lag_p50_ms": 10.0, "lag_p95_ms": 27.0,
           "updates_per_s_min": 20.0, "followers_with_last_value": 100, "post_errors": 0}  # fmt: skip
    (line, _) = gestures_lines(met)
    assert "✓ 27 ms" in line and "✓ 20.0" in line
    (line, _) = gestures_lines({**met, "lag_p95_ms": 450.0, "updates_per_s_min": 6.0})
    assert "✗ 450 ms" in line and "✗ 6.0" in line
    (line, _) = gestures_lines({**met, "lag_p95_ms": None})
    assert "✗ never" in line
    assert gestures_lines(None) == []


def test_the_answers_rows_are_marked_against_their_goals():
    from bench.answers_load import answers_lines

    met = {"students": 300, "spread_s": 30.0, "landed": 300, "lost": 0, "p50_s": 0.2, "p95_s": 0.6,
           "resent": 0, "duplicates": 0, "errors": 0}  # fmt: skip
    missed = {**met, "landed": 297, "lost": 2, "p95_s": 1.4, "resent": 40, "duplicates": 1, "errors": 41}
    lines = answers_lines({"two_replicas": met, "replica_killed": missed})
    (good,) = [line for line in lines if "2 replicas + Redis" in line]
    (bad,) = [line for line in lines if "one killed halfway" in line]
    assert "✓ 300 / 300" in good and "| ✓ 0 |" in good and "✓ 0.60" in good and good.endswith("| ✓ 0 |")
    assert "✗ 297 / 300" in bad and "| ✗ 2 |" in bad and "✗ 1.40" in bad and bad.endswith("| ✗ 41 |")
    (never,) = [
        line
        for line in answers_lines({"two_replicas": {**met, "p95_s": None, "p50_s": None}})
        if "|" in line and "Redis" in line
    ]
    assert "✗ never" in never
    assert answers_lines(None) == []
