"""Class rooms in the app (AppTest): a lecturer and a follower, two sessions of one process sharing its
in-memory store, as two browsers share one server."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

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
