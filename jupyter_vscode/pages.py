"""The pages shown instead of VS Code: starting, stopped, not installed, failed, not
answering, misconfigured, a refused link.

Plain HTML with a little script; every value is escaped. No tracebacks, ever.
"""

from __future__ import annotations

import json
from html import escape

from .locate import Lookup, cli_command
from .sagemaker.log import DONE, FAILED, NO_RESULT, RUNNING

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:#1e1e1e;
color:#ccc;margin:0;display:flex;align-items:center;justify-content:center;min-height:100vh}
main{max-width:760px;padding:2em}
h1{font-weight:500;color:#fff;font-size:1.5em}
code,pre{background:#2d2d2d;border-radius:4px;padding:.15em .4em;color:#ddd}
pre{padding:1em;overflow:auto;max-height:40vh;font-size:12px;white-space:pre-wrap}
button{background:#0e639c;color:#fff;border:0;border-radius:2px;padding:.5em 1.2em;
font-size:1em;cursor:pointer}button:hover{background:#1177bb}
.spinner{width:28px;height:28px;border:3px solid #444;border-top-color:#3794ff;
border-radius:50%;animation:s 1s linear infinite;display:inline-block;vertical-align:middle;
margin-right:.6em}@keyframes s{to{transform:rotate(360deg)}}
.muted{color:#888}
"""


def _page(title: str, body: str, script: str = "") -> str:
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main>{body}</main>{script}</body></html>"
    )


def _api_script(api_url: str, xsrf: str, poll: bool) -> str:
    # Values go through json.dumps and "</" is broken up, so nothing can close the script tag.
    data = json.dumps({"api": api_url, "xsrf": xsrf, "poll": poll}).replace("</", "<\\/")
    return (
        "<script>(function(){var c=" + data + ";"
        "function q(s){return document.getElementById(s)}"
        "window.jvRestart=function(){var b=q('restart');if(b){b.disabled=true;"
        "b.textContent='Restarting\u2026'}"
        "fetch(c.api+'/restart',{method:'POST',credentials:'same-origin',"
        "headers:{'X-XSRFToken':c.xsrf}}).then(function(){location.reload()},"
        "function(){location.reload()})};"
        "if(!c.poll)return;var n=0;function tick(){n++;"
        "fetch(c.api+'/status',{credentials:'same-origin'}).then(function(r){return r.json()})"
        ".then(function(s){if(s.state==='running'){location.reload();return}"
        "if(s.state==='failed'||s.state==='missing'||s.state==='misconfigured'){"
        "location.reload();return}"
        "setTimeout(tick,n<50?100:500)},function(){setTimeout(tick,1000)})}"
        "setTimeout(tick,100)})();</script>"
    )


def starting_page(api_url: str, xsrf: str) -> str:
    body = (
        "<h1><span class=spinner></span>Starting VS Code\u2026</h1>"
        "<p class=muted>This page turns into VS Code by itself as soon as code-server "
        "answers.</p>"
    )
    return _page("Starting VS Code", body, _api_script(api_url, xsrf, poll=True))


def missing_page(lookup: Lookup, api_url: str, xsrf: str) -> str:
    """No code-server: a configured path that is wrong says so (installing would not change
    it); only when nothing is configured is installing the fix."""
    looked = "".join(f"<li><code>{escape(t)}</code></li>" for t in lookup.tried)
    where = f"<details><summary class=muted>Where we looked</summary><ul>{looked}</ul></details>"
    script = _api_script(api_url, xsrf, poll=False)
    if lookup.configured:
        setting = escape(lookup.setting)
        body = (
            "<h1>The configured code-server cannot be used</h1>"
            f"<p>{escape(lookup.message())}.</p>"
            f"<p>Correct <code>{setting}</code> (or unset it, to use the code-server "
            "found on PATH or installed for this Jupyter), then restart Jupyter.</p>"
            "<p class=muted>Or put an executable code-server at that path and reload this "
            "page.</p>"
        )
        return _page("The configured code-server cannot be used", body + where, script)
    if lookup.lifecycle is not None:
        return _page("VS Code is not installed", _lifecycle_body(lookup) + where, script)
    body = (
        "<h1>VS Code is not installed yet</h1>"
        f"<p>{escape(lookup.message())}.</p>"
        "<p>Install code-server for this Jupyter by running this in a Jupyter terminal:</p>"
        f"<pre>{escape(cli_command('install'))}</pre>"
        "<p>then reload this page. No Jupyter restart is needed.</p>"
        "<p class=muted>Or point <code>c.VSCode.code_server</code> (or "
        "<code>$JUPYTER_VSCODE_CODE_SERVER</code>) at an existing code-server.</p>"
    )
    return _page("VS Code is not installed", body + where, script)


_LIFECYCLE_TITLES = {
    DONE: "VS Code is not installed here",
    FAILED: "VS Code's setup failed",
    RUNNING: "VS Code is being installed",
    NO_RESULT: "VS Code's setup did not finish",
}


def _lifecycle_body(lookup: Lookup) -> str:
    """Not installed, on a machine a SageMaker lifecycle script sets up: its log and rerun
    command, not `jupyter vscode install` (which would install elsewhere, from the internet)."""
    run = lookup.lifecycle
    assert run is not None
    body = (
        f"<h1>{escape(_LIFECYCLE_TITLES.get(run.outcome, 'VS Code is not installed'))}</h1>"
        f"<p>{escape(lookup.message())}.</p>"
        "<p>A SageMaker lifecycle script installs VS Code on this machine; "
        f"{escape(run.summary())}.</p>"
        f"<p>Its log: <code>{escape(run.log)}</code></p>"
    )
    if run.outcome == RUNNING:
        when = (
            "Jupyter restarts when it is done; then" if run.restarts_at_end else "When it is done,"
        )
        return body + (
            f"<p>{when} reload this page.</p>"
            "<p class=muted>No need to install anything yourself.</p>"
        )
    if run.retry:
        body += (
            "<p>Once the cause is fixed (the log says what failed), rerun it with the same "
            "options in a Jupyter terminal:</p>"
            f"<pre>{escape(run.retry)}</pre>"
            "<p>It goes on in the background if the terminal closes, and restarts Jupyter when "
            "it is done if Jupyter must load what it installed (closing the terminal); then "
            "reload this page.</p>"
        )
    else:
        body += (
            "<p>To run it again, restart the app (Studio) or stop and start the notebook "
            "instance.</p>"
        )
    return body + (
        f"<p>To check this setup: <code>{escape(cli_command('doctor'))}</code> in a terminal.</p>"
        "<p class=muted>Not <code>jupyter vscode install</code>: it would download from the "
        "internet and install where this machine's setup does not look (or does not keep).</p>"
    )


def stopped_page(message: str, final: bool, api_url: str, xsrf: str) -> str:
    """code-server is stopped and this request may not start it (Supervisor.refusal)."""
    if final:
        body = (
            "<h1>Jupyter is shutting down</h1>"
            f"<p>{escape(message)}.</p>"
            "<p class=muted>Reload this page once Jupyter runs again.</p>"
        )
        return _page("Jupyter is shutting down", body)
    body = (
        "<h1>VS Code is stopped</h1>"
        f"<p>{escape(message)}.</p>"
        "<p><button id=restart onclick='jvRestart()'>Start VS Code</button></p>"
    )
    return _page("VS Code is stopped", body, _api_script(api_url, xsrf, poll=False))


def failed_page(message: str, log_lines: list[str], api_url: str, xsrf: str) -> str:
    log_text = "\n".join(log_lines) or "(code-server printed nothing)"
    body = (
        "<h1>VS Code could not start</h1>"
        f"<p>{escape(message)}</p>"
        "<p><button id=restart onclick='jvRestart()'>Restart VS Code</button></p>"
        "<p class=muted>Last lines of code-server's log:</p>"
        f"<pre id=log>{escape(log_text)}</pre>"
    )
    return _page("VS Code could not start", body, _api_script(api_url, xsrf, poll=False))


def not_answering_page(seconds: float, health_timeout: float, api_url: str, xsrf: str) -> str:
    """A request code-server accepted but did not answer within ``seconds`` (a 504)."""
    if health_timeout > 0:
        watch = (
            "It is being health-checked: if it keeps not answering for "
            f"{escape(f'{health_timeout:g}')} s, it is restarted by itself."
        )
    else:
        watch = (
            "Health checks are off (<code>c.VSCode.health_timeout = 0</code>), so it is not "
            "restarted by itself."
        )
    body = (
        "<h1>VS Code is not answering</h1>"
        f"<p>code-server did not answer within {escape(f'{seconds:g}')} s "
        "(<code>c.VSCode.response_timeout</code>). It may be overloaded or stuck.</p>"
        f"<p>{watch} Reload this page to try again, or restart it now.</p>"
        "<p><button id=restart onclick='jvRestart()'>Restart VS Code</button></p>"
    )
    return _page("VS Code is not answering", body, _api_script(api_url, xsrf, poll=False))


def misconfigured_page(message: str) -> str:
    body = (
        "<h1>VS Code is turned off: an option is invalid</h1>"
        f"<p>{escape(message)}</p>"
        "<p class=muted>Jupyter itself works as usual; only VS Code waits for the fix. "
        f"<code>{escape(cli_command('doctor'))}</code> in a terminal checks every option.</p>"
    )
    return _page("VS Code is misconfigured", body)


def link_refused_page(reason: str, plain_url: str) -> str:
    """A workbench link asked VS Code for something a link may not (links.py)."""
    body = (
        "<h1>This link can't open VS Code</h1>"
        f"<p>The link was refused because {escape(reason)}. Links may open folders and files, "
        "not change how VS Code runs; whoever sent it may have meant harm.</p>"
        f'<p><a href="{escape(plain_url)}" style="color:#3794ff">Open VS Code without it</a></p>'
    )
    return _page("Link refused", body)
