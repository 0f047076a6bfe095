"""A class room in Debian's Chromium: a lecturer's tab and a student's phone (390×844, touch) on one server.
The student joins by the room's link, follows page, section and slider, explores and comes back; a forged
lecturer link is refused; the lecturer's pad drag streams to the student's canvas. In the class activities the
student draws a digit by touch and it lands on the lecturer's map, and a tapped vote is counted. Last, the same
pair through ``python -m deploy --replicas 2`` on different replicas, before and after Redis restarts."""

from __future__ import annotations

import os
import re
import shutil
import signal
import time
from types import SimpleNamespace

import pytest

from bench.harness import OUTPUT, PHONE, chromium_available, open_tab, streamlit_server, touch_stroke, wait_idle

pytestmark = pytest.mark.skipif(
    not chromium_available() and not os.environ.get("CI"),
    reason="Chromium is not installed (apt-get install chromium); CI requires it",
)


def _until(predicate, timeout: float = 20.0, what: str = "") -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.25)
    raise AssertionError(f"not within {timeout} s: {what}")


def _url_has(page, part: str, timeout: float, what: str) -> None:
    """Wait until the page's address holds ``part``. The page's waits let Playwright hear the address changes
    (``page.url`` is only as fresh as the last call into the browser; a bare sleep would not refresh it)."""
    deadline = time.time() + timeout
    while part not in page.url:
        if time.time() > deadline:
            raise AssertionError(f"not within {timeout} s: {what} ({page.url})")
        page.wait_for_timeout(250)


def _slider(page, label: str):
    return page.locator(f'[data-testid="stSlider"]:has-text("{label}") input[type="range"]').first


def _slider_value(page, label: str) -> str:
    return _slider(page, label).input_value()


def test_a_phone_follows_the_lecturer(browser):
    with streamlit_server(log_name="rooms-browser-server.log") as (url, _):
        lecturer = browser.new_context(viewport={"width": 1400, "height": 1100}).new_page()
        lecturer.goto(url + "/Denoising?room=new")
        lecturer.wait_for_selector("h1", timeout=90_000)
        wait_idle(lecturer)
        panel = lecturer.locator('[data-testid="stExpander"] summary:has-text("Class room")').first
        code = re.search(r"Class room ([A-Z]{5})", panel.inner_text()).group(1)
        assert f"room={code}" in lecturer.url and "lecturer=" not in lecturer.url
        qr = lecturer.get_by_role("img", name=re.compile("QR code of the join link"))
        qr.first.wait_for(timeout=60_000)  # the room panel draws after the page's first picture
        assert qr.count() == 1

        phone = browser.new_context(
            viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, device_scale_factor=2
        ).new_page()
        phone.goto(f"{url}/?room={code}")  # what the QR code opens
        phone.get_by_text("Following the lecturer").first.wait_for(timeout=90_000)
        _url_has(phone, "/Denoising", 20, "the phone switched to the lecturer's page")
        phone.locator('[data-testid="stSlider"]:has-text("Noise level")').first.wait_for(timeout=60_000)

        thumb = _slider(lecturer, "Noise level")
        before = _slider_value(lecturer, "Noise level")
        thumb.focus()
        for _ in range(3):
            lecturer.keyboard.press("ArrowRight")
        time.sleep(0.5)
        wait_idle(lecturer)
        moved = _slider_value(lecturer, "Noise level")
        assert moved != before
        _until(lambda: _slider_value(phone, "Noise level") == moved, 15, f"the phone's slider reached {moved}")
        reruns = phone.evaluate("window.__latentLabRoomWatch.stats")
        assert reruns["section"] >= 1, reruns  # the slider's section reran alone on the phone, not the whole page

        open_tab(lecturer, "PSNR curve")
        _url_has(phone, "section=curve", 15, "the phone opened the lecturer's section")

        phone.get_by_role("button", name="Explore on my own").tap()
        phone.get_by_text("Exploring on your own").first.wait_for(timeout=30_000)
        open_tab(lecturer, "Denoise an image")
        phone.wait_for_timeout(3000)  # (not a bare sleep: page.url must hear any change meanwhile)
        assert "section=curve" in phone.url  # an explorer keeps their own view
        phone.get_by_role("button", name="Back to the lecturer").tap()
        phone.get_by_text("Following the lecturer").first.wait_for(timeout=30_000)
        _url_has(phone, "section=one", 15, "back with the lecturer's section")

        forged = browser.new_context().new_page()
        forged.goto(f"{url}/?room={code}&lecturer=not-the-key-at-all-xxxxxxxxxxxx")
        forged.get_by_text("not valid for room").first.wait_for(timeout=90_000)
        _until(lambda: "lecturer=" not in forged.url, 10, "the forged key left the address bar")
        assert forged.get_by_text("Following the lecturer").count() >= 1


def _readout(page) -> str:
    return page.locator(".lab-readout").first.inner_text()


def test_the_pad_drag_moves_the_followers_canvas_during_the_drag(browser):
    """Gestures need no rerun: the lecturer's drag streams through the push routes (models/rooms/push.py) and
    the student's browser decodes it, ≥ 10 values a second, and lands where the lecturer let go."""
    with streamlit_server(log_name="rooms-gesture-server.log") as (url, _):
        lecturer = browser.new_context(viewport={"width": 1400, "height": 1100}).new_page()
        lecturer.goto(url + "/Latent_space?room=new")
        lecturer.wait_for_selector("canvas.lab-pad", timeout=90_000)
        wait_idle(lecturer)
        panel = lecturer.locator('[data-testid="stExpander"] summary:has-text("Class room")').first
        code = re.search(r"Class room ([A-Z]{5})", panel.inner_text()).group(1)

        student = browser.new_context(viewport={"width": 1000, "height": 1100}).new_page()
        student.goto(f"{url}/?room={code}")
        student.wait_for_selector("canvas.lab-pad", timeout=90_000)
        wait_idle(student)
        time.sleep(1.0)  # the student's event stream opens with the component
        start = _readout(student)

        box = lecturer.locator("canvas.lab-pad").first.bounding_box()
        x0, y0 = box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3
        lecturer.mouse.move(x0, y0)
        lecturer.mouse.down()
        began = time.time()
        seen: set[str] = set()
        for i in range(1, 41):  # two seconds of dragging toward the lower right
            lecturer.mouse.move(x0 + i * box["width"] * 0.01, y0 + i * box["height"] * 0.01)
            time.sleep(0.05)
            if i % 8 == 0:
                seen.add(_readout(student))
        during = student.evaluate("() => window.__latentLab.stats.followed || 0")
        dragged = time.time() - began
        moving = _readout(student)
        lecturer.mouse.up()

        assert during / dragged >= 10, f"{during} values in {dragged:.1f} s"
        assert moving != start and len(seen - {start}) >= 3, seen  # the student's canvas moved with the drag
        _until(lambda: _readout(student) == _readout(lecturer), 10, "the student's pad landed on the lecturer's point")
        assert student.evaluate("() => window.__latentLab.stats.releases") == 0  # the student touched nothing
        assert student.get_by_text("Following the lecturer").count() >= 1


# --- class activities on a phone: one server, one lecturer and one student's phone for the three tests below ---

MAP_TITLE = "Where the class's digits landed"


@pytest.fixture(scope="module")
def classroom(browser):
    """A lecturer's tab leading a room on the home page, and a student's phone (touch) following it."""
    with streamlit_server(log_name="rooms-activity-server.log") as (url, _):
        lecturer_context = browser.new_context(viewport={"width": 1400, "height": 1100})
        phone_context = browser.new_context(**PHONE)
        try:
            lecturer = lecturer_context.new_page()
            lecturer.goto(url + "/?room=new")
            panel = lecturer.locator('[data-testid="stExpander"] summary:has-text("Class room")').first
            panel.wait_for(timeout=90_000)
            code = re.search(r"Class room ([A-Z]{5})", panel.inner_text()).group(1)
            phone = phone_context.new_page()
            phone.goto(f"{url}/?room={code}")  # what the QR code opens
            phone.get_by_text("Following the lecturer").first.wait_for(timeout=90_000)
            yield SimpleNamespace(url=url, code=code, lecturer=lecturer, phone=phone)
        finally:
            lecturer_context.close()
            phone_context.close()


def _start_activity(lecturer, label: str) -> None:
    """The lecturer ends the running activity, if any, and starts ``label``."""
    end = lecturer.get_by_role("button", name="End the activity")
    if end.count():
        end.click()
    lecturer.get_by_role("button", name=label).click(timeout=30_000)


def _send(phone, done: str) -> None:
    """Tap Send until the page says ``done`` (a send within 2 s of the student's last one is asked to wait)."""
    for _ in range(3):
        wait_idle(phone)
        phone.get_by_role("button", name="Send", exact=True).tap()
        said = phone.get_by_text(done).or_(phone.get_by_text("Wait a moment before sending again"))
        said.first.wait_for(timeout=30_000)
        if phone.get_by_text(done).count():
            return
        time.sleep(1.0)
    raise AssertionError(f"the phone never said {done!r}")


def _answers_on_the_map(page) -> list[dict]:
    return page.evaluate(
        "title => [...document.querySelectorAll('.js-plotly-plot')].flatMap(d => (d.data || [])"
        ".filter(t => t.name === title).map(t => ({x: Array.from(t.x), y: Array.from(t.y), colour: t.marker.color})))",
        MAP_TITLE,
    )


def test_a_drawing_made_by_touch_lands_on_the_lecturers_map(classroom):
    """The student draws a "1" with a finger on the canvas (touch events only: the phone has no mouse), says it
    is a 1 and sends it; the lecturer's map shows one answer, coloured as a 1, where the student's page says it
    landed, within a few seconds."""
    from pages.ui.colours import CLASS_COLOURS

    lecturer, phone = classroom.lecturer, classroom.phone
    _start_activity(lecturer, "Start: Where does your digit land?")
    phone.get_by_text("Which digit is it?").first.wait_for(timeout=30_000)
    canvas = phone.locator('[data-testid="stBidiComponentIsolated"] canvas').last  # fabric.js's upper canvas
    canvas.wait_for(timeout=60_000)
    wait_idle(phone)
    touch_stroke(phone, canvas, [(0.5 - 0.05 * s / 11, 0.2 + 0.6 * s / 11) for s in range(12)])
    phone.get_by_text("your drawing (original)").first.wait_for(timeout=30_000)  # the drawing became the input
    wait_idle(phone)
    phone.get_by_role("radio", name="1", exact=True).tap()
    _send(phone, "Sent. Your 1 landed")
    sent = time.time()
    z1, z2 = map(
        float, re.search(r"landed at \((\S+), (\S+)\)", phone.get_by_text("Sent. Your 1").first.inner_text()).groups()
    )

    lecturer.get_by_text(re.compile(r"Answers in round \d+: 1$")).first.wait_for(timeout=10_000)
    _until(lambda: _answers_on_the_map(lecturer), 10, "the answer on the lecturer's map")
    arrived = time.time() - sent
    (answer,) = _answers_on_the_map(lecturer)
    assert len(answer["x"]) == 1 and answer["colour"] == [CLASS_COLOURS[1]]
    assert abs(answer["x"][0] - z1) <= 0.006 and abs(answer["y"][0] - z2) <= 0.006  # the student's own point
    assert arrived <= 5, f"the answer took {arrived:.1f} s to reach the lecturer's map"
    assert phone.get_by_text(MAP_TITLE).count() == 0  # the student sees their own point, not the class's


def test_a_tapped_vote_is_counted_on_the_lecturers_page(classroom):
    """Real or fake?: the student taps "Real" on image 1 and sends; the lecturer's page counts one ballot, and
    on reveal, image 1 has one vote (every other image none)."""
    lecturer, phone = classroom.lecturer, classroom.phone
    _start_activity(lecturer, "Start: Real or fake?")
    ballots = re.compile(r"Ballots in round \d+: (\d+)$")
    lecturer.get_by_text(ballots).first.wait_for(timeout=30_000)
    assert ballots.search(lecturer.get_by_text(ballots).first.inner_text()).group(1) == "0"
    phone.get_by_text("For each image, vote whether").first.wait_for(timeout=30_000)
    wait_idle(phone)
    phone.get_by_role("radiogroup", name="#1", exact=True).get_by_role("radio", name="Real").tap()
    _send(phone, "Votes sent")
    lecturer.get_by_text(re.compile(r"Ballots in round \d+: 1$")).first.wait_for(timeout=10_000)
    lecturer.get_by_text("Show the class's votes").first.click()
    lecturer.get_by_text(re.compile(r"^#1: (real|fake) · class right (100|0)% of 1 ")).first.wait_for(timeout=15_000)
    assert lecturer.get_by_text(re.compile(r"· class right no votes of 0 ·")).count() == 7


def test_a_forged_lecturer_link_on_the_students_phone_is_refused(classroom):
    """The student opens the room's address with a made-up lecturer key on their phone: the page says the link
    is not valid, the key leaves the address bar, and the student follows: no room panel, no lecturer control."""
    phone = classroom.phone.context.new_page()
    phone.goto(f"{classroom.url}/?room={classroom.code}&lecturer=not-the-key-at-all-xxxxxxxxxxxx")
    phone.get_by_text(f"That lecturer link is not valid for room {classroom.code}").first.wait_for(timeout=90_000)
    phone.get_by_text("Following the lecturer").first.wait_for(timeout=30_000)
    wait_idle(phone)
    assert "lecturer=" not in phone.url
    assert phone.locator('[data-testid="stExpander"] summary:has-text("Class room")').count() == 0
    for control in ("Close the room", "End the activity", "New round", "Start: Real or fake?"):
        assert phone.get_by_role("button", name=control).count() == 0, control
    assert phone.get_by_text("You lead room").count() == 0


# --- the same pair through `python -m deploy --replicas 2` (HAProxy + Redis) -----------------------------------


@pytest.mark.skipif(
    (shutil.which("haproxy") is None or shutil.which("redis-server") is None) and not os.environ.get("CI"),
    reason="HAProxy and Redis are not installed (apt-get install haproxy redis-server); CI requires them",
)
def test_a_phone_on_another_replica_follows_the_lecturer_and_again_after_redis_restarts(browser, tmp_path):
    """``python -m deploy --replicas 2``: the lecturer's tab is pinned to replica 0 and the student's phone to
    replica 1 by the balancer's affinity cookie, so the room reaches the phone only through Redis. Page and slider
    are followed; Redis is killed (the launcher restarts it from its append-only file); no page shows a traceback,
    and the next slider move and section change reach the phone again."""
    from bench.class_server import deployed, wait_for
    from deploy.haproxy import COOKIE

    with deployed(2, tmp_path) as server:
        contexts = [
            browser.new_context(viewport={"width": 1400, "height": 1100}),
            browser.new_context(**PHONE),
        ]
        try:
            for replica, context in enumerate(contexts):
                context.add_cookies([{"name": COOKIE, "value": f"r{replica}", "url": server.url}])
            lecturer, phone = (context.new_page() for context in contexts)
            lecturer.goto(server.url + "/Denoising?room=new")
            panel = lecturer.locator('[data-testid="stExpander"] summary:has-text("Class room")').first
            panel.wait_for(timeout=90_000)
            code = re.search(r"Class room ([A-Z]{5})", panel.inner_text()).group(1)
            lecturer.locator('[data-testid="stSlider"]:has-text("Noise level")').first.wait_for(timeout=60_000)
            wait_idle(lecturer)

            phone.goto(f"{server.url}/?room={code}")
            phone.get_by_text("Following the lecturer").first.wait_for(timeout=90_000)
            _url_has(phone, "/Denoising", 30, "the phone on replica 1 switched to the lecturer's page")

            def move_and_follow(what: str) -> None:
                before = _slider_value(lecturer, "Noise level")
                _slider(lecturer, "Noise level").focus()
                lecturer.keyboard.press("ArrowRight")
                _until(lambda: _slider_value(lecturer, "Noise level") != before, 10, "the lecturer's slider moved")
                wait_idle(lecturer)
                moved = _slider_value(lecturer, "Noise level")
                _until(lambda: _slider_value(phone, "Noise level") == moved, 20, f"{what}: the phone's slider {moved}")

            phone.locator('[data-testid="stSlider"]:has-text("Noise level")').first.wait_for(timeout=60_000)
            move_and_follow("one Redis")
            open_tab(lecturer, "PSNR curve")
            _url_has(phone, "section=curve", 20, "the phone opened the lecturer's section")

            status = server.status()
            os.kill(status["redis"]["pid"], signal.SIGKILL)
            wait_for(lambda: server.status()["redis"]["restarts"] >= 1, 30, "Redis was not restarted")
            open_tab(lecturer, "Denoise an image")
            try:
                _url_has(phone, "section=one", 30, "after the restart: the phone opened the section")
            except AssertionError as err:  # which side lost it: the lecturer's write, or the phone's following
                said = phone.locator('[data-testid="stMain"]').inner_text()[:300]
                phone.screenshot(path=OUTPUT / "rooms-replicas-phone.png", full_page=True)
                raise AssertionError(
                    f"{err}; the room in Redis: {_room_in_redis(tmp_path, code)}; the phone ({phone.url}) said: {said}"
                ) from None
            lecturer.locator('[data-testid="stSlider"]:has-text("Noise level")').first.wait_for(timeout=60_000)
            phone.locator('[data-testid="stSlider"]:has-text("Noise level")').first.wait_for(timeout=60_000)
            move_and_follow("after the restart")
            assert phone.get_by_text("Following the lecturer").count() >= 1
            for page in (lecturer, phone):
                assert page.locator('[data-testid="stException"]').count() == 0
            pinned = [{c["name"]: c["value"] for c in context.cookies()}.get(COOKIE) for context in contexts]
            assert pinned == ["r0", "r1"]  # the balancer kept each on its replica (it rewrites the cookie if not)
        finally:
            for context in contexts:
                context.close()


def _room_in_redis(log_dir, code: str) -> str:
    from models.rooms.redis_store import RedisRoomStore

    conf = (log_dir / "redis" / "redis.conf").read_text()
    password = next(line.split()[1] for line in conf.splitlines() if line.startswith("requirepass "))
    port = next(line.split()[1] for line in conf.splitlines() if line.startswith("port "))
    room = RedisRoomStore(f"redis://:{password}@127.0.0.1:{port}/0").get(code)
    return f"version {room.version}, page {room.state.get('page')}, section {room.state.get('section')}"
