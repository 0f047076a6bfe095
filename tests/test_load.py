"""A small classroom (one session per page × 5 moves) against one real server: no errors, every move lands.

``python -m bench.load_test`` runs the full 30 × 30 version for BENCHMARKS.md.
"""

from __future__ import annotations

import pytest

from bench.load_test import SCENARIOS, run_learn_visits, run_load_test


@pytest.mark.parametrize("own_values", [False, True], ids=["following", "exploring"])
def test_concurrent_sessions_all_succeed(own_values):
    """Every move lands and changes its picture, whether the sessions repeat each other's settings (the
    server's caches answer) or each has its own."""
    result = run_load_test(sessions=len(SCENARIOS), interactions=5, think_s=0.0, own_values=own_values)
    assert result["errors"] == 0, result["error_samples"]
    assert result["completed"] == result["expected"] == 5 * len(SCENARIOS)
    assert result["reconnects"] == 0 and result["lost_sessions"] == 0  # nothing was killed: no session dropped


def test_protocol_client_sees_a_broken_interaction():
    """The load test's checks can fail: a move that changes nothing is reported, not counted."""
    import asyncio

    from bench.harness import streamlit_server
    from bench.load_test import Scenario, interact
    from bench.st_client import StreamlitSession

    async def move_to_same_value(url: str) -> str:
        async with StreamlitSession(url) as session:
            opened = await session.open("Latent_space")
            shown = {u for u, _ in opened.images}
            same = Scenario("Latent_space", "ls-pad", lambda i: {"z": [0.0, 0.0]})
            try:
                await interact(session, same, 1, shown)
            except AssertionError as err:
                return str(err)
            return "accepted"

    with streamlit_server(log_name="load-check-server.log") as (url, _):
        outcome = asyncio.run(move_to_same_value(url))
    assert "no changed image" in outcome


def test_a_class_opening_watch_it_learn_starts_one_worker_not_one_each():
    """30 sessions open /Learn at once: the server starts at most its slots of TensorFlow processes (one warm
    spare here), and none is left once they have gone."""
    from training.live.supervisor import default_slots

    result = run_learn_visits(sessions=30, hold_s=6.0)
    assert result["errors"] == 0, result["error_samples"]
    assert result["opened"] == 30
    assert 1 <= result["most_workers"] <= default_slots()
    assert result["workers_after_leaving"] == 0


def test_a_live_decoders_page_sends_its_first_picture_before_the_decoders_weights():
    """β-VAE's sliders carry three decoders' weights and Latent space's pad one's; the picture that depends on
    them is laid out below but sent first, so the browser paints it without waiting for them. A release still
    redraws it (the load tests above)."""
    import asyncio

    from bench.harness import streamlit_server
    from bench.st_client import StreamlitSession

    async def order(url: str, page: str) -> list[tuple[str, int]]:
        async with StreamlitSession(url) as session:
            return (await session.open(page)).elements

    with streamlit_server(log_name="order-check-server.log") as (url, _):
        for page in ("Beta_VAE", "Latent_space"):
            elements = asyncio.run(order(url, page))
            kinds = [kind for kind, _ in elements]
            component = kinds.index("bidi_component")  # the sliders or the pad, with the decoders' weights
            assert elements[component][1] > 100_000  # it does carry them (an English session has no other)
            assert "imgs" in kinds[:component], (page, elements)
