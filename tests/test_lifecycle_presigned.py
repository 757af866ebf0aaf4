"""Presigned S3 URLs in the lifecycle script: realistic ones fit SageMaker's 16,384-character
limit (checked on the base64 text, a clear error past it), long ones make the script compress
its code and it still runs, and their secrets stay out of the log and the install.

The run tests execute the generated Studio script in the lifecycle sandbox
(tests/support/sandbox.py) with the wheel and a small tarball served over loopback HTTP.
"""

from __future__ import annotations

import base64

import pytest

from jupyter_vscode.installer.standalone import release_arch
from jupyter_vscode.sagemaker.script import (
    MAX_CONTENT_CHARS,
    LifecycleError,
    LifecycleOptions,
    encode,
    render_script,
)

from .release_server import make_release_tarball
from .support.artifacts import build_wheel
from .support.sandbox import (
    generate,
    make_sandbox,
)


def presigned(n: int) -> str:
    return "https://bucket.s3.eu-west-1.amazonaws.com/key?X-Amz-Security-Token=" + "A" * n


def test_realistic_presigned_urls_fit():
    # presigned URLs with a session token run to ~1.5-2 kB each
    opts = LifecycleOptions(
        target="notebook-instance",
        wheel=presigned(2000) + "&f=jupyter_vscode-0.1.0-py3-none-any.whl",
        code_server_tarball=presigned(2000),
        code_server_sha256="0" * 64,
        extensions=("ms-python.python", "ms-toolsai.jupyter", "redhat.vscode-yaml"),
    )
    assert len(encode(render_script(opts))) <= MAX_CONTENT_CHARS


@pytest.mark.parametrize("form", [[], ["--base64"], ["--aws-cli"]])
def test_too_long_is_a_clear_error(capsys, form):
    code, out, err = generate(
        capsys, "--target", "studio", "--code-server-tarball", presigned(9000), *form
    )
    assert code == 2 and out == ""
    assert "16,384" in err and "base64" in err


def test_limit_is_checked_on_the_base64_text():
    fits, too_long = None, None
    for n in range(4000, 9000, 7):
        script = render_script(LifecycleOptions(target="studio", wheel=presigned(n)))
        size = len(base64.b64encode(script.encode()))
        if size <= MAX_CONTENT_CHARS:
            fits = script
        else:
            too_long = script
            break
    assert fits is not None and too_long is not None
    assert len(encode(fits)) <= MAX_CONTENT_CHARS
    with pytest.raises(LifecycleError):
        encode(too_long)


PRESIGNED = (
    "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAJVTESTKEY%2F20261201%2Fus-east-1"
    "&X-Amz-Security-Token=IQoJb3JpZ2luX2VjSECRETTOKEN%2B%2F&X-Amz-Signature=5ec2e7519a7e5"
)


@pytest.mark.timeout(600)
def test_presigned_url_secrets_stay_out_of_the_log(capsys, tmp_path, serve, tmp_path_factory):
    """pip's "Downloading <URL>", the installer's lines and the script's own `jupyter vscode
    install ... --from <URL>` all show the URLs without their query string."""

    sandbox = make_sandbox(tmp_path)
    wheel = build_wheel(tmp_path_factory)
    arch = release_arch()
    tarball = make_release_tarball(
        tmp_path / "dist" / f"code-server-4.20.0-linux-{arch}.tar.gz", "4.20.0", arch
    )
    wheel_url = serve(wheel).split("?")[0] + "?" + PRESIGNED
    tarball_url = serve(tarball).split("?")[0] + "?" + PRESIGNED
    script = tmp_path / "on-jupyter-server-start.sh"
    code, _, err = generate(
        capsys,
        "--target",
        "studio",
        "--wheel",
        wheel_url,
        "--code-server-tarball",
        tarball_url,
        "--allow-insecure-http",
        "--python",
        str(sandbox.python),
        "-o",
        str(script),
    )
    assert code == 0, err
    log = sandbox.home / ".jupyter-vscode-lifecycle.log"
    text = sandbox.run_script(script, cwd=str(sandbox.home), log=log)

    prefix = sandbox.home / ".local" / "share" / "jupyter-vscode"
    assert (prefix / "versions" / "4.20.0-standalone" / "bin" / "code-server").is_file(), text
    assert f"{tarball_url.split('?')[0]}?<redacted>" in text  # the install command line
    assert f"{wheel_url.split('?')[0]}?<redacted>" in text  # pip's own output
    written = [log, *(p for p in prefix.rglob("*") if p.is_file() and p.stat().st_size < 1 << 20)]
    for secret in ("5ec2e7519a7e5", "SECRETTOKEN", "ASIAJVTESTKEY"):
        for path in written:
            assert secret not in path.read_text(errors="replace"), (secret, path)


@pytest.mark.timeout(600)
def test_long_presigned_urls_compress_the_code_and_the_script_still_runs(
    tmp_path,
    capsys,
    serve,  # noqa: F811
    tmp_path_factory,
):
    """Two ~2 kB presigned URLs (with a session token) leave too little room for the script's
    code as text: it is gzip-compressed in the script (the header and settings stay readable),
    and the script works as before. Shorter values keep the code readable."""

    short = render_script(LifecycleOptions(target="studio"))
    assert "\njv_rerun_file() {" in short and "| gunzip" not in short
    sandbox = make_sandbox(tmp_path)
    wheel = build_wheel(tmp_path_factory)
    tarball = make_release_tarball(
        tmp_path / "dist" / f"code-server-4.20.0-linux-{release_arch()}.tar.gz",
        "4.20.0",
        release_arch(),
    )
    token = "&X-Amz-Security-Token=" + "Q" * 2000
    script = tmp_path / "on-jupyter-server-start.sh"
    code, _, err = generate(
        capsys,
        "--target",
        "studio",
        "--wheel",
        serve(wheel) + token,
        "--code-server-tarball",
        serve(tarball) + token,
        "--allow-insecure-http",
        "--python",
        str(sandbox.python),
        "-o",
        str(script),
    )
    assert code == 0, err
    text = script.read_text()
    assert len(encode(text)) <= MAX_CONTENT_CHARS
    head = text.split("\n")[:3]
    assert head[0] == "#!/bin/bash" and "Generated by" in head[2]
    assert "\njv_rerun_file() {" not in text and '| base64 -d | gunzip)"\n' in text
    assert "\nJV_TARBALL=${JV_TARBALL-" in text  # the settings stay readable
    text = sandbox.run_script(script, cwd="/", log=sandbox.home / ".jupyter-vscode-lifecycle.log")
    prefix = sandbox.home / ".local" / "share" / "jupyter-vscode"
    assert (prefix / "versions" / "4.20.0-standalone" / "bin" / "code-server").is_file(), text
    assert "Q" * 100 not in text
