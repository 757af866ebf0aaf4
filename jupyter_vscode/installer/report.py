"""Progress output: plain ``[jupyter-vscode] ...`` lines that read well in lifecycle-script logs.

Every line goes through :func:`~jupyter_vscode.redact.redact_urls`: whatever a message
quotes, a presigned URL's signature never reaches a terminal or a log.
"""

from __future__ import annotations

import sys
from typing import TextIO

from ..redact import redact_urls

TAG = "[jupyter-vscode]"


class Reporter:
    """Prints progress lines unless quiet; errors always go to stderr."""

    def __init__(self, *, quiet: bool = False, stream: TextIO | None = None) -> None:
        self.quiet = quiet
        self._stream = stream

    def info(self, message: str) -> None:
        if not self.quiet:
            stream = self._stream or sys.stdout
            print(f"{TAG} {redact_urls(message)}", file=stream, flush=True)

    def warn(self, message: str) -> None:
        """A warning the user must see (e.g. an unverified download): stderr, even when quiet."""
        print(f"{TAG} warning: {redact_urls(message)}", file=sys.stderr, flush=True)

    def error(self, message: str) -> None:
        print(f"{TAG} error: {redact_urls(message)}", file=sys.stderr, flush=True)
