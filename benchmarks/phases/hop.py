"""Where a small GET's overhead goes: the same `healthz` GET through the route and direct, the
way different clients make it.

The `small` phase measures one client (a kept-alive connection, the token in a header). Other
clients see other figures, and two things change them most:

- a new TCP connection per request (curl, `requests.get`, a shell loop): Jupyter's side accepts
  and sets up a connection for every GET, code-server's side none (the route's pool keeps its
  upstream connection), while the direct reference pays only its own accept;
- how the request is authenticated: a token (header or `?token=`) with no login cookie sent back
  makes Jupyter check the token and sign a fresh login cookie into every answer (jupyter_server's
  IdentityProvider persists a token login in the cookie); a browser sends the cookie, which is
  only verified.

`api/status` (a Jupyter handler with no upstream hop) splits the overhead into Jupyter's handler
stack and the hop itself. With `--compare-checkout DIR` the same rows are measured, in the same
run, for a second Jupyter importing the jupyter_vscode of DIR (e.g. a worktree at an older
commit), so two handlers are compared without crossing runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..harness import TOKEN, Bench, Direct, Jupyter, log, median, run_async
from .net import small_requests

#: The variants: name -> (connection kept alive, how the request is authenticated).
VARIANTS: dict[str, tuple[bool, str]] = {
    "keep-alive, token header": (True, "header"),
    "keep-alive, ?token= in the URL": (True, "query"),
    "keep-alive, login cookie (a browser)": (True, "cookie"),
    "new connection each, token header": (False, "header"),
    "new connection each, ?token= in the URL": (False, "query"),
}


def login_cookie(jp: Jupyter) -> str:
    """The login cookie Jupyter sets for a token login, as a Cookie header value."""
    import urllib.request

    req = urllib.request.Request(jp.url("api/status"), headers={"Authorization": f"token {TOKEN}"})
    with urllib.request.urlopen(req, timeout=30) as r:
        cookies = [c.split(";", 1)[0] for c in r.headers.get_all("Set-Cookie") or []]
    login = [c for c in cookies if c.startswith("username-")]
    if not login:
        raise RuntimeError(f"Jupyter set no login cookie for a token login: {cookies}")
    return login[0]


def request_for(jp: Jupyter, path: str, auth: str, cookie: str) -> tuple[str, dict[str, str]]:
    url = jp.url(path)
    if auth == "header":
        return url, {"Authorization": f"token {TOKEN}"}
    if auth == "query":
        return url + ("&" if "?" in url else "?") + f"token={TOKEN}", {}
    return url, {"Cookie": cookie}


def run(bench: Bench, args: argparse.Namespace, results: dict[str, Any]) -> None:
    sides: dict[str, Jupyter] = {"ext": Jupyter(bench, "jupyter-hop").wait_ready()}
    other = getattr(args, "compare_checkout", None)
    if other:
        sides["other"] = Jupyter(bench, "jupyter-hop-other", checkout=Path(other)).wait_ready()
    direct = Direct(bench, "direct-hop")
    n = args.ws_messages // 3
    out: dict[str, Any] = {"n": n, "other": str(other or ""), "rows": {}}
    try:
        for jp in sides.values():
            jp.start_vscode()
            if not jp.wait_running():
                raise RuntimeError(f"code-server did not come up behind {jp.log_path}")
        direct.start()
        cookies = {name: login_cookie(jp) for name, jp in sides.items()}
        rows: dict[str, dict[str, list[dict[str, float]]]] = {}
        for i in range(args.ws_reps):
            for variant, (keep_alive, auth) in VARIANTS.items():
                row = rows.setdefault(variant, {k: [] for k in [*sides, "direct", "status"]})
                order = [*sides, "direct"]
                for side in order if i % 2 == 0 else order[::-1]:
                    if side == "direct":
                        url, hdrs = direct.url("healthz"), {}
                    else:
                        jp = sides[side]
                        url, hdrs = request_for(jp, "vscode/healthz", auth, cookies[side])
                    row[side].append(run_async(small_requests(url, hdrs, n, keep_alive)))
                url, hdrs = request_for(sides["ext"], "api/status", auth, cookies["ext"])
                row["status"].append(run_async(small_requests(url, hdrs, n, keep_alive)))
                log(
                    f"{variant}: "
                    + ", ".join(f"{k} p50 {v[-1]['p50_ms']:.3f} ms" for k, v in row.items())
                )
        out["rows"] = rows
    finally:
        for jp in sides.values():
            jp.stop()
        direct.stop()
    results["hop"] = out


def table(hop: dict[str, Any]) -> str:
    """The phase's own table: one row a variant, p50 medians over the repetitions."""

    def p50(runs: list[dict[str, float]]) -> float:
        return median([r["p50_ms"] for r in runs]) if runs else float("nan")

    other = hop.get("other")
    head = ["client", "route p50", "direct p50", "added"]
    if other:
        head += [f"route p50 ({other})", "added"]
    head += ["Jupyter api/status p50", "login cookie signed per answer"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for variant, row in hop["rows"].items():
        e, d = p50(row["ext"]), p50(row["direct"])
        cells = [variant, f"{e:.3f} ms", f"{d:.3f} ms", f"+{e - d:.2f} ms"]
        if other:
            o = p50(row["other"])
            cells += [f"{o:.3f} ms", f"+{o - d:.2f} ms"]
        share = median([r["set_cookie_share"] for r in row["ext"]])
        cells += [f"{p50(row['status']):.3f} ms", f"{share:.0%}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
