"""Class activity answers driven through the page as students send them (``bench/answers_load.py``): five
students on one server draw, pick their digit and press Send; every answer is acknowledged and lands, matched
by its picture, among the round's answers the lecturer's map reads."""

from __future__ import annotations

import asyncio
import os
import shutil

import pytest

needs_redis = pytest.mark.skipif(
    shutil.which("redis-server") is None and not os.environ.get("CI"),
    reason="Redis is not installed (apt-get install redis-server); the bench reads the answers from it",
)


def test_students_drawings_are_distinct_pictures_as_the_page_will_store_them():
    from bench.answers_load import make_students
    from models.rooms.answers import checked_answer

    crowd = make_students(5)
    assert len({s.expected for s in crowd}) == 5  # answers are matched to students by their picture
    assert all(s.canvas["drawing"]["data"].startswith("data:image/png;base64,") for s in crowd)
    for s in crowd:  # what the store accepts
        checked_answer({"z": [0.0, 0.0], "digit": s.digit, "image": s.expected})


@needs_redis
def test_five_drawings_sent_through_the_page_all_land_on_the_lecturers_map():
    from bench.answers_load import answers_test, one_server

    with one_server() as (url, store_url):
        result = asyncio.run(answers_test(url, store_url, students=5, spread_s=2.0, settle_s=5.0))
    assert result["errors"] == 0, result["error_samples"]
    assert result["acknowledged"] == result["landed"] == result["stored"] == 5
    assert result["lost"] == result["duplicates"] == result["resent"] == 0
    assert result["p95_s"] is not None and result["p95_s"] < 5
    assert result["lecturer_ticks"] >= 1  # the lecturer's map fragment ran meanwhile
