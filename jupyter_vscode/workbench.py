"""The workbench page (``<base_url>vscode/?folder=...``): what its link may ask (links.py), whether
it opens one of the user's own folders (trust.py), and that page sent with trust off.

proxy.py calls these on every workbench page load: :func:`answered_link` before anything starts
(a refused link gets a page, a folder not spelled canonically a redirect), then
:func:`opens_own_folder` and :func:`send_trusted_page` around code-server's answer.
"""

from __future__ import annotations

from typing import Any

from jupyter_server.base.handlers import JupyterHandler
from tornado.iostream import StreamClosedError

from . import answers, links, pages, trust


def answered_link(handler: Any, path: str) -> bool:
    """Check what a workbench page's query asks of VS Code: a refused payload gets a page (or
    JSON) saying why, a folder not spelled canonically a redirect to its canonical spelling, so
    VS Code opens the very path trust.py judges. True if answered here."""
    if (path if path.startswith("/") else "/" + path) not in trust.WORKBENCH_PATHS:
        return False
    query = handler.request.query
    if not query:
        return False
    sup = handler.supervisor
    refused = links.refused_payload(
        handler.get_query_arguments(links.PAYLOAD_ARGUMENT, strip=False)
    )
    if refused is not None:
        handler.log.warning("[jupyter-vscode] workbench link refused: %s", refused)
        page = pages.link_refused_page(refused, handler.request.path)
        html = page if answers.wants_page(handler.request) else None
        answers.send_answer(handler, 400, html, f"link refused: {refused}", sup.state.value)
        return True
    if sup.config.disable_workspace_trust:
        return False  # every folder opens trusted anyway: nothing to decide
    canonical = links.canonical_query(query)
    if canonical is None:
        return False
    handler.set_header("Cache-Control", "no-store")
    handler.redirect(f"{handler.request.path}?{canonical}")
    return True


def opens_own_folder(handler: Any) -> bool:
    """This workbench page load opens one of the user's own folders (see trust.py)."""
    sup = handler.supervisor
    if sup.config.disable_workspace_trust:  # code-server trusts everything anyway
        return False
    # strip=False: VS Code opens "/home/u " (a sibling someone else may have made), not
    # the "/home/u" tornado's default stripping would judge
    return trust.page_is_own(
        handler.get_query_arguments(links.FOLDER_ARGUMENT, strip=False),
        handler.get_query_arguments("workspace", strip=False),
        trust.trusted_roots(sup.config, sup.root_dir),
    )


async def send_trusted_page(handler: JupyterHandler, resp: Any) -> bool:
    """Send code-server's workbench page with workspace trust off. False (nothing read or
    sent) if the answer is not such a page: an error, a redirect, compressed."""
    if resp.status != 200 or resp.headers.get("Content-Encoding", "identity") != "identity":
        return False
    if not resp.headers.get("Content-Type", "").startswith("text/html"):
        return False
    length = resp.headers.get("Content-Length")
    if length is not None and (not length.isdigit() or int(length) > trust.MAX_PAGE_BYTES):
        return False
    page = b""
    while len(page) <= trust.MAX_PAGE_BYTES:
        chunk = await resp.content.readany()
        if not chunk:
            break
        page += chunk
    rewritten = trust.without_trust(page) if resp.content.at_eof() else None
    handler.clear_header("Content-Length")  # tornado sets it for what is written
    if rewritten is not None:
        handler.write(rewritten)
        return True
    handler.log.warning(
        "[jupyter-vscode] the VS Code page has no enableWorkspaceTrust setting we know: "
        "sent as it is (workspace trust stays on, so the folder opens in Restricted Mode)"
    )
    try:
        while page:
            handler.write(page)
            await handler.flush()
            page = await resp.content.readany()
    except StreamClosedError:
        pass
    return True
