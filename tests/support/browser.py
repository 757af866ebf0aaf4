"""The browser tier's helpers: the system Chromium, screenshots for the README, and the
processes a real Jupyter + code-server leave (or must not leave) behind, and a page of another
origin (same site: 127.0.0.1, another port)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .jupyter import JupyterProcess

REPO = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = REPO / "docs" / "screenshots"
SCREENSHOTS = os.environ.get("JUPYTER_VSCODE_SCREENSHOTS") == "1"
VIEWPORT = {"width": 1280, "height": 800}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
HELLO = "print('hello from Jupyter')\n"


def find_chromium() -> str | None:
    for candidate in (
        os.environ.get("JUPYTER_VSCODE_CHROMIUM", ""),
        "/usr/bin/chromium",
        shutil.which("chromium") or "",
        shutil.which("chromium-browser") or "",
    ):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def processes_in(root: Path) -> list[int]:
    """Live processes whose working directory is ``root`` or below: code-server's tree."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cwd = os.readlink(f"/proc/{entry}/cwd")
        except OSError:
            continue
        if cwd == str(root) or cwd.startswith(f"{root}/"):
            found.append(int(entry))
    return found


def stop_gracefully(jp: JupyterProcess, root: Path) -> None:
    """Stop Jupyter like a user does (SIGTERM), then require that code-server's whole tree,
    extension hosts included, is gone; anything left is killed so no test leaks processes."""
    if jp.proc.poll() is None:
        jp.proc.send_signal(signal.SIGTERM)
        try:
            jp.proc.wait(30)
        except subprocess.TimeoutExpired:
            jp.proc.kill()
    deadline = time.monotonic() + 15
    while processes_in(root) and time.monotonic() < deadline:
        time.sleep(0.1)
    leftover = processes_in(root)
    for pid in leftover:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert leftover == [], f"processes left in {root} after Jupyter stopped: {leftover}"


def screenshot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """Save docs/screenshots/<name> for the README, only with JUPYTER_VSCODE_SCREENSHOTS=1."""
    if SCREENSHOTS:
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT_DIR / name))


def serve_files(
    files: dict[str, tuple[str, str]], default: tuple[str, str] | None = None
) -> ThreadingHTTPServer:
    """Serve ``files`` (path -> (content type, text)) at http://127.0.0.1:<server_address[1]>/
    (another port of the host: another origin of the same site) until ``shutdown()``; any other
    path gets ``default``, or a 404 without one."""

    class Files(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            found = files.get(self.path.split("?")[0], default)
            kind, text = found or ("text/plain", "not found")
            body = text.encode()
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Files)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def serve_page(html: str) -> ThreadingHTTPServer:
    """Serve ``html`` at every path (see serve_files)."""
    return serve_files({}, ("text/html; charset=utf-8", html))
