"""What the lifecycle scripts install, built once per session: this package as a wheel, a
release-shaped code-server tarball wrapping the real code-server, one with the real
code-server's content (~730 MB, cached across sessions outside the repository, see
:func:`artifact_cache_dir`), and a loopback HTTP server for them (`serve`). Fixtures registered in
tests/conftest.py.
"""

from __future__ import annotations

import io
import json
import os
import re
import shlex
import subprocess
import sys
import tarfile
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from jupyter_vscode.codeserver import NO_CONFIG_FILE
from jupyter_vscode.installer import Layout
from jupyter_vscode.installer.standalone import release_arch
from jupyter_vscode.paths import default_install_prefix

from .codeserver import require_real_code_server, skip_or_fail

ROOT = Path(__file__).resolve().parents[2]
PREFIX = default_install_prefix()  # looked up at import, before fixtures move HOME
USER_CACHE = Path(  # likewise: a test's own HOME would be a cache lost after the test
    os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
)


def artifact_cache_dir() -> Path:
    """Where artifacts are kept across sessions: $JUPYTER_VSCODE_TEST_CACHE; else inside CI's
    own cache, $JUPYTER_VSCODE_CI_CACHE/test-cache (.ci/run writes nothing elsewhere); else
    jupyter-vscode-test in the user's cache ($XDG_CACHE_HOME or ~/.cache as the tests start).
    Never the shared /tmp, where a large tarball outlives the run and another user's file
    could stand in for it."""
    given = os.environ.get("JUPYTER_VSCODE_TEST_CACHE")
    if given:
        return Path(given)
    ci = os.environ.get("JUPYTER_VSCODE_CI_CACHE")
    if ci:
        return Path(ci) / "test-cache"
    return USER_CACHE / "jupyter-vscode-test"


# Like the launcher in coder's release tarballs: follow symlinks to the install, run lib/node.
LAUNCHER = """\
#!/bin/sh
set -eu
script=$0
cd "$(dirname "$script")"
while [ -L "$(basename "$script")" ]; do
  script=$(readlink "$(basename "$script")")
  cd "$(dirname "$script")"
done
ROOT=$(dirname "$PWD")
exec "$ROOT/lib/node" "$ROOT" "$@"
"""


def _npm_install() -> tuple[str, Path]:
    layout = Layout(PREFIX)
    candidates = sorted(layout.versions.glob("*-npm")) if layout.versions.is_dir() else []
    for path in reversed(candidates):
        found = layout.read_install(path)
        if found is not None and (path / "app/node_modules/code-server/package.json").is_file():
            return found.version, path
    reason = f"no npm-method code-server install in {PREFIX} to build a release tarball from"
    skip_or_fail(reason)
    raise AssertionError("unreachable")


def real_release_tarball() -> Path:
    version, install = _npm_install()
    name = f"code-server-{version}-linux-{release_arch()}"
    cache = artifact_cache_dir()
    tarball = cache / f"{name}.tar"
    if tarball.is_file():
        return tarball
    cache.mkdir(parents=True, exist_ok=True)
    tmp = tarball.with_name(f".{tarball.name}.{os.getpid()}")
    package = install / "app" / "node_modules" / "code-server"
    node = next((install / "runtime" / "node_modules").glob("node-linux-*/bin/node"))
    with tarfile.open(tmp, "w") as tar:
        tar.add(package, arcname=name)
        for dep in sorted((install / "app" / "node_modules").iterdir()):
            if dep.name != "code-server":
                tar.add(dep, arcname=f"{name}/node_modules/{dep.name}")
        tar.add(node.resolve(), arcname=f"{name}/lib/node")
        info = tarfile.TarInfo(f"{name}/bin/code-server")
        info.size, info.mode = len(LAUNCHER), 0o755
        tar.addfile(info, io.BytesIO(LAUNCHER.encode()))
    os.replace(tmp, tarball)
    return tarball


def installer_has_file_method() -> bool:
    proc = subprocess.run(
        [sys.executable, "-m", "jupyter_vscode.cli", "install", "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return "--from" in proc.stdout and "file" in proc.stdout


def need_real_code_server() -> str:
    real = require_real_code_server()
    if not installer_has_file_method():
        pytest.skip("`jupyter vscode install` has no `--method file --from` yet")
    return real


_WHEELS: list[Path] = []


def build_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This package as a wheel: $JUPYTER_VSCODE_TEST_WHEEL, else built once per session."""
    given = os.environ.get("JUPYTER_VSCODE_TEST_WHEEL")
    if given:
        return Path(given)
    if not _WHEELS:
        out = tmp_path_factory.mktemp("wheel")
        cmd = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(ROOT), "-w", str(out)]
        subprocess.run(cmd, check=True, timeout=600)
        _WHEELS.append(next(out.glob("jupyter_vscode-*.whl")))
    return _WHEELS[0]


@pytest.fixture(scope="session")
def package_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    need_real_code_server()  # don't spend a minute building for a test that would skip
    return build_wheel(tmp_path_factory)


@pytest.fixture(scope="session")
def code_server_tarball(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A release-shaped tarball whose bin/code-server execs the real one."""
    real = need_real_code_server()
    work = tmp_path_factory.mktemp("tarball")
    first = subprocess.run(
        [real, "--version", "--config", NO_CONFIG_FILE],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    version = re.search(r"^(\d+\.\d+\.\d+) ", first, re.M).group(1)  # type: ignore[union-attr]
    top = f"code-server-{version}-linux-amd64"
    exe = work / top / "bin" / "code-server"
    exe.parent.mkdir(parents=True)
    exe.write_text(f'#!/bin/sh\nexec {shlex.quote(real)} "$@"\n')
    exe.chmod(0o755)
    # the rest of a release's shape that the installer checks
    (work / top / "lib").mkdir()
    (work / top / "lib" / "node").write_text("#!/bin/sh\necho 'not used' >&2; exit 1\n")
    (work / top / "lib" / "node").chmod(0o755)
    (work / top / "package.json").write_text(
        json.dumps({"name": "code-server", "version": version})
    )
    tarball = work / "dist" / f"{top}.tar.gz"
    tarball.parent.mkdir()
    with tarfile.open(tarball, "w:gz") as tar:
        tar.add(work / top, arcname=top)
    return tarball


@pytest.fixture(scope="session")
def real_tarball() -> Path:
    """A release tarball with the real code-server's content, cached across sessions by the
    installer's tests (built from the npm install, which stays untouched)."""
    need_real_code_server()
    return real_release_tarball()


@pytest.fixture(scope="session")
def serve(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """serve(path) -> a loopback http URL of that file (with a presigned-URL-like query)."""
    root = tmp_path_factory.mktemp("served")
    handler = partial(SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def url(path: Path) -> str:
        link = root / path.name
        if not link.exists():
            link.symlink_to(path)
        return f"http://127.0.0.1:{server.server_address[1]}/{path.name}?X-Amz-Signature=abc"

    yield url
    server.shutdown()
