"""Accessibility audit: axe-core (``axe-playwright-python``) on every page and section tab of the running app.

``audit(page, url, views)`` opens each view by its URL (page path, ``?section=…&lang=…&lecture=…``), waits
until the script has finished (on Watch it learn, whose fragment redraws a few times a second: until a model
has trained and been paused, so its pictures, curves and controls are on the page), runs axe's WCAG 2.1 A/AA
rules (and, in lecture mode, AAA contrast) and returns one row per view with the violations counted by impact.
``audit_room`` runs a class room (a lecturer's tab and a student's phone) and returns a row (page ``room``) per
step: the room panel, the banner, and each activity from each side. ``python -m bench.a11y_audit`` prints the
table that BENCHMARKS.md carries, the room's rows included (``--rooms``: those alone).
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from bench.harness import PHONE, touch_stroke, wait_idle
from pages.ui.frame import URL_PATHS
from pages.ui.i18n import catalogue

IMPACTS = ("critical", "serious", "moderate", "minor")
RULE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
LIVE_PAGE = "learn"
SHAPES_SECTIONS, SHAPES_QUERY = "bvs", "Shapes"  # catalogue prefix of its tabs; its ?dataset= value
LIVE_PICTURES = {"latent": "alt.learn_map", "points": "alt.learn_points", "images": "alt.learn_samples"}


@dataclass(frozen=True)
class View:
    page: str  # catalogue section of the page: home, rec, dn, ls, bv, gan, why
    section: str | None  # a section tab's name, None for the page's first
    lang: str
    lecture: bool
    dataset: str | None = None  # a dataset whose sections differ (the β-VAE page on the shapes)

    def url(self, base: str) -> str:
        query = [f"lang={self.lang}"] + (["lecture=true"] if self.lecture else [])
        query += [f"dataset={self.dataset}"] if self.dataset else []
        query += [f"section={self.section}"] if self.section else []
        return f"{base}/{URL_PATHS[self.page]}?" + "&".join(query)


def sections(page: str) -> list[str]:
    """A page's section names, from its tab labels in the catalogue (``rec.tab_pca`` → ``pca``)."""
    prefix = f"{page}.tab_"
    return [key.removeprefix(prefix) for key in catalogue("en") if key.startswith(prefix)]


def views() -> list[View]:
    """Every section of every page in English and in Korean lecture mode, and every page's first section in
    the other two combinations: every section in both languages and both modes."""
    out = []
    for page in URL_PATHS:
        names = sections(page) or [None]
        out += [View(page, name, "en", False) for name in names]
        out += [View(page, name, "ko", True) for name in names]
        out += [View(page, names[0], "ko", False), View(page, names[0], "en", True)]
    for name in sections(SHAPES_SECTIONS):  # the β-VAE page on the shapes draws sections of its own
        out += [View("bv", name, lang, mode, SHAPES_QUERY) for lang, mode in (("en", False), ("ko", True))]
    return out


def run_axe(browser_page, lecture: bool) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe

    tags = RULE_TAGS + (["wcag2aaa"] if lecture else [])
    result = Axe().run(browser_page, options={"runOnly": {"type": "tag", "values": tags}})
    violations = result.response["violations"]
    if not lecture:  # AAA contrast (7:1) is lecture mode's promise; the normal theme promises AA (4.5:1)
        violations = [v for v in violations if v["id"] != "color-contrast-enhanced"]
    return violations


class NoLivePicture(AssertionError):
    """Train was pressed and no snapshot was drawn: what the page said instead is in the message."""


def train_and_pause(browser_page, view: View, wait_ms: int = 90_000) -> None:
    """Watch it learn with a model on it: Train, its first picture, Pause, the paused snapshot drawn.

    Train is pressed once, after the page says its trainer is ready: a click made while the page's first run was
    still drawing the buttons landed on a button about to be replaced, and was lost (docs/DECISIONS.md). If no
    picture comes, the page's own words are the failure's message (queue, warm-up or a trainer's error)."""
    words = catalogue(view.lang)
    alt = words[LIVE_PICTURES[view.section or next(iter(LIVE_PICTURES))]].split("{")[0]
    picture = browser_page.locator(f'img[alt^="{alt}"]').first
    browser_page.get_by_text(words["learn.status_ready"].replace("**", "")).first.wait_for(timeout=wait_ms)
    wait_idle(browser_page)
    browser_page.get_by_role("button", name=words["learn.train"], exact=True).click(timeout=60_000)
    try:
        picture.wait_for(state="visible", timeout=wait_ms)
    except PlaywrightTimeout:
        said = browser_page.locator('[data-testid="stMain"]').inner_text(timeout=5_000)
        raise NoLivePicture(f"{view}: no picture after Train; the page said:\n{said[-2000:]}") from None
    browser_page.get_by_role("button", name=words["learn.pause"], exact=True).click()
    # The progress line's bold state word (the Pause button says the same in Korean, but not in bold); attached is
    # enough: lecture mode may fold the line away.
    paused = re.compile(f"^{re.escape(words['learn.state_paused'])}$")
    browser_page.locator("strong").filter(has_text=paused).first.wait_for(state="attached", timeout=wait_ms)


def audit_view(browser_page, base: str, view: View) -> dict:
    browser_page.goto(view.url(base))
    browser_page.wait_for_selector("h1", timeout=90_000)
    if view.page == LIVE_PAGE:
        train_and_pause(browser_page, view)
    else:
        wait_idle(browser_page)
        browser_page.wait_for_timeout(300)  # the last element's paint after the script finished
    return _row(view, run_axe(browser_page, view.lecture))


def _row(view: View, violations: list[dict]) -> dict:
    row = {"page": view.page, "section": view.section or "", "lang": view.lang, "lecture": view.lecture}
    for impact in IMPACTS:
        row[impact] = sum(len(v["nodes"]) for v in violations if v["impact"] == impact)
    row["rules"] = sorted({f"{v['id']} ({v['impact']})" for v in violations})
    row["details"] = [
        {"rule": v["id"], "impact": v["impact"], "targets": [n["target"] for n in v["nodes"][:3]]} for v in violations
    ]
    return row


def audit(browser_page, base: str, which: list[View] | None = None) -> list[dict]:
    return [audit_view(browser_page, base, view) for view in (which or views())]


# --- a class room: the lecturer's tab and a student's phone, each side of each activity --------------------------

ROOM_PAGE = "room"
ROOM_MODES = (("en", False), ("ko", True))
ROOM_VIEWS = (  # in the order the audit reaches them; "-lecturer"/"-student" say whose tab
    "panel-lecturer",  # the room panel: QR code, join text, activity controls
    "following-student",  # the banner with Explore on my own
    "exploring-student",  # the banner with Back to the lecturer
    "landing-student",  # Where does your digit land?: canvas, digit, sent, own map
    "landing-lecturer",  # the class's map, revealed drawings, one answer picked with its decode
    "realfake-student",  # Real or fake?: the images and the votes, sent
    "realfake-lecturer",  # the ballots revealed beside the discriminator
)


def _pattern(words: dict, key: str, **values: object) -> re.Pattern:
    """A catalogue message as a regular expression: the given placeholders filled in, the others any text."""
    out = ""
    for part in re.split(r"(\{[^}]*\})", words[key].replace("**", "")):
        name = part[1:-1].split(":")[0] if part.startswith("{") else None
        out += re.escape(part) if name is None else re.escape(str(values[name])) if name in values else ".+?"
    return re.compile(out)


class RoomAuditFailed(AssertionError):
    """A step of the room's audit did not happen: the step, and what both pages said, are in the message."""


def _main_text(tab) -> str:
    try:
        return tab.locator('[data-testid="stMain"]').inner_text(timeout=5_000)[-1500:]
    except Exception as err:  # a closed or crashed page: say so instead
        return f"(unreadable: {err})"


def _pick_first(tab, label: str, tries: int = 5) -> None:
    """Pick a select box's first option: its list may close under a fragment's rerun (the lecturer's map redraws
    once a second), so open it again until the pick is made."""
    for _ in range(tries):
        tab.get_by_role("combobox", name=label).click()
        try:
            tab.get_by_role("option").first.click(timeout=3_000)
            return
        except PlaywrightTimeout:
            continue
    raise AssertionError(f"could not pick an option of {label!r}")


def audit_room(browser, base: str, lang: str, lecture: bool) -> list[dict]:
    """One room, run as a class would: the lecturer opens it, a student's phone joins, explores and comes back,
    draws a digit by touch and sends it, votes in Real or fake?; the lecturer reveals each round and picks an
    answer. axe runs on each side at each step (``ROOM_VIEWS``); a row per step, as ``audit_view``'s."""
    words, query = catalogue(lang), f"lang={lang}" + ("&lecture=true" if lecture else "")
    rows: list[dict] = []

    def check(tab, name: str) -> None:
        wait_idle(tab)
        tab.wait_for_timeout(300)  # the last element's paint after the script finished
        rows.append(_row(View(ROOM_PAGE, name, lang, lecture), run_axe(tab, lecture)))

    def see(tab, key: str, **values: object) -> None:
        tab.get_by_text(_pattern(words, key, **values)).first.wait_for(timeout=60_000)

    lecturer_context = browser.new_context(viewport={"width": 1400, "height": 1000})
    phone_context = browser.new_context(**PHONE)
    lecturer, phone = lecturer_context.new_page(), phone_context.new_page()
    try:
        lecturer.goto(f"{base}/?room=new&{query}")
        lecturer.get_by_role("img", name=_pattern(words, "rooms.qr_alt")).wait_for(timeout=90_000)
        lecturer.wait_for_url(re.compile(r"room=[A-Z]{5}"), timeout=30_000)
        code = re.search(r"room=([A-Z]{5})", lecturer.url).group(1)
        check(lecturer, "panel-lecturer")

        phone.goto(f"{base}/?room={code}&{query}")
        see(phone, "rooms.following", code=code)
        check(phone, "following-student")
        phone.get_by_role("button", name=words["rooms.explore"]).tap()
        see(phone, "rooms.exploring", code=code)
        check(phone, "exploring-student")
        phone.get_by_role("button", name=words["rooms.back"]).tap()
        see(phone, "rooms.following", code=code)

        lecturer.get_by_role("button", name=words["activity.start_landing"]).click()
        see(phone, "activity.which_digit")
        canvas = phone.locator('[data-testid="stBidiComponentIsolated"] canvas').last  # fabric.js's upper canvas
        canvas.wait_for(timeout=60_000)
        wait_idle(phone)
        touch_stroke(phone, canvas, [(0.5 - 0.05 * s / 11, 0.2 + 0.6 * s / 11) for s in range(12)])  # a "1"
        see(phone, "input.original", what=words["input.your_drawing"])
        wait_idle(phone)
        phone.get_by_role("radio", name="1", exact=True).tap()
        wait_idle(phone)
        phone.get_by_role("button", name=words["activity.send"], exact=True).tap()
        see(phone, "activity.sent", digit=1)
        check(phone, "landing-student")
        see(lecturer, "activity.answers_count", count=1)
        lecturer.get_by_text(words["activity.reveal"]).click()
        see(lecturer, "activity.answer_label", number=1, digit=1)  # the revealed drawing's caption
        _pick_first(lecturer, words["activity.pick"])
        see(lecturer, "activity.decode_caption")
        check(lecturer, "landing-lecturer")

        lecturer.get_by_role("button", name=words["activity.end"]).click()
        lecturer.get_by_role("button", name=words["activity.start_realfake"]).click()
        see(phone, "activity.realfake_help")
        wait_idle(phone)
        phone.get_by_role("radiogroup", name="#1", exact=True).get_by_role("radio", name=words["activity.real"]).tap()
        wait_idle(phone)
        phone.get_by_role("button", name=words["activity.send"], exact=True).tap()
        see(phone, "activity.votes_sent")
        check(phone, "realfake-student")
        see(lecturer, "activity.votes_count", count=1)
        lecturer.get_by_text(words["activity.reveal_votes"]).click()
        see(lecturer, "activity.verdict", number=1, count=1)
        check(lecturer, "realfake-lecturer")
    except Exception as err:  # which step, and what each side's page said then, in the failure's message
        done = rows[-1]["section"] if rows else "the start"
        said = {side: _main_text(tab) for side, tab in (("lecturer", lecturer), ("student", phone))}
        raise RoomAuditFailed(f"{lang}, lecture={lecture}: stopped after {done}: {err}\n{said}") from err
    finally:
        lecturer_context.close()
        phone_context.close()
    return rows


def main(argv: list[str] | None = None) -> int:
    """Every view, then the class room's rows; ``--rooms``: the class room's rows only."""
    from bench.harness import chromium_browser, streamlit_server

    rooms_only = "--rooms" in (sys.argv[1:] if argv is None else argv)
    with streamlit_server(log_name="a11y-server.log") as (url, _), chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        rows = [] if rooms_only else audit(page, url)
        rows += [row for lang, lecture in ROOM_MODES for row in audit_room(browser, url, lang, lecture)]
    print(json.dumps(rows, indent=1, ensure_ascii=False))
    return 0 if all(r["critical"] == r["serious"] == 0 for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
