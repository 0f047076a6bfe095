"""Classroom load: N headless-browser sessions at once, each making M slider interactions against one
real server on 127.0.0.1. Bounded in count and time; stops the server itself.

``python -m tests.load_test --sessions 30 --interactions 30``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

import numpy as np

from tests.harness import CHROMIUM, CHROMIUM_ARGS, rss_mb, streamlit_server

PAGE = "/Latent_space"
STEP = 0.05                       # the z₁ slider's step
TIME_LIMIT_S = 900


async def _session(browser, url: str, interactions: int, latencies: list, errors: list) -> None:
    context = await browser.new_context(viewport={"width": 1200, "height": 900})
    try:
        page = await context.new_page()
        await page.goto(url + PAGE, timeout=300_000)
        await page.wait_for_selector('text=decoded at (0.00, 0.00)', timeout=300_000)
        thumb = page.locator('[data-testid="stSlider"]:has-text("z₁") input[type="range"]').first
        for i in range(1, interactions + 1):
            await thumb.focus()
            start = time.perf_counter()
            await page.keyboard.press("ArrowRight")
            try:
                await page.wait_for_selector(f"text=decoded at ({i * STEP:.2f}, 0.00)", timeout=120_000)
                latencies.append((time.perf_counter() - start) * 1000)
            except Exception as err:  # a timeout is the error we count
                errors.append(f"interaction {i}: {type(err).__name__}")
            if await page.locator('[data-testid="stException"]').count():
                errors.append(f"interaction {i}: exception shown")
    except Exception as err:
        errors.append(f"session: {type(err).__name__}: {str(err)[:120]}")
    finally:
        await context.close()


async def _drive(url: str, sessions: int, interactions: int) -> tuple[list, list]:
    from playwright.async_api import async_playwright
    latencies, errors = [], []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            await asyncio.wait_for(asyncio.gather(*[_session(browser, url, interactions, latencies, errors)
                                                    for _ in range(sessions)]), timeout=TIME_LIMIT_S)
        except asyncio.TimeoutError:
            errors.append(f"load test stopped at its {TIME_LIMIT_S} s limit")
        finally:
            await browser.close()
    return latencies, errors


def run_load_test(sessions: int = 30, interactions: int = 30) -> dict:
    with streamlit_server(log_name="load-server.log") as (url, proc):
        rss_before = rss_mb(proc.pid)
        start = time.perf_counter()
        latencies, errors = asyncio.run(_drive(url, sessions, interactions))
        wall = time.perf_counter() - start
        rss_after = rss_mb(proc.pid)
    lat = np.asarray(latencies) if latencies else np.asarray([np.nan])
    return {"sessions": sessions, "interactions": interactions, "completed": len(latencies),
            "errors": len(errors), "error_samples": errors[:5], "p50_ms": float(np.median(lat)),
            "p95_ms": float(np.percentile(lat, 95)), "rss_before_mb": rss_before, "rss_after_mb": rss_after,
            "wall_s": wall}


def main() -> int:
    p = argparse.ArgumentParser(prog="python -m tests.load_test", description=__doc__)
    p.add_argument("--sessions", type=int, default=30)
    p.add_argument("--interactions", type=int, default=30)
    args = p.parse_args()
    result = run_load_test(args.sessions, args.interactions)
    print(json.dumps(result, indent=2))
    return 0 if result["errors"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
