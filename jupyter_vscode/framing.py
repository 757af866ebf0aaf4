"""Who may frame the VS Code route: Jupyter decides, not code-server.

Jupyter sends ``Content-Security-Policy: frame-ancestors 'self'`` (JupyterHub: its own
policy; an admin: ``ServerApp.tornado_settings["headers"]``) with every page, so another origin
can't frame it and trick clicks into it. A proxied response carries code-server's headers instead,
so its framing policy is put back here: code-server's own CSP keeps its other directives, its
``frame-ancestors`` (if any) gives way to Jupyter's, and the admin's headers apply as they do on
Jupyter's pages.
"""

from __future__ import annotations

from collections.abc import Iterable

CSP = "Content-Security-Policy"
FRAME_ANCESTORS = "frame-ancestors"


def _directives(policy: str) -> list[str]:
    return [d.strip() for d in policy.split(";") if d.strip()]


def _is_frame_ancestors(directive: str) -> bool:
    return directive.split(None, 1)[0].lower() == FRAME_ANCESTORS


def frame_ancestors(policy: str) -> str | None:
    """The policy's frame-ancestors directive (the first: browsers ignore repeats)."""
    return next((d for d in _directives(policy) if _is_frame_ancestors(d)), None)


def merge_csp(upstream: Iterable[str], jupyter_policy: str) -> list[str]:
    """Content-Security-Policy values for a proxied response: code-server's policies minus
    their frame-ancestors, with Jupyter's frame-ancestors added to the first (or on its own)."""
    merged = []
    for policy in upstream:
        kept = [d for d in _directives(policy) if not _is_frame_ancestors(d)]
        if kept:
            merged.append("; ".join(kept))
    ours = frame_ancestors(jupyter_policy)
    if ours is not None:
        if merged:
            merged[0] = f"{merged[0]}; {ours}"
        else:
            merged.append(ours)
    return merged


def admin_headers(settings: dict) -> dict[str, str]:
    """The admin's ``tornado_settings["headers"]`` other than the CSP (Jupyter folds that into
    its ``content_security_policy``, which merge_csp reads)."""
    headers = settings.get("headers") or {}
    return {str(k): str(v) for k, v in headers.items() if str(k).lower() != CSP.lower()}
