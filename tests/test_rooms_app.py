"""Class rooms in the app (AppTest): a lecturer and a follower, two sessions of one process sharing its
in-memory store, as two browsers share one server."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from models.runtime.graph import NUMPY
from pages.ui.rooms import room_store

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def _run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


def session(**params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for name, value in params.items():
        at.query_params[name] = value
    return _run(at)


def texts(at: AppTest) -> str:
    return "\n".join(str(e.value) for kind in ("info", "warning", "markdown", "caption") for e in at.get(kind))


def param(at: AppTest, name: str) -> str | None:
    value = at.query_params.get(name)
    return value[0] if isinstance(value, list) else value


def page_title(at: AppTest) -> str:
    return at.title[0].value if at.title else ""


@pytest.fixture
def lecturer() -> AppTest:
    return session(room="new")


def test_room_new_makes_a_lecturer_whose_url_shows_the_code_never_the_key(lecturer):
    code, key = lecturer.session_state["room-code"], lecturer.session_state["room-key"]
    assert lecturer.session_state["room-role"] == "lecturer" and len(key) >= 22
    assert param(lecturer, "room") == code
    assert all(key not in str(v) for v in lecturer.query_params.values())
    assert key not in texts(lecturer)  # not on the page (projected): only in the sidebar's copy box
    assert any(key in c.value and code in c.value for c in lecturer.sidebar.code)
    qr = [img for e in lecturer.get("image") for img in e.proto.imgs if img.url.startswith("data:image/svg+xml")]
    assert len(qr) == 1 and qr[0].alt == f"QR code of the join link http://localhost:8501/?room={code}"
    assert f"/?room={code}" in texts(lecturer)
    assert room_store().is_lecturer(code, key)


def test_a_follower_follows_page_section_dataset_and_controls(lecturer):
    code = lecturer.session_state["room-code"]
    follower = session(room=code.lower())
    assert follower.session_state["room-role"] == "follower"
    assert "Following the lecturer" in texts(follower)
    assert [b.label for b in follower.button if b.key == "room-explore"] == ["Explore on my own"]

    lecturer.switch_page("pages/views/denoising.py")
    _run(lecturer)
    lecturer.selectbox(key="dn-kind").set_value("masking")
    lecturer.number_input(key="dn-seed").set_value(17)
    lecturer.session_state["kept-dataset"] = lecturer.session_state["dataset"] = "fashion_mnist"
    _run(lecturer)
    state = room_store().get(code).state
    assert state["page"] == "dn" and state["dataset"] == "fashion_mnist"
    assert state["controls"]["dn-seed"] == 17 and state["controls"]["dn-kind"] == "masking"

    _run(follower)  # what the follower's fragment triggers once the room's version has grown
    assert page_title(follower) == page_title(lecturer)
    assert follower.number_input(key="dn-seed").value == 17
    assert follower.selectbox(key="dn-kind").value == "masking"
    assert follower.session_state["kept-dataset"] == "fashion_mnist"
    assert param(follower, "room") == code and param(follower, "dataset") == "Fashion-MNIST"

    lecturer.session_state["dn-tab"] = "PSNR curve"  # the lecturer opens the second section
    _run(lecturer)
    assert room_store().get(code).state["section"] == "curve"
    _run(follower)
    assert follower.session_state["dn-tab-name"] == "curve" and param(follower, "section") == "curve"
    assert "Following the lecturer" in texts(follower)


def test_language_and_lecture_mode_stay_personal(lecturer):
    follower = session(room=lecturer.session_state["room-code"], lang="ko")
    lecturer.session_state["kept-lecture"] = lecturer.session_state["lecture"] = True
    _run(lecturer)
    _run(follower)
    assert "강의자를 따라가는 중입니다" in texts(follower)
    assert not follower.session_state["kept-lecture"] and follower.session_state["kept-lang"] == "ko"
    assert "lecture" not in room_store().get(lecturer.session_state["room-code"]).state


def test_touching_a_control_explores_and_back_returns_to_the_lecturer(lecturer):
    code = lecturer.session_state["room-code"]
    lecturer.switch_page("pages/views/denoising.py")
    _run(lecturer)
    lecturer.number_input(key="dn-seed").set_value(5)
    _run(lecturer)
    follower = session(room=code)
    assert follower.number_input(key="dn-seed").value == 5

    follower.number_input(key="dn-seed").set_value(9)
    _run(follower)
    assert follower.session_state["room-following"] is False
    assert "Exploring on your own" in texts(follower)
    lecturer.number_input(key="dn-seed").set_value(6)
    _run(lecturer)
    _run(follower)
    assert follower.number_input(key="dn-seed").value == 9  # an explorer keeps their own view

    follower.button(key="room-back").click()
    _run(follower)
    assert follower.session_state["room-following"] is True
    assert follower.number_input(key="dn-seed").value == 6
    assert "Following the lecturer" in texts(follower)

    follower.button(key="room-explore").click()
    _run(follower)
    assert follower.session_state["room-following"] is False


def test_a_follower_who_changes_page_is_exploring(lecturer):
    follower = session(room=lecturer.session_state["room-code"])
    follower.switch_page("pages/views/gan.py")
    _run(follower)
    assert follower.session_state["room-following"] is False


def test_unknown_codes_and_forged_lecturer_links_get_a_sentence_and_the_app(lecturer):
    code = lecturer.session_state["room-code"]
    for bad in ("ZZZZZ" if code != "ZZZZZ" else "YYYYY", "<b>x</b>", "new-ish"):
        at = session(room=bad)
        assert "room-role" not in at.session_state and param(at, "room") is None
        assert any("There is no room" in w.value for w in at.warning)
        assert "<b>" not in texts(at)
    forged = session(room=code, lecturer="x" * 32)
    assert forged.session_state["room-role"] == "follower"
    assert "room-key" not in forged.session_state and param(forged, "lecturer") is None
    assert any("not valid for room" in w.value for w in forged.warning)
    with pytest.raises(Exception, match="lecturer"):
        room_store().update(code, "x" * 32, {"page": "gan"})


def test_the_lecturer_link_takes_the_room_back_and_closing_tells_followers(lecturer):
    code, key = lecturer.session_state["room-code"], lecturer.session_state["room-key"]
    follower = session(room=code)
    again = session(room=code, lecturer=key)  # the lecturer's tab reloaded: the link takes the room back
    assert again.session_state["room-role"] == "lecturer" and param(again, "lecturer") is None
    again.switch_page("pages/views/gan.py")
    _run(again)
    _run(follower)
    assert page_title(follower) == page_title(again)

    again.sidebar.button(key="room-close").click()
    _run(again)
    assert "room-role" not in again.session_state and param(again, "room") is None
    _run(follower)
    assert "room-role" not in follower.session_state
    assert any(f"closed room {code}" in w.value for w in follower.warning)


def test_the_sidebar_control_in_korean():
    at = session(lang="ko")
    assert at.sidebar.subheader[-1].value == "강의실"
    assert [b.label for b in at.sidebar.button if b.key == "room-start"] == ["강의실 열기"]
    at.sidebar.button(key="room-start").click()
    _run(at)
    assert at.session_state["room-role"] == "lecturer"
    assert any(e.label.startswith("강의실 ") for e in at.expander)


def _student_sends(student: AppTest, digit: int) -> AppTest:
    from tests.images import digit_png

    student.segmented_control(key="room-act-source").set_value("upload")
    _run(student)
    student.file_uploader(key="room-act-upload").set_value(("digit.png", digit_png(), "image/png"))
    _run(student)
    student.pills(key="room-act-digit").set_value(digit)
    _run(student)
    if "room-act-last" in student.session_state:
        student.session_state["room-act-last"] -= 10  # as if ten seconds had passed since the last send
    student.button(key="room-act-send").click()
    return _run(student)


def test_where_does_your_digit_land(lecturer):
    """The lecturer starts the activity; a student uploads a digit and says it is a 7; the answer is the 2-D
    VAE's code of that picture, lands on the lecturer's map, shows (once revealed) with its decode, can be
    removed, and a new round lets the student answer again; ending it hides the student's panel."""
    from models.analysis import latents
    from models.rooms.answers import unpack_image
    from models.runtime.inference import load_model

    code, key = lecturer.session_state["room-code"], lecturer.session_state["room-key"]
    student = session(room=code)
    assert not [e for e in student.expander if e.label == "Where does your digit land?"]
    lecturer.button(key="room-act-start").click()
    _run(lecturer)
    assert room_store().get(code).activity == {"kind": "landing", "round": 1, "revealed": False}
    _run(student)  # what the student's fragment triggers: the room's version grew
    assert [e for e in student.expander if e.label == "Where does your digit land?"]

    _student_sends(student, 7)
    assert any(s.value.startswith("Sent. Your 7 landed at") for s in student.success)
    answers = room_store().answers(code, key)
    assert len(answers) == 1
    (answer,) = answers.values()
    vae = load_model("mnist", "vae_conv_2d", runtime=NUMPY)
    expected = latents.latent_means(vae, unpack_image(answer["image"])[None])[0]
    assert answer["digit"] == 7 and np.allclose(answer["z"], expected, atol=1e-5)
    assert unpack_image(answer["image"]).max() > 100  # the digit itself, not a blank picture
    own = [c for c in student.get("plotly_chart") if "room-act-own-map" in str(c.proto.id)]
    assert own, "the student's own map"

    _student_sends(student, 1)  # a second answer replaces the first: one per student per round
    assert [a["digit"] for a in room_store().answers(code, key).values()] == [1]

    _run(lecturer)
    assert any(c.value == "Answers in round 1: 1" for c in lecturer.caption)
    assert any(c.value == "The drawings are hidden until you show them." for c in lecturer.caption)
    drawings = lambda at: [i for e in at.get("image") for i in e.proto.imgs if i.alt.startswith("Answer 1:")]  # noqa: E731
    assert not drawings(lecturer)
    lecturer.toggle(key="room-act-reveal").set_value(True)
    _run(lecturer)
    assert room_store().get(code).activity["revealed"] and drawings(lecturer)
    lecturer.selectbox(key="room-act-pick").set_value(next(iter(room_store().answers(code, key))))
    _run(lecturer)
    assert any(
        i.alt.startswith("The 2-D VAE's decode of answer 1") for e in lecturer.get("image") for i in e.proto.imgs
    )
    lecturer.button(key="room-act-remove").click()
    _run(lecturer)
    assert room_store().answers(code, key) == {}

    lecturer.button(key="room-act-clear").click()
    _run(lecturer)
    assert room_store().get(code).activity["round"] == 2
    _run(student)
    assert not student.success  # the new round: the student's earlier point is gone, and they may answer again
    _student_sends(student, 4)
    assert [a["digit"] for a in room_store().answers(code, key).values()] == [4]

    lecturer.button(key="room-act-end").click()
    _run(lecturer)
    _run(student)
    assert room_store().get(code).activity is None
    assert not [e for e in student.expander if e.label == "Where does your digit land?"]


def test_a_student_cannot_send_twice_within_two_seconds(lecturer):
    code = lecturer.session_state["room-code"]
    room_store().start_activity(code, lecturer.session_state["room-key"], "landing")
    student = session(room=code)
    _student_sends(student, 3)
    student.button(key="room-act-send").click()
    _run(student)
    assert any(w.value == "Wait a moment before sending again." for w in student.warning)


def test_real_or_fake(lecturer):
    """Every student sees the round's eight images and votes; the lecturer reveals each image's truth, the
    class's accuracy on it and the discriminator's verdict."""
    from models.analysis.realfake import QUIZ_SIZE, make_quiz, quiz_seed
    from models.data.samples import load_sample
    from models.runtime.inference import load_model

    code = lecturer.session_state["room-code"]
    lecturer.button(key="room-act-start-rf").click()
    _run(lecturer)
    assert room_store().get(code).activity["kind"] == "realfake"
    students = [session(room=code), session(room=code)]
    quiz = make_quiz(load_model("mnist", "dcgan", runtime=NUMPY), load_sample("mnist")[0], quiz_seed(code, 1))
    ballots = (["real" if r else "fake" for r in quiz.real], ["real"] * QUIZ_SIZE)  # right everywhere; "all real"
    for student, ballot in zip(students, ballots):
        shown = [i for e in student.get("image") for i in e.proto.imgs if i.alt.startswith("Quiz image")]
        assert len(shown) == QUIZ_SIZE
        for n in range(1, QUIZ_SIZE + 1):
            student.segmented_control(key=f"room-rf-1-{n}").set_value(ballot[n - 1])
        _run(student)
        student.button(key="room-rf-send").click()
        _run(student)
        assert any(s.value.startswith("Votes sent") for s in student.success)
    _run(lecturer)
    assert any(c.value == "Ballots in round 1: 2" for c in lecturer.caption)
    lecturer.toggle(key="room-act-reveal").set_value(True)
    _run(lecturer)
    captions = [i.caption for e in lecturer.get("image") for i in e.proto.imgs if i.caption.startswith("#")]
    assert len(captions) == QUIZ_SIZE
    for n, caption in enumerate(captions, 1):
        truth, share = ("real", "100%") if quiz.real[n - 1] else ("fake", "50%")
        assert caption == f"#{n}: {truth} · class right {share} of 2 · discriminator P(real) {quiz.d_real[n - 1]:.2f}"


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_every_room_picture_has_alternative_text_in_the_chosen_language(lang):
    """The QR code, the class's drawings and their decodes, the quiz images: each with alt text, translated."""
    lecturer = session(room="new", lang=lang)
    code, key = lecturer.session_state["room-code"], lecturer.session_state["room-key"]
    room_store().start_activity(code, key, "landing")
    student = session(room=code, lang=lang)
    _student_sends(student, 5)
    _run(lecturer)
    lecturer.toggle(key="room-act-reveal").set_value(True)
    _run(lecturer)
    lecturer.selectbox(key="room-act-pick").set_value(next(iter(room_store().answers(code, key))))
    _run(lecturer)
    room_store().start_activity(code, key, "realfake")
    _run(lecturer)
    _run(student)
    for at in (lecturer, student):
        pictures = [img for el in at.get("image") for img in el.proto.imgs]
        assert pictures
        for img in pictures:
            assert img.HasField("alt") and len(img.alt) > 5, img.caption
        if lang == "ko":
            assert all(any("\uac00" <= ch <= "\ud7a3" for ch in img.alt) for img in pictures if "#" not in img.alt)


def test_a_following_class_starts_no_trainer_on_watch_it_learn(lecturer):
    follower = session(room=lecturer.session_state["room-code"])
    lecturer.switch_page("pages/views/learn.py")
    _run(lecturer)
    _run(follower)
    trains = [b for b in follower.button if b.key and b.key.endswith("-train")]
    assert trains and all(b.disabled for b in trains)
    assert any(c.value.startswith("Following the lecturer: watch the run") for c in follower.caption)
    assert not any(b.disabled for b in lecturer.button if b.key and b.key.endswith("-train"))
    follower.button(key="room-explore").click()
    _run(follower)
    assert not any(b.disabled for b in follower.button if b.key and b.key.endswith("-train"))


def _component_data(at: AppTest, key: str) -> dict:
    """The JSON header of the latent component ``key`` as this session's page sent it (``latent_play._pack``)."""
    import json
    import struct

    for element in at.get("bidi_component"):
        if element.key == key:
            blob = element.proto.bytes
            (n,) = struct.unpack("<I", blob[:4])
            return json.loads(blob[4 : 4 + n])
    raise AssertionError(f"no latent component {key}: {[e.key for e in at.get('bidi_component')]}")


def image_captions(at: AppTest) -> list[str]:
    return [img.caption for element in at.get("image") for img in element.proto.imgs]


def test_the_latent_pad_release_is_followed_and_the_follower_canvas_opens_there(lecturer):
    code = lecturer.session_state["room-code"]
    lecturer.switch_page("pages/views/latent_space.py")
    _run(lecturer)
    follower = session(room=code)
    lecturer.session_state["ls-pad-value"] = [1.25, -0.5]  # what the pad's on_change stores on a release
    _run(lecturer)
    assert room_store().get(code).state["controls"]["ls-pad-value"] == [1.25, -0.5]
    _run(follower)
    assert follower.session_state["ls-pad-value"] == [1.25, -0.5]
    assert follower.session_state["room-following"] is True  # the room set it: not a touch of the follower's
    assert "decoded at (1.25, -0.50)" in image_captions(follower)  # the server's decode below the pad
    data = _component_data(follower, "ls-pad")
    assert data["pad"]["z"] == [1.25, -0.5] and data["room"] == {"code": code, "follow": True}
    lead = _component_data(lecturer, "ls-pad")["room"]
    assert lead["lead"] and lead["code"] == code and room_store().is_lecturer(code, lead["key"])


def test_a_beta_vae_slider_release_is_followed(lecturer):
    code = lecturer.session_state["room-code"]
    lecturer.switch_page("pages/views/beta_vae.py")
    _run(lecturer)
    follower = session(room=code)
    n = len(_component_data(lecturer, "bv-live")["sliders"]["values"])
    moved = [0.0] * n
    moved[0] = 1.5
    lecturer.session_state["bv-live-value"] = moved
    _run(lecturer)
    _run(follower)
    assert _component_data(follower, "bv-live")["sliders"]["values"] == moved
    assert any("#1 +1.50" in c for c in image_captions(follower)), image_captions(follower)
    assert follower.session_state["room-following"] is True


def test_the_gan_scrub_release_is_followed(lecturer):
    code = lecturer.session_state["room-code"]
    lecturer.switch_page("pages/views/gan.py")
    _run(lecturer)
    lecturer.session_state["gan-tab"] = "Walk between seeds"
    _run(lecturer)
    follower = session(room=code)
    (scrub,) = [e.key for e in lecturer.get("bidi_component") if e.key.startswith("gan-scrub-")]
    lecturer.session_state[f"{scrub}-value"] = 0.8
    _run(lecturer)
    _run(follower)
    assert _component_data(follower, scrub)["scrub"]["t"] == 0.8
    assert "generated on the server at t = 0.800" in image_captions(follower)
    assert follower.session_state["room-following"] is True


def test_followers_watch_the_lecturers_run_without_a_heartbeat_or_trainer_of_their_own(lecturer, monkeypatch):
    from dataclasses import replace

    from pages.ui import live
    from tests.test_learn_faults import StandIn, snapshot
    from training.live.protocol import Status

    class Watched(StandIn):
        """The lecturer's session has a run (once ``training`` is set); every other session has none."""

        def __init__(self):
            super().__init__(Status(1))
            self.training, self.lesson, self.asked, self.peeked = False, "ae", [], []

        def _of(self, session: str) -> Status:
            lecturer_session = lecturer.session_state["learn-session"]
            if self.training and session == lecturer_session:
                return Status(1, "ready", True, None, None, replace(snapshot("training"), lesson=self.lesson))
            return Status(1)

        def status(self, session: str) -> Status:
            self.asked.append(session)
            return self._of(session)

        def peek(self, session: str) -> Status:
            self.peeked.append(session)
            return self._of(session)

    def session_key() -> str:  # AppTest gives every session one id: each gets its own here, as in a browser
        import uuid

        import streamlit as st

        key = st.session_state.setdefault("test-session", uuid.uuid4().hex)
        st.session_state[live.PAGE_KEY] = key
        return key

    supervisor = Watched()
    monkeypatch.setattr(live, "live_supervisor", lambda: supervisor)
    monkeypatch.setattr(live, "session_key", session_key)
    code = lecturer.session_state["room-code"]
    lecturer.switch_page("pages/views/learn.py")
    _run(lecturer)
    follower = session(room=code)
    alias = room_store().get(code).state["controls"]["learn-run"]
    assert alias != lecturer.session_state["learn-session"] and len(alias) == 20  # never the session id itself
    assert lecturer.session_state["learn-session"] not in str(room_store().get(code).state)
    assert "The lecturer has not started a run here yet" in texts(follower)

    supervisor.training = True
    _run(follower)
    follower_session = follower.session_state["learn-session"]
    assert supervisor.peeked and set(supervisor.peeked) == {lecturer.session_state["learn-session"]}
    assert follower_session not in supervisor.asked  # no heartbeat: a watching class keeps no run alive
    assert "step 30" in texts(follower)
    assert any("map" in (img.alt or "").lower() for e in follower.get("image") for img in e.proto.imgs)
    assert not supervisor.started
    supervisor.lesson = "points"  # the lecturer's run is another section's lesson: the follower is told so
    _run(follower)
    assert "The lecturer's run is another lesson" in texts(follower) and "step 30" not in texts(follower)

    follower.button(key="room-explore").click()  # exploring: their own page, their own (empty) run
    _run(follower)
    assert follower_session in supervisor.asked and "step 30" not in texts(follower)

    # Followers on other replicas read the run from the room's store: the lecturer's page puts it there when it
    # changed (``live.share_run``), and says "no run" when it leaves the page.

    from training.live.protocol import status_from_bytes

    monkeypatch.setattr(live, "SHARE_EVERY_S", 0.0)  # each run here is one of the page's refreshes
    supervisor.lesson = "ae"
    _run(lecturer)
    version, payload = room_store().get_run(code)
    assert status_from_bytes(payload).held and status_from_bytes(payload).snapshot.step == 30
    _run(lecturer)  # no rate limit here: only "unchanged" keeps it from the store
    assert room_store().run_version(code) == version  # the same snapshot: nothing sent again
    supervisor.lesson = "vae"
    _run(lecturer)
    monkeypatch.setattr(live, "SHARE_EVERY_S", 60.0)  # a slow machine's two runs could be 0.3 s apart
    supervisor.lesson = "course_ae"
    _run(lecturer)  # changed again within the period: it waits for a later refresh (a few puts a second at most)
    assert room_store().run_version(code) == version + 1
    assert status_from_bytes(room_store().get_run(code)[1]).snapshot.lesson == "vae"
    monkeypatch.setattr(live, "SHARE_EVERY_S", 0.0)
    _run(lecturer)
    assert status_from_bytes(room_store().get_run(code)[1]).snapshot.lesson == "course_ae"
    lecturer.switch_page("pages/views/denoising.py")
    _run(lecturer)
    assert room_store().run_version(code) == version + 3 and not status_from_bytes(room_store().get_run(code)[1]).held


# The lecturer of ``test_a_follower_on_another_replica_watches_the_lecturers_run``: its own process (a replica),
# a stand-in trainer whose run is at step 4321, rooms in the Redis that LATENT_LAB_REDIS_URL names.
LECTURER_REPLICA = """
import time
import uuid
from dataclasses import replace

import streamlit as st
from streamlit.testing.v1 import AppTest

from models.rooms.store import process_store
from pages.ui import live
from tests.test_learn_faults import StandIn, snapshot
from training.live.protocol import Status

supervisor = StandIn(Status(1, "ready", True, None, None, replace(snapshot("training"), step=4321)))
live.live_supervisor = lambda: supervisor
live.session_key = lambda: st.session_state.setdefault(live.PAGE_KEY, uuid.uuid4().hex)
at = AppTest.from_file("app.py", default_timeout=120)
at.query_params["room"] = "new"
at.run()
at.switch_page("pages/views/learn.py")
at.run()
at.run()  # the same run again: nothing new for the store
assert not at.exception, at.exception
code = at.session_state["room-code"]
assert type(process_store()).__name__ == "RedisRoomStore" and process_store().run_version(code) == 1
print(code, at.session_state["room-key"], flush=True)  # the key: as the lecturer link carries it to any replica
"""


def test_a_follower_on_another_replica_watches_the_lecturers_run(monkeypatch, tmp_path):
    """``python -m deploy --replicas 2``: the lecturer trains on one replica, a follower's page runs on the other.
    Two processes share only Redis; the follower's server has no run of the lecturer's to peek at, so what it
    draws came through the room's store."""
    import os
    import subprocess
    import sys
    import uuid
    from dataclasses import replace

    from models.rooms.redis_store import RedisRoomStore
    from pages.ui import live, rooms
    from tests.redis_server import RedisProcess, require_redis_server
    from tests.test_learn_faults import StandIn, snapshot
    from training.live.protocol import Status, status_to_bytes

    server = RedisProcess(require_redis_server(), tmp_path)
    server.start()
    try:
        root = Path(APP).parent
        env = {**os.environ, "LATENT_LAB_REDIS_URL": server.url, "PYTHONPATH": str(root)}
        lecturer = subprocess.run(
            [sys.executable, "-c", LECTURER_REPLICA], cwd=root, env=env, capture_output=True, text=True, timeout=300
        )
        assert lecturer.returncode == 0, lecturer.stderr[-3000:]
        code, key = lecturer.stdout.split()[-2:]

        class Elsewhere(StandIn):
            """This replica's trainer: it holds no run at all, and records who asked."""

            def __init__(self):
                super().__init__(Status(1))
                self.asked = []

            def status(self, session: str) -> Status:
                self.asked.append(session)
                return super().status(session)

            def peek(self, session: str) -> Status:
                self.asked.append(session)
                return Status(1)

        supervisor, store = Elsewhere(), RedisRoomStore(server.url)
        monkeypatch.setattr(rooms, "room_store", lambda: store)  # this process: the other replica
        monkeypatch.setattr(live, "live_supervisor", lambda: supervisor)
        monkeypatch.setattr(live, "session_key", lambda: uuid.uuid4().hex)
        follower = session(room=code)
        assert follower.session_state["room-role"] == "follower"
        shown = texts(follower)
        assert "step 4,321" in shown, shown  # the lecturer's run, not a follower's own (it has none)
        assert any("map" in (img.alt or "").lower() for e in follower.get("image") for img in e.proto.imgs)
        assert supervisor.asked == [] and not supervisor.started  # no peek, no heartbeat, no trainer of its own
        assert store.run_version(code) == 1  # the follower published nothing

        later = Status(1, "ready", True, None, None, replace(snapshot("paused"), step=5000, seq=4))
        store.put_run(code, key, status_to_bytes(later))  # the lecturer's replica, a snapshot later
        _run(follower)
        assert "step 5,000" in texts(follower) and "step 4,321" not in texts(follower)
        server.stop()  # Redis restarts: the follower keeps the run it read, and no traceback
        _run(follower)
        assert "step 5,000" in texts(follower)
        server.start()  # same port, same folder: its append-only file holds the room and its run
        store.put_run(code, key, status_to_bytes(Status(0)))  # the lecturer left the page: no run
        _run(follower)
        assert "The lecturer has not started a run here yet" in texts(follower)
    finally:
        server.stop()


def test_a_student_who_joins_while_the_store_is_away_follows_once_it_answers(lecturer, monkeypatch):
    """A crowd joining (or Redis restarting) can make the store miss a join's lookup: the student joins anyway,
    is told it is reconnecting, and follows the lecturer at the next run, not sent home with the sentence."""
    from models.rooms import RoomUnavailable

    store = room_store()
    code = lecturer.session_state["room-code"]
    real_version, real_get = store.version, store.get

    def away(*_args, **_kwargs):
        raise RoomUnavailable("the room store is unreachable: TimeoutError")

    monkeypatch.setattr(store, "version", away)
    monkeypatch.setattr(store, "get", away)
    student = session(room=code)
    assert student.session_state["room-role"] == "follower" and param(student, "room") == code
    monkeypatch.setattr(store, "version", real_version)
    monkeypatch.setattr(store, "get", real_get)
    _run(student)
    assert student.session_state["room-applied"] == store.version(code)
    assert "room-explore" in [b.key for b in student.button]  # following
