"""Accessibility audit: axe-core (``axe-playwright-python``) on every page and section tab of the running app.

``audit(page, url, views)`` opens each view by its URL (page path, ``?section=…&lang=…&lecture=…``), waits
until the script has finished (on Watch it learn, whose fragment redraws a few times a second: until a model
has trained and been paused, so its pictures, curves and controls are on the page), runs axe's WCAG 2.1 A/AA
rules (and, in lecture mode, AAA contrast) and returns one row per view with the violations counted by impact.
``python -m bench.a11y_audit`` prints the table that BENCHMARKS.md carries.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from bench.harness import wait_idle
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
    violations = run_axe(browser_page, view.lecture)
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


def main() -> int:
    from bench.harness import chromium_browser, streamlit_server

    with streamlit_server(log_name="a11y-server.log") as (url, _), chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        rows = audit(page, url)
    print(json.dumps(rows, indent=1, ensure_ascii=False))
    return 0 if all(r["critical"] == r["serious"] == 0 for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
