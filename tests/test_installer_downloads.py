"""Downloads of release tarballs: plain http only when asked for, cut-off and interrupted
downloads that leave the previous version in place, the progress output.

Release tarballs here are tiny fakes (tests/release_server.py) whose bin/code-server is a sh
script; tests/test_installer_real_tarball.py installs one with real content.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jupyter_vscode import cli
from jupyter_vscode.installer import InstallError, Reporter
from jupyter_vscode.installer.download import Progress

from .release_server import LoopbackServer, self_signed_cert
from .support.installer import ARCH, Release, do_install, run_installed, staging_empty, tarball_gets

ROOT = Path(__file__).parent.parent


# -- plain http -----------------------------------------------------------------------------------


@pytest.mark.parametrize("via", ["from", "mirror", "env-mirror", "registry"])
def test_plain_http_is_refused_without_the_flag(
    server: LoopbackServer,
    release: Release,
    prefix: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    via: str,
) -> None:
    release("4.20.0")
    server.add_registry(["4.20.0"])
    argv = ["install", "--prefix", str(prefix)]
    if via == "from":
        argv += ["--from", server.url(f"/releases/v4.20.0/code-server-4.20.0-linux-{ARCH}.tar.gz")]
    elif via == "mirror":
        monkeypatch.delenv("JUPYTER_VSCODE_RELEASES_URL")
        argv += ["--version", "4.20.0", "--mirror", server.url("/releases")]
    elif via == "env-mirror":
        argv += ["--version", "4.20.0"]  # auto: the probe of the http releases URL is refused
    else:
        argv += ["--method", "standalone"]  # the version list comes from an http registry
    assert cli.main(argv) == 1
    err = capsys.readouterr().err
    assert "Refusing to fetch 'http://127.0.0.1:" in err and "--allow-insecure-http" in err
    assert "Traceback" not in err
    assert server.requests == [] and not (prefix / "versions").exists()
    # asked for explicitly, the same install goes through
    assert cli.main([*argv, "--allow-insecure-http"]) == 0
    assert run_installed(prefix) == "4.20.0"


@pytest.fixture
def tls_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    cert, key = self_signed_cert(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    srv = LoopbackServer(tls=(cert, key))
    yield srv
    srv.close()


def test_https_to_http_redirect_is_refused(
    server: LoopbackServer,
    tls_server: LoopbackServer,
    release: Release,
    prefix: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    release("4.20.0")
    name = f"code-server-4.20.0-linux-{ARCH}.tar.gz"
    plain = server.url(f"/releases/v4.20.0/{name}?X-Amz-Signature=s3cr3t")
    tls_server.add(f"/down/{name}", b"", status=302, location=plain)
    tls_server.add(f"/same/{name}", b"", status=302, location=tls_server.url(f"/real/{name}"))
    tls_server.add(f"/real/{name}", server.routes[f"/releases/v4.20.0/{name}"].body)

    argv = ["install", "--from", tls_server.url(f"/down/{name}"), "--prefix", str(prefix)]
    assert cli.main(argv) == 1
    err = capsys.readouterr().err
    assert f"Refusing the redirect from '{tls_server.url(f'/down/{name}')}'" in err
    assert f"to '{server.url(f'/releases/v4.20.0/{name}')}?<redacted>'" in err
    assert "s3cr3t" not in err and "Traceback" not in err
    assert server.requests == [] and not (prefix / "versions").exists()

    # https to https is followed; https to http only with the flag
    https_only = ["install", "--from", tls_server.url(f"/same/{name}"), "--prefix", str(prefix)]
    assert cli.main(https_only) == 0 and run_installed(prefix) == "4.20.0"
    assert cli.main([*argv, "--force", "--allow-insecure-http"]) == 0
    assert tarball_gets(server) == [f"/releases/v4.20.0/{name}"]


# -- cut off and interrupted ----------------------------------------------------------------------


def test_truncated_download_is_an_error_and_retry_safe(
    server: LoopbackServer, release: Release, prefix: Path
) -> None:
    tarball = release("4.20.0", padding=300_000)
    route = server.routes[f"/releases/v4.20.0/code-server-4.20.0-linux-{ARCH}.tar.gz"]
    route.truncate = 100_000
    with pytest.raises(InstallError) as info:
        do_install(prefix, version="4.20.0")
    message = str(info.value)
    assert f"cut off after 100000 of {tarball.stat().st_size} bytes" in message
    assert "run the command again" in message
    assert staging_empty(prefix) and not (prefix / "versions").exists()

    route.truncate = None
    do_install(prefix, version="4.20.0")
    assert run_installed(prefix) == "4.20.0"


def test_killed_mid_download_keeps_previous_version(
    server: LoopbackServer, release: Release, prefix: Path
) -> None:
    release("4.20.0")
    do_install(prefix, version="4.20.0")
    release("4.21.0", padding=400_000)
    route = server.routes[f"/releases/v4.21.0/code-server-4.21.0-linux-{ARCH}.tar.gz"]
    route.stall = 150_000

    cmd = [sys.executable, "-m", "jupyter_vscode.cli", "install", "--method", "standalone"]
    cmd += ["--version", "4.21.0", "--prefix", str(prefix), "--allow-insecure-http"]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert route.stalled.wait(30), "the download never started"
        time.sleep(0.3)
        assert list((prefix / "staging").glob("4.21.0-standalone.*/.download/*.tar.gz"))
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
        route.release.set()
    assert run_installed(prefix) == "4.20.0"
    assert sorted(os.listdir(prefix / "versions")) == ["4.20.0-standalone"]

    route.stall = None
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "left over from an interrupted install" in out.stdout
    # Not a terminal: plain progress lines, the last one at 100 %.
    assert "[jupyter-vscode] downloading: 100% (" in out.stdout
    assert staging_empty(prefix) and run_installed(prefix) == "4.21.0"


def test_interrupt_during_download_cleans_up(
    release: Release, prefix: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    release("4.20.0")
    do_install(prefix, version="4.20.0")
    release("4.21.0")
    from jupyter_vscode.installer import standalone

    def interrupted(*args: object, **kwargs: object) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr(standalone, "download", interrupted)
    with pytest.raises(KeyboardInterrupt):
        do_install(prefix, version="4.21.0")
    assert staging_empty(prefix) and run_installed(prefix) == "4.20.0"


# -- progress -------------------------------------------------------------------------------------


def test_progress_bar_on_a_terminal() -> None:
    stream = io.StringIO()
    progress = Progress(Reporter(), "downloading", 1000, tty=True, stream=stream, interval=0)
    progress.update(500)
    progress.update(500)
    progress.finish()
    text = stream.getvalue()
    assert "\r" in text and "[###############---------------]  50%" in text
    assert "100%" in text and text.endswith("\n")


def test_progress_lines_when_not_a_terminal() -> None:
    out = io.StringIO()
    reporter = Reporter(stream=out)
    progress = Progress(reporter, "downloading", 2_000_000, tty=False, interval=0)
    progress.update(1_000_000)
    progress.update(1_000_000)
    progress.finish()
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("[jupyter-vscode] downloading: 50% (1.0 of 2.0 MB, ")
    assert lines[-1].startswith("[jupyter-vscode] downloading: 100% (2.0 of 2.0 MB, ")
    quiet = Progress(Reporter(quiet=True), "downloading", 10, tty=True, stream=out)
    quiet.update(10)
    quiet.finish()
    assert out.getvalue().count("\n") == 3
