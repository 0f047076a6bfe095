"""Followers driven by the protocol client as their browsers would (the room components and the news stream):
every follower reaches the lecturer's control moves (its open section rerun alone) and page change, with no
error, on a real server, and a still room reruns no follower's page."""

from __future__ import annotations

import asyncio

from bench.harness import streamlit_server
from bench.rooms_load import follow_test


def test_every_follower_reaches_each_move_and_the_page_change():
    with streamlit_server(log_name="rooms-load-test.log") as (url, proc):
        result = asyncio.run(follow_test(url, followers=3, moves=2, settle_s=4.0, idle_s=4.0, pid=proc.pid))
    assert result["errors"] == 0, result["error_samples"]
    assert result["control"]["reached"] == result["control"]["expected"] == 6
    assert result["page"]["reached"] == result["page"]["expected"] == 3
    assert result["in_lecturer_state"] == 3
    assert result["runs_while_still"] == 0
    assert result["section_runs"] == 6  # each control move reran the followers' open section, not their page
    assert result["control"]["p95_s"] < 10 and result["idle_cpu_percent_of_one_core"] >= 0


def test_a_drag_reaches_every_followers_stream_at_its_rate():
    """The push routes on a real ``streamlit run app.py`` (its ``st.App``): every value of a one-second drag
    posted with the lecturer's key, every follower's stream gets at least ten a second and the last one."""
    from bench.gestures_load import gesture_test

    with streamlit_server(log_name="gestures-load-test.log") as (url, _):
        result = asyncio.run(gesture_test(url, followers=5, seconds=1.0, rate=20.0))
    assert result["posted"] == 20 and result["post_errors"] == 0
    assert result["updates_per_s_min"] >= 10 and result["followers_with_last_value"] == 5
    assert result["lag_p95_ms"] < 1000
