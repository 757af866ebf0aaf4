"""Browser phases: cold open, warm reload and the first click with prestart, timed until the
Explorer lists the folder, in headless Chromium; and the asset paths of one workbench load."""

from __future__ import annotations

import argparse
import time
from typing import Any

from jupyter_vscode.config import VSCode

from ..harness import CHROMIUM_ARGS, MARKER, TOKEN, Bench, Direct, Jupyter, find_chromium, log

#: Prestart click: how long code-server has been answering when the browser opens it.
LEAD_SECONDS = 1.0
EXPLORER_ROW = f'.explorer-folders-view .monaco-list-row:has-text("{MARKER}")'


def open_timed(ctx: Any, url: str, page: Any = None) -> tuple[Any, float]:
    """Navigate (a new page, or `page` again) and time until the Explorer lists the root."""
    if page is None:
        page = ctx.new_page()
    t0 = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.wait_for_selector(EXPLORER_ROW, timeout=120_000)
    return page, time.perf_counter() - t0


def run(bench: Bench, args: argparse.Namespace, results: dict[str, Any]) -> None:
    from playwright.sync_api import sync_playwright

    phases = args.only
    ext_url_of = lambda jp: jp.url("vscode/") + f"?token={TOKEN}"  # noqa: E731
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=find_chromium() or "chromium", args=CHROMIUM_ARGS
        )
        viewport = {"width": 1280, "height": 800}

        jp = Jupyter(bench, "jupyter-ext").wait_ready()
        direct = Direct(bench, "direct")
        try:
            # Warm-up: both user-data dirs initialised, disk caches hot, nothing measured.
            log("warm-up: one load each")
            jp.start_vscode()
            ctx = browser.new_context(viewport=viewport)
            open_timed(ctx, ext_url_of(jp))
            ctx.close()
            direct.start()
            ctx = browser.new_context(viewport=viewport)
            open_timed(ctx, direct.url())
            ctx.close()
            if "assets" in phases:
                results["asset_paths"] = record_asset_paths(browser, direct)

            if "cold" in phases:
                cold: dict[str, list[float]] = {"ext": [], "direct": []}
                for i in range(args.cold_reps):
                    for side in ("ext", "direct") if i % 2 == 0 else ("direct", "ext"):
                        if side == "ext":
                            jp.stop_vscode()
                            time.sleep(0.5)
                            ctx = browser.new_context(viewport=viewport)
                            _, dt = open_timed(ctx, ext_url_of(jp))
                        else:
                            direct.stop()
                            time.sleep(0.5)
                            ctx = browser.new_context(viewport=viewport)
                            page = ctx.new_page()
                            t0 = time.perf_counter()
                            direct.start()
                            page.goto(direct.url(), wait_until="commit")
                            page.wait_for_selector(EXPLORER_ROW, timeout=120_000)
                            dt = time.perf_counter() - t0
                        ctx.close()
                        cold[side].append(dt)
                        log(f"cold open {side}: {dt:.3f}s")
                results["cold"] = cold

            if "warm" in phases:
                if not direct.proc:
                    direct.start()
                if jp.vscode_state() != "running":
                    jp.start_vscode()
                warm: dict[str, list[float]] = {"ext": [], "direct": []}
                # One tab per side, its HTTP cache filled by a first load. Between loads a tab
                # rests on about:blank: a workbench keeps working for seconds after it shows
                # (extension host, git), and that must not slow the other side's load down.
                urls = {"ext": ext_url_of(jp), "direct": direct.url()}
                pages = {}
                ctxs = []
                for side, url in urls.items():
                    ctx = browser.new_context(viewport=viewport)
                    ctxs.append(ctx)
                    pages[side], _ = open_timed(ctx, url)
                    pages[side].goto("about:blank")
                for i in range(args.warm_reps):
                    for side in ("ext", "direct") if i % 2 == 0 else ("direct", "ext"):
                        time.sleep(1.0)
                        _, dt = open_timed(None, urls[side], pages[side])
                        pages[side].goto("about:blank")
                        warm[side].append(dt)
                        log(f"warm reload {side}: {dt:.3f}s")
                for ctx in ctxs:
                    ctx.close()
                results["warm"] = warm
        finally:
            jp.stop()
            direct.stop()

        if "prestart" in phases:
            if "prestart" not in VSCode.class_trait_names(config=True):
                log("prestart: c.VSCode.prestart does not exist in this checkout, skipped")
            else:
                results["prestart"] = prestart_phase(bench, args, browser, viewport, ext_url_of)
        browser.close()


def prestart_phase(
    bench: Bench, args: argparse.Namespace, browser: Any, viewport: Any, ext_url_of: Any
) -> dict[str, list[float]]:
    """The first click on a Jupyter started with c.VSCode.prestart, against the same code-server
    started by hand the same time before the browser opens it ("direct") and against one that
    has been up and serving for minutes ("direct_up", a stricter reference: code-server keeps
    some of a first page's work in memory)."""
    pre: dict[str, list[float]] = {"ext": [], "direct": [], "direct_up": []}
    up = Direct(bench, "direct-up")
    up.start()
    ctx = browser.new_context(viewport=viewport)
    open_timed(ctx, up.url())  # its first page: from now on it is "up and serving"
    ctx.close()
    sides = ["ext", "direct", "direct_up"]
    try:
        for i in range(args.prestart_reps):
            for side in sides[i % 3 :] + sides[: i % 3]:
                ctx = browser.new_context(viewport=viewport)
                if side == "ext":
                    jp = Jupyter(bench, "jupyter-ext", options={"prestart": True})
                    try:
                        jp.wait_ready()
                        if not jp.wait_running():
                            raise RuntimeError("prestart did not start code-server")
                        time.sleep(LEAD_SECONDS)
                        _, dt = open_timed(ctx, ext_url_of(jp))
                    finally:
                        ctx.close()
                        jp.stop()
                elif side == "direct":
                    fresh = Direct(bench, "direct")
                    try:
                        fresh.start()
                        time.sleep(LEAD_SECONDS)
                        _, dt = open_timed(ctx, fresh.url())
                    finally:
                        ctx.close()
                        fresh.stop()
                else:
                    time.sleep(LEAD_SECONDS)
                    _, dt = open_timed(ctx, up.url())
                    ctx.close()
                pre[side].append(dt)
                log(f"prestart click {side}: {dt:.3f}s")
    finally:
        up.stop()
    return pre


def record_asset_paths(browser: Any, direct: Direct) -> list[str]:
    """The same-origin GETs of one workbench load (direct), as paths relative to its root."""
    ctx = browser.new_context()
    page = ctx.new_page()
    seen: list[str] = []
    prefix = direct.url()

    def on_response(resp: Any) -> None:
        req = resp.request
        if req.method == "GET" and resp.status == 200 and resp.url.startswith(prefix):
            rel = resp.url[len(prefix) :]
            if (
                rel
                and rel not in seen
                and req.resource_type
                in ("script", "stylesheet", "font", "image", "fetch", "document")
            ):
                seen.append(rel)

    page.on("response", on_response)
    open_timed(ctx, direct.url(), page)
    page.wait_for_timeout(1500)
    ctx.close()
    return seen
