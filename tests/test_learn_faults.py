"""Watch it learn's faults as the page shows them (issue #33, point 6): a crashed trainer, TensorFlow missing, a run
that diverged (NaN), a parked run whose saved state could not be read back. The page draws from the supervisor's
``status`` alone, so a stand-in supervisor that answers a given status is enough: no worker process, no Keras."""

from __future__ import annotations

import numpy as np
import pytest

from pages.ui import live
from pages.ui.i18n import t
from tests.test_app import open_page
from training.live.protocol import Failed, Pause, Settings, Snapshot, Status, Train


class StandIn:
    """Answers ``status`` with what the test set, and records what the page asked to ``start``."""

    def __init__(self, status: Status):
        self.answer, self.started = status, []

    def status(self, session: str) -> Status:
        return self.answer

    def start(self, session: str, settings: Settings, action) -> None:
        self.started.append(action)

    def configure(self, session: str, settings: Settings) -> None:
        pass

    def leave(self, session: str) -> None:
        pass


def snapshot(state: str, notice: str = "") -> Snapshot:
    rng = np.random.default_rng(0)
    arrays = {
        "codes": rng.standard_normal((1000, 2)).astype(np.float32),
        "labels": np.arange(1000) % 10,
        "originals": rng.uniform(0, 1, (8, 28, 28)).astype(np.float32),
        "reconstructions": rng.uniform(0, 1, (8, 28, 28)).astype(np.float32),
    }
    curves = {"loss": [0.1, 0.08, float("nan")] if state == "diverged" else [0.1, 0.08, 0.07]}
    return Snapshot("ae", state, 30, 0.1, 3.0, 10.0, [10, 20, 30], curves, arrays, "sample_data", 3, notice)


@pytest.fixture
def stand_in(monkeypatch):
    def install(status: Status) -> StandIn:
        supervisor = StandIn(status)
        monkeypatch.setattr(live, "live_supervisor", lambda: supervisor)
        return supervisor

    return install


def texts(at) -> str:
    return "\n".join(e.value for kind in ("markdown", "error", "warning", "info", "caption") for e in at.get(kind))


@pytest.mark.parametrize("key", ["crashed", "tensorflow_missing"])
def test_a_dead_trainer_is_said_in_words_with_restart_and_restart_asks_for_a_fresh_one(stand_in, key):
    supervisor = stand_in(Status(1, held=True, error=Failed(key, "exit code -9")))
    at = open_page("learn")
    said = [e.value for e in at.error]
    assert said == [t(f"learn.error.{key}", "en", detail="exit code -9")]
    assert not at.get("plotly_chart")  # nothing drawn from a run that is gone
    restart = next(b for b in at.button if b.label == t("learn.restart", "en"))
    restart.click().run()
    assert not at.exception and supervisor.started == [Train()]


def test_a_run_that_diverged_says_why_and_how_to_go_on(stand_in):
    stand_in(Status(1, "ready", True, snapshot=snapshot("diverged")))
    at = open_page("learn")
    assert t("learn.diverged", "en") in [e.value for e in at.error]
    assert t("learn.state_diverged", "en") in texts(at)


def test_a_parked_run_that_could_not_be_restored_says_it_started_again(stand_in):
    stand_in(Status(1, "ready", True, snapshot=snapshot("paused", notice="restore_failed")))
    at = open_page("learn")
    assert t("learn.notice.restore_failed", "en") in [e.value for e in at.warning]
    assert not at.error


def test_a_parked_run_shows_where_it_stopped_and_pause_reaches_the_supervisor(stand_in):
    supervisor = stand_in(Status(1, held=True, snapshot=snapshot("paused"), parked=True))
    at = open_page("learn")
    assert t("learn.parked", "en") in texts(at) and not at.error
    next(b for b in at.button if b.label == t("learn.pause", "en")).click().run()
    assert supervisor.started == [Pause()]


def test_the_same_faults_in_korean(stand_in):
    stand_in(Status(1, held=True, error=Failed("crashed", "exit code -9")))
    at = open_page("learn", **{"kept-lang": "ko"})
    assert [e.value for e in at.error] == [t("learn.error.crashed", "ko", detail="exit code -9")]
