"""Followers driven by the protocol client as their browsers would (the one-second watch fragment): every
follower reaches the lecturer's control move and page change, with no error, on a real server."""

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
    assert result["control"]["p95_s"] < 10 and result["idle_cpu_percent_of_one_core"] >= 0
