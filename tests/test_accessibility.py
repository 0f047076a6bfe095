"""Accessibility in Chromium: axe-core finds no critical or serious violation on any page or section tab, each
tab in one of English and Korean, normal and lecture mode (AAA contrast there) in turn (the benchmark's audit
does every tab in every combination), Watch it learn's sections while a model
trains included, and a class room from the lecturer's tab and a student's phone (banner, room panel, both
activities); ``<html lang>`` follows the language.

Without Chromium these are skipped, except in CI, like the other browser tests. Every picture's alternative
text is also checked without a browser (AppTest), and the pad's keyboard use in ``test_latent_play.py``.
"""

from __future__ import annotations

import os

import pytest

from bench.a11y_audit import (
    LIVE_PAGE,
    LIVE_PICTURES,
    ROOM_MODES,
    ROOM_VIEWS,
    SHAPES_QUERY,
    SHAPES_SECTIONS,
    NoLivePicture,
    View,
    audit_room,
    audit_view,
    sections,
    views,
)
from bench.harness import OUTPUT, chromium_available, streamlit_server, wait_idle
from tests.test_app import open_page

browser_only = pytest.mark.skipif(
    not chromium_available() and not os.environ.get("CI"),
    reason="Chromium is not installed (apt-get install chromium); CI requires it",
)
PAGES = ["home", "rec", "dn", "ls", "bv", "gan", "why"]


@pytest.fixture(scope="module")
def app_url():
    with streamlit_server(log_name="a11y-server.log") as (url, _):
        yield url


def test_the_audit_covers_every_section_in_both_languages_and_both_modes():
    covered = {(v.page, v.section, v.lang, v.lecture) for v in views()}
    assert set(LIVE_PICTURES) == set(sections(LIVE_PAGE))
    for page in [*PAGES, LIVE_PAGE]:
        assert sections(page) or page == "home"
        for name in sections(page) or [None]:
            assert {(page, name, lang, mode) for lang, mode in (("en", False), ("ko", True))} <= covered
        assert {lang for (p, _, lang, _) in covered if p == page} == {"en", "ko"}
        assert {mode for (p, _, _, mode) in covered if p == page} == {False, True}
    shapes = {(v.section, v.lang, v.lecture) for v in views() if v.dataset == SHAPES_QUERY}
    assert {
        (name, lang, mode) for name in sections(SHAPES_SECTIONS) for lang, mode in (("en", False), ("ko", True))
    } <= shapes


COMBINATIONS = [("en", False), ("ko", True), ("ko", False), ("en", True)]


def sampled(page: str) -> list[View]:
    """Each of the page's views (a section, or the shapes' sections) once, the four language × mode combinations
    taken in turn: every section and every combination is audited here, and every section in every combination
    by ``python -m bench.a11y_audit`` (BENCHMARKS.md), in half the suite's time."""
    seen: dict[tuple, View] = {}
    for view in (v for v in views() if v.page == page):
        seen.setdefault((view.section, view.dataset), view)
    return [
        View(v.page, v.section, *COMBINATIONS[i % len(COMBINATIONS)], v.dataset) for i, v in enumerate(seen.values())
    ]


def test_the_test_samples_every_section_and_every_combination():
    for page in [*PAGES, LIVE_PAGE]:
        chosen = sampled(page)
        assert {(v.section, v.dataset) for v in chosen} == {(v.section, v.dataset) for v in views() if v.page == page}
        if len(chosen) >= len(COMBINATIONS):
            assert {(v.lang, v.lecture) for v in chosen} == set(COMBINATIONS)


@browser_only
@pytest.mark.parametrize("page", PAGES)
def test_no_critical_or_serious_axe_violation(page, app_url, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    try:
        failures = []
        for view in sampled(page):
            row = audit_view(tab, app_url, view)
            if row["critical"] or row["serious"]:
                failures.append((view, row["details"]))
        assert not failures, failures
    finally:
        context.close()


@browser_only
def test_no_critical_or_serious_axe_violation_while_a_model_trains_live(browser):
    """Watch it learn, every section (the combinations in turn), each with a model trained and paused on it (a
    server of its own: its trainers are not shared with the other pages' audit)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    try:
        with streamlit_server(log_name="a11y-learn-server.log") as (url, _):
            try:
                rows = [audit_view(tab, url, v) for v in sampled(LIVE_PAGE)]
            except NoLivePicture:
                print((OUTPUT / "a11y-learn-server.log").read_text()[-6000:])  # the trainers' side, in the report
                raise
        assert len(rows) == len(sections(LIVE_PAGE))
        failures = [(row["section"], row["lang"], row["details"]) for row in rows if row["critical"] or row["serious"]]
        assert not failures, failures
    finally:
        context.close()


@browser_only
def test_no_critical_or_serious_axe_violation_in_a_class_room(app_url, browser):
    """A room run as a class would (bench/a11y_audit.py's audit_room): the lecturer's room panel (QR code, join
    text, activity controls), the student's banner following and exploring (on a phone), and both activities
    from each side: a touch-drawn digit sent and its map, the lecturer's map revealed with an answer picked, a
    Real or fake? ballot sent and revealed. Here in Korean lecture mode (AAA contrast, the longer words), ~35 s;
    ``python -m bench.a11y_audit --rooms`` (and BENCHMARKS.md) audits English normal mode too."""
    lang, lecture = ROOM_MODES[-1]
    rows = audit_room(browser, app_url, lang, lecture)
    assert [row["section"] for row in rows] == list(ROOM_VIEWS)
    failures = [(row["section"], row["details"]) for row in rows if row["critical"] or row["serious"]]
    assert not failures, failures


@browser_only
def test_axe_does_flag_a_picture_without_alternative_text(app_url, page):
    """The audit can fail: strip one picture's alt text and axe reports it as critical."""
    from bench.a11y_audit import run_axe

    page.goto(View("rec", "compare", "en", False).url(app_url))
    page.wait_for_selector('[data-testid="stImageContainer"] img', timeout=90_000)
    wait_idle(page)
    page.evaluate("() => document.querySelector('[data-testid=\"stImageContainer\"] img').removeAttribute('alt')")
    assert any(v["id"] == "image-alt" and v["impact"] == "critical" for v in run_axe(page, False))


@browser_only
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_html_lang_follows_the_chosen_language(lang, app_url, page):
    page.goto(f"{app_url}/Latent_space?lang={lang}")
    page.wait_for_selector("h1", timeout=90_000)
    wait_idle(page)
    page.wait_for_function(f"() => document.documentElement.lang === '{lang}'", timeout=10_000)


@pytest.mark.parametrize(
    "page, state",
    [
        ("reconstruction", {}),
        ("denoising", {}),
        ("latent_space", {"ls-tab-name": "manifold"}),
        ("beta_vae", {}),
        ("gan", {}),
        ("gan", {"gan-tab-name": "cyclegan"}),
        ("gan", {"gan-tab-name": "pix2pix"}),
        ("reconstruction", {"rec-tab-name": "layerwise"}),
        ("reconstruction", {"rec-tab-name": "overcomplete"}),
    ],
)
def test_every_picture_has_alternative_text_in_the_chosen_language(page, state):
    for lang in ("en", "ko"):
        at = open_page(page, lang=lang, **state)
        from pages.ui.i18n import LANGUAGE_KEY

        at.session_state[LANGUAGE_KEY] = lang
        at.run()
        pictures = [img for el in at.get("image") for img in el.proto.imgs]
        assert pictures, "no picture drawn"
        for img in pictures:
            assert img.HasField("alt") and len(img.alt) > 12, (page, lang, img.caption)
        if lang == "ko":
            assert any(any("\uac00" <= ch <= "\ud7a3" for ch in img.alt) for img in pictures)
