"""A page a forwarded port serves cannot act as the user in Jupyter, and still works.

The attack (ports.py): another local user serves a page on a loopback port and sends the link
<base_url>vscode/proxy/<port>/. Same-origin with Jupyter, its script would fetch a Jupyter page
(which sets the _xsrf cookie), read _xsrf from document.cookie and POST api/terminals: a
terminal running as the victim. With the sandbox the page has an opaque origin: no cookie to
read, no credentials on its requests. What a forwarded dev app needs keeps working: its
relative scripts, styles and fetches, through the keyed address it is redirected to.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

from ..support.browser import serve_files

pytestmark = pytest.mark.browser

PAGE = """<!doctype html><html><head><link rel=stylesheet href="style.css">
<script src="app.js"></script></head><body><p id=app>app.js not loaded</p><p id=data></p>
<p id=cookie></p><p id=attack>running</p><script>
(async function () {
  const q = (id) => document.getElementById(id);
  fetch('data.json').then(r => r.json()).then(d => { q('data').textContent = 'data: ' + d.ok; },
    e => { q('data').textContent = 'data failed: ' + e; });
  try { q('cookie').textContent = 'cookie: ' + document.cookie; }
  catch (e) { q('cookie').textContent = 'cookie blocked'; }
  try {
    await fetch(BASE + 'login', {credentials: 'include'});
    const xsrf = (document.cookie.match(/_xsrf=([^;]+)/) || [])[1] || '';
    const r = await fetch(BASE + 'api/terminals', {method: 'POST', credentials: 'include',
      headers: {'X-XSRFToken': decodeURIComponent(xsrf)}});
    q('attack').textContent = 'attack answered ' + r.status;
  } catch (e) { q('attack').textContent = 'attack failed: ' + e.name; }
})();
</script></body></html>"""


def serve_app(base_url: str):  # type: ignore[no-untyped-def]
    files = {
        "/": ("text/html", PAGE.replace("BASE", json.dumps(base_url), 2)),
        "/app.js": (
            "text/javascript",
            "addEventListener('DOMContentLoaded', () => "
            "{ document.getElementById('app').textContent = 'app.js loaded'; });",
        ),
        "/style.css": ("text/css", "body { background: #eef; }"),
        "/data.json": ("application/json", '{"ok": "yes"}'),
    }

    return serve_files(files)


def terminals(jupyter) -> list:  # type: ignore[no-untyped-def]
    with jupyter.request("api/terminals") as r:
        return json.loads(r.read())


def test_forwarded_page_works_but_cannot_use_jupyter(page, jupyter):
    with jupyter.request("vscode/healthz") as r:  # the user has VS Code open
        assert r.status == 200
    app = serve_app(jupyter.base_url)
    try:
        page.goto(jupyter.url(f"api/status?token={jupyter.token}"))  # logged in: a cookie
        port = app.server_address[1]
        page.goto(jupyter.url(f"vscode/proxy/{port}/"))
        attack = page.locator("#attack")
        attack.filter(has_not_text="running").wait_for(timeout=60_000)
        # it cannot act as the user: no cookie to read, no terminal opened
        assert "attack answered 200" not in attack.inner_text(), attack.inner_text()
        assert terminals(jupyter) == []
        assert page.locator("#cookie").inner_text() == "cookie blocked"
        # the app works: relative script, style and fetch through the keyed address
        page.locator("#app", has_text="app.js loaded").wait_for(timeout=30_000)
        page.locator("#data", has_text="data: yes").wait_for(timeout=30_000)
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") == (
            "rgb(238, 238, 255)"
        )
        # it got there through its keyed address
        assert urlsplit(page.url).path.startswith(f"{jupyter.base_url}vscode/ports/"), page.url
    finally:
        app.shutdown()
