"""One redaction rule for URLs, in Python (installer output) and in lifecycle.sh (sed)."""

from __future__ import annotations

import re
import subprocess

import pytest

from jupyter_vscode.redact import redact_urls
from jupyter_vscode.sagemaker.script import LifecycleOptions, render_script

SIG = "X-Amz-Signature=0123abcd&X-Amz-Security-Token=IQoJb3JpZ2luX2Vj%2F%2Bz"
CASES = [
    (
        f"https://b.s3.amazonaws.com/k/cs.tar.gz?{SIG}",
        "https://b.s3.amazonaws.com/k/cs.tar.gz?<redacted>",
    ),
    (
        f"Downloading https://b.s3.amazonaws.com/w.whl?{SIG} (1.2 MB)",
        "Downloading https://b.s3.amazonaws.com/w.whl?<redacted> (1.2 MB)",
    ),
    (
        f"jupyter vscode install --from http://127.0.0.1:8/x.tgz?{SIG} --sha256 ab",
        "jupyter vscode install --from http://127.0.0.1:8/x.tgz?<redacted> --sha256 ab",
    ),
    (f"Cannot read 'https://h/p?{SIG}' (x)", "Cannot read 'https://h/p?<redacted>' (x)"),
    ("https://user:pa55@mirror.example/cs/", "https://<redacted>@mirror.example/cs/"),
    (
        "two: https://a/x?s=1 and https://b/y?t=2",
        "two: https://a/x?<redacted> and https://b/y?<redacted>",
    ),
    ("https://h/p?<redacted>", "https://h/p?<redacted>"),  # idempotent
    ("no URL: /tmp/what?.tar.gz, s3://bucket/key", "no URL: /tmp/what?.tar.gz, s3://bucket/key"),
    (
        "https://github.com/coder/code-server/releases",
        "https://github.com/coder/code-server/releases",
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_python_rule(text: str, expected: str) -> None:
    assert redact_urls(text) == expected
    assert "0123abcd" not in redact_urls(text) and "pa55" not in redact_urls(text)


def test_lifecycle_script_applies_the_same_rule() -> None:
    script = render_script(LifecycleOptions(target="studio"))
    func = re.search(r"^jv_redact\(\) \{.*?^\}$", script, re.S | re.M).group(0)  # type: ignore[union-attr]
    text = "".join(f"{t}\n" for t, _ in CASES)
    out = subprocess.run(
        ["bash", "-c", f"set -eu\n{func}\njv_redact"],
        input=text,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    assert out.splitlines() == [redact_urls(t) for t, _ in CASES]
