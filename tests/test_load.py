"""A small classroom (4 browsers × 5 slider moves) against one real server: no errors, every move lands."""

from __future__ import annotations

import os

import pytest

from tests.harness import chromium_available

pytestmark = pytest.mark.skipif(not chromium_available() and not os.environ.get("CI"),
                                reason="Chromium is not installed (apt-get install chromium); CI requires it")


def test_concurrent_sessions_all_succeed():
    from tests.load_test import run_load_test
    result = run_load_test(sessions=4, interactions=5)
    assert result["errors"] == 0, result["error_samples"]
    assert result["completed"] == 20
