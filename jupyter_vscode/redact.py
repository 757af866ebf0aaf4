"""Keeping the secrets that URLs carry out of messages, logs and records.

A presigned S3 URL carries its credentials in the query string (``X-Amz-Signature``,
``X-Amz-Credential``, ``X-Amz-Security-Token``); other URLs may carry ``user:password@``.
The rule, for every ``scheme://...`` in a text: the user info becomes ``<redacted>@`` and
everything from the ``?`` to the end of the URL (a space, a quote or ``<``/``>``) becomes
``?<redacted>``; scheme, host and path stay, so the message still says what was fetched.
sagemaker/lifecycle.sh's ``jv_redact`` applies the same rule with sed; tests check both agree.
"""

from __future__ import annotations

import re

_SCHEME = r"[A-Za-z][A-Za-z0-9+.-]*://"
_USERINFO = re.compile(rf"({_SCHEME})[^/?#@\s'\"<>]+@")
_QUERY = re.compile(rf"({_SCHEME}[^?\s'\"<>]*)\?[^\s'\"<>]+")


def redact_urls(text: str) -> str:
    """``text`` with the user info and query string of every URL in it replaced."""
    return _QUERY.sub(r"\1?<redacted>", _USERINFO.sub(r"\1<redacted>@", text))
