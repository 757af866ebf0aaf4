"""The benchmark's table: one row a metric, jupyter-vscode against direct, with its target
from TARGETS; and the pooling of several runs (--merge)."""

from __future__ import annotations

import random
from typing import Any

from .harness import BURST, median

#: Every target the benchmark checks, in one place (the README's performance table states them).
TARGETS: dict[str, float] = {
    "cold": 1.05,  # cold open, ratio of medians to direct
    "warm": 1.03,  # warm reload, ratio
    "prestart": 1.03,  # first click with c.VSCode.prestart, ratio to direct started as long before
    "ws_p50_added_ms": 0.3,  # websocket round trip p50, ms added
    "ready_lag_ms": 50,  # readiness seen after the socket answers, ms at the most
    "rss_added_mib": 15,  # RSS added to Jupyter, idle and after serving the workbench
}


def fmt(x: float, unit: str = "s") -> str:
    if x != x:
        return "n/a"
    if unit == "s":
        return f"{x:.3f} s"
    if unit == "ms":
        return f"{x:.3f} ms"
    if unit == "MiB":
        return f"{x:.1f} MiB"
    if unit == "MiB/s":
        return f"{x:.0f} MiB/s"
    if unit == "%":
        return f"{x:.2f} %"
    return f"{x:g} {unit}"


def ratio_interval(xs: list[float], ys: list[float], n: int = 2000) -> tuple[float, float]:
    """95 % bootstrap interval of median(xs) / median(ys): how much the ratio can be trusted."""
    rng = random.Random(0)
    rs = sorted(
        median(rng.choices(xs, k=len(xs))) / median(rng.choices(ys, k=len(ys))) for _ in range(n)
    )
    return rs[int(0.025 * n)], rs[int(0.975 * n) - 1]


def report(results: dict[str, Any]) -> str:
    rows: list[tuple[str, str, str, str, str]] = []

    def ratio_row(name: str, key: str, target: float | None, ref: str = "direct") -> None:
        if key not in results or not results[key].get(ref):
            return
        xs, ys = results[key]["ext"], results[key][ref]
        a, b = median(xs), median(ys)
        r = a / b if b else float("nan")
        lo, hi = ratio_interval(xs, ys)
        verdict = f"≤ {target}× {'✓' if r <= target else '✗'}" if target else ""
        rows.append(
            (
                f"{name} (median of {len(xs)})",
                fmt(a),
                fmt(b),
                f"{r:.3f}× ({lo:.2f}–{hi:.2f})",
                verdict,
            )
        )

    ratio_row("cold open", "cold", TARGETS["cold"])
    ratio_row("warm reload", "warm", TARGETS["warm"])
    ratio_row(
        "click with prestart (vs direct started as long before)", "prestart", TARGETS["prestart"]
    )
    ratio_row(
        "click with prestart (vs direct up and serving for minutes)", "prestart", None, "direct_up"
    )

    def medians(key: str, field: str) -> tuple[float, float]:
        runs = results[key]
        return median([r[field] for r in runs["ext"]]), median([r[field] for r in runs["direct"]])

    if "ws" in results:
        a, b = medians("ws", "p50_ms")
        limit = TARGETS["ws_p50_added_ms"]
        verdict = f"≤ +{limit} ms {'✓' if a - b <= limit else '✗'}"
        rows.append(
            ("websocket round trip p50", fmt(a, "ms"), fmt(b, "ms"), f"+{a - b:.3f} ms", verdict)
        )
        a, b = medians("ws", "p99_ms")
        rows.append(
            ("websocket round trip p99", fmt(a, "ms"), fmt(b, "ms"), f"+{a - b:.3f} ms", "")
        )
        a, b = medians("ws", "burst_ms")
        rows.append(
            (
                f"websocket burst: {BURST} replies to one message",
                fmt(a, "ms"),
                fmt(b, "ms"),
                f"{a / b:.2f}×",
                "",
            )
        )
        a, b = medians("ws", "mib_s")
        rows.append(
            (
                "websocket echo stream, 1 MiB messages",
                fmt(a, "MiB/s"),
                fmt(b, "MiB/s"),
                f"{a / b:.2f}×",
                "",
            )
        )
    if "small" in results:
        a, b = medians("small", "p50_ms")
        rows.append(("small GET (healthz) p50", fmt(a, "ms"), fmt(b, "ms"), f"+{a - b:.3f} ms", ""))
    if "assets" in results:
        asts = results["assets"]
        a, b = medians("assets", "seconds")
        n = asts["ext"][0]["n"]
        rows.append(
            (f"workbench assets, {n} GETs, 6 connections", fmt(a), fmt(b), f"{a / b:.2f}×", "")
        )
        a, b = (x / 1e6 for x in medians("assets", "bytes"))
        rows.append(("  bytes on the wire", f"{a:.2f} MB", f"{b:.2f} MB", f"{a / b:.2f}×", ""))
        a, b = medians("assets", "reval_seconds")
        ea, eb = asts["ext"][0], asts["direct"][0]
        rows.append(
            (
                f"  revalidation (If-None-Match), 304s {ea['not_modified']}/{eb['not_modified']}",
                fmt(a),
                fmt(b),
                f"{a / b:.2f}×",
                "",
            )
        )
    if "ready" in results:
        lag = results["ready"]
        limit = TARGETS["ready_lag_ms"]
        m = median(lag)
        rows.append(
            (
                f"readiness seen after socket answers (median/max of {len(lag)})",
                f"{m:.1f} / {max(lag) if lag else float('nan'):.1f} ms",
                "—",
                "",
                f"≤ {limit} ms {'✓' if lag and max(lag) <= limit else '✗'}",
            )
        )
    if "cost" in results:
        c = results["cost"]
        limit = TARGETS["rss_added_mib"]
        m = median(c["idle_rss_mib"])
        rows.append(
            (
                "RSS added to Jupyter, idle",
                fmt(m, "MiB"),
                "0",
                "",
                f"≤ {limit} MiB {'✓' if m <= limit else '✗'}",
            )
        )
        m = median(c["used_rss_mib"])
        rows.append(
            (
                "RSS added to Jupyter, after serving the workbench",
                fmt(m, "MiB"),
                "0",
                "",
                f"≤ {limit} MiB {'✓' if m <= limit else '✗'}",
            )
        )
        rows.append(
            (
                "idle CPU of the supervisor (code-server up)",
                fmt(median(c["idle_cpu_pct"]), "%"),
                "0",
                "",
                "",
            )
        )
    head = ("metric", "jupyter-vscode", "direct", "ratio (95 % interval) / overhead", "target")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(5)]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |"  # noqa: E731
    out = "\n".join(
        [line(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)]
    )
    if results.get("hop"):
        from .phases.hop import table

        out += "\n\nSmall GETs (healthz) as other clients make them (phase hop):\n\n"
        out += table(results["hop"])
    return out


def merge_runs(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Pool the A/B repetitions of cold, warm and prestart (single runs on a noisy machine
    give wide intervals); the other phases are taken from the first run that has them."""
    merged: dict[str, Any] = {}
    for run in runs:
        for key, value in run.items():
            if key in ("cold", "warm", "prestart"):
                pooled = merged.setdefault(key, {})
                for side, xs in value.items():
                    pooled.setdefault(side, []).extend(xs)
            else:
                merged.setdefault(key, value)
    return merged
