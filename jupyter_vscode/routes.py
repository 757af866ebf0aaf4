"""The names the extension is reached by, declared once: the URL paths under Jupyter's
``base_url`` and the resource Jupyter's authorizer is asked about.

The browser side names the API path too: ``labextension/src/tokens.ts`` (``API_NAMESPACE``) and
``nbextension/tree.js``; tests/test_routes.py checks they agree with these.
"""

from __future__ import annotations

#: Where VS Code is served (code-server's own pages and websockets), under ``base_url``.
URL_PATH = "vscode/"
#: The route pattern without the trailing slash (``<base_url>vscode`` redirects to it).
ROUTE = URL_PATH.rstrip("/")
#: The REST API (api.py, open_url.py), under ``base_url``.
API_PATH = "api/vscode"
#: The resource every handler of both asks the authorizer about, with action ``execute``: the
#: right to VS Code is the right to a shell, like a terminal's.
AUTH_RESOURCE = "vscode"
