#!/usr/bin/env python3
"""Build what a release would upload, check it, and print it: ``python .ci/release_check.py``.

1. A wheel from the source tree (builds the labextension with Node, fresh).
2. The sdist from the source tree.
3. A wheel from that sdist alone, with no Node on PATH: its files must be byte-identical to (1)'s.
4. ``twine check --strict`` on the sdist and that wheel.
5. The file lists (tests/support/distfiles.py): LICENSE, the prebuilt labextension and the
   jupyter-config files present; nothing from node_modules, caches or build leftovers.
6. The versions agree: labextension/package.json (the one source), the wheel's metadata,
   jupyter_vscode/_version.py and the built labextension's package.json.
7. Every runtime dependency's license is known (pip-licenses on a venv holding only the wheel
   and its dependencies; tests/support/licenses.py).

Prints the sdist and the wheel from the sdist (what `python -m build` makes, and what the
release workflow uploads) with sizes and sha256, and exits non-zero on the first failed step.
Writes only under --outdir (default: dist/ in the checkout) and the checkout's git-ignored
jupyter_vscode/labextension/ and _version.py. Needs: build, twine, pip-licenses (the [dev] extra).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support import distfiles, licenses  # noqa: E402

NODE_TOOLS = ("node", "npm", "npx", "yarn", "jlpm")


def step(text: str) -> None:
    print(f"\n--> {text}", flush=True)


def fail(text: str) -> None:
    print(f"\nrelease check FAILED: {text}", file=sys.stderr, flush=True)
    raise SystemExit(1)


def run(cmd: list[str], log: Path, env: dict[str, str] | None = None) -> None:
    with log.open("w") as out:
        proc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, check=False)
    if proc.returncode:
        print(log.read_text()[-4000:], file=sys.stderr)
        fail(f"{' '.join(cmd)} exited {proc.returncode} (log: {log})")


def one(folder: Path, pattern: str) -> Path:
    found = sorted(folder.glob(pattern))
    if len(found) != 1:
        fail(f"expected one {pattern} in {folder}, found {[p.name for p in found]}")
    return found[0]


def digests(wheel: Path) -> dict[str, str]:
    with zipfile.ZipFile(wheel) as whl:
        return {
            n: hashlib.sha256(whl.read(n)).hexdigest()
            for n in whl.namelist()
            if not n.endswith("/")
        }


def nodeless_env(scratch: Path) -> dict[str, str]:
    """This environment with a PATH that has Python and nothing from Node."""
    bin_dir = scratch / "no-node-bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    for name in ("python", "python3"):
        link = bin_dir / name
        if not link.exists():
            link.symlink_to(sys.executable)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NODE", "NPM", "YARN"))}
    env["PATH"] = str(bin_dir)
    for tool in NODE_TOOLS:
        if shutil.which(tool, path=env["PATH"]):
            fail(f"{tool} is still on the node-less PATH {env['PATH']}")
    return env


def wheel_metadata_version(wheel: Path) -> str:
    with zipfile.ZipFile(wheel) as whl:
        meta = next(n for n in whl.namelist() if n.endswith(".dist-info/METADATA"))
        for line in whl.read(meta).decode().splitlines():
            if line.startswith("Version: "):
                return line.split(": ", 1)[1]
    fail(f"{wheel.name} has no Version in its METADATA")
    return ""


def check_versions(wheel: Path, sdist: Path) -> str:
    source = json.loads((ROOT / "labextension/package.json").read_text())["version"]
    from jupyter_vscode.checkout_version import pep440  # as a never-built checkout converts

    expected = pep440(source)
    found = {"wheel METADATA": wheel_metadata_version(wheel)}
    with zipfile.ZipFile(wheel) as whl:
        version_py = whl.read("jupyter_vscode/_version.py").decode()
        found["wheel jupyter_vscode/_version.py"] = version_py.split("= ")[-1].strip().strip("'\"")
        lab = next(
            n for n in whl.namelist() if n.endswith("labextensions/jupyter-vscode/package.json")
        )
        found["wheel labextension package.json"] = pep440(json.loads(whl.read(lab))["version"])
    found["sdist file name"] = sdist.name.removeprefix("jupyter_vscode-").removesuffix(".tar.gz")
    wrong = {k: v for k, v in found.items() if v != expected}
    if wrong:
        fail(f"labextension/package.json says {source} ({expected}), but {wrong}")
    return expected


def check_licenses(wheel: Path, scratch: Path) -> None:
    venv = scratch / "licenses-venv"
    shutil.rmtree(venv, ignore_errors=True)
    run([sys.executable, "-m", "venv", str(venv)], scratch / "licenses-venv.log")
    py = venv / "bin" / "python"
    run(
        [str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(wheel)],
        scratch / "licenses-install.log",
    )
    out = subprocess.run(
        ["pip-licenses", f"--python={py}", "--from=mixed", "--format=json", "--with-system"],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode:
        fail(f"pip-licenses failed: {out.stderr.strip()}")
    rows = json.loads(out.stdout)
    # the venv's own tools, and this package (its LICENSE is checked in the file lists)
    bad = licenses.unknown(rows, skip=frozenset({"pip", "setuptools", "jupyter-vscode"}))
    if bad:
        fail(
            "runtime dependencies with an unknown license (read each one's license, then add it"
            " to tests/support/licenses.py KNOWN):\n  " + "\n  ".join(bad)
        )
    print(f"{len(rows)} installed distributions, every license known")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--outdir", type=Path, default=ROOT / "dist", help="default: dist/")
    p.add_argument(
        "--skip-licenses", action="store_true", help="skip step 7 (it installs from the index)"
    )
    args = p.parse_args(argv)
    out = args.outdir.resolve()
    if out.exists():
        # only ever remove what an earlier run made
        other = [
            p.name for p in out.iterdir() if not p.name.startswith(("jupyter_vscode-", "work"))
        ]
        if other or not out.is_dir() or out == ROOT:
            fail(f"--outdir {out} holds other files ({', '.join(sorted(other)[:5])}): pick another")
        shutil.rmtree(out)
    scratch = out / "work"
    for d in ("tree", "sdist-wheel", "logs"):
        (scratch / d).mkdir(parents=True)
    logs = scratch / "logs"
    build = [sys.executable, "-m", "build"]

    step("1. wheel from the source tree (fresh labextension build, with Node)")
    shutil.rmtree(ROOT / "jupyter_vscode/labextension", ignore_errors=True)
    run([*build, "--wheel", "--outdir", str(scratch / "tree"), str(ROOT)], logs / "tree.log")
    tree_wheel = one(scratch / "tree", "*.whl")

    step("2. sdist from the source tree")
    run([*build, "--sdist", "--outdir", str(out), str(ROOT)], logs / "sdist.log")
    sdist = one(out, "*.tar.gz")

    step("3. wheel from the sdist alone, without Node")
    unpacked = scratch / "unpacked"
    with tarfile.open(sdist) as tar:
        tar.extractall(unpacked, filter="data")
    src = one(unpacked, "jupyter_vscode-*")
    run(
        [*build, "--wheel", "--outdir", str(out), str(src)],
        logs / "sdist-wheel.log",
        env=nodeless_env(scratch),
    )
    wheel = one(out, "*.whl")
    a, b = digests(tree_wheel), digests(wheel)
    if a != b:
        diff = sorted(set(a) ^ set(b)) + sorted(n for n in set(a) & set(b) if a[n] != b[n])
        fail(f"the wheel from the sdist differs from the tree's in {len(diff)} files: {diff[:20]}")
    print(f"identical: {len(b)} files, each byte for byte")

    step("4. twine check --strict")
    run(["twine", "check", "--strict", str(sdist), str(wheel)], logs / "twine.log")
    print((logs / "twine.log").read_text().strip())

    step("5. file lists")
    version = wheel_metadata_version(wheel)
    bad = distfiles.problems("sdist", distfiles.sdist_names(sdist), version)
    bad += distfiles.problems("wheel", distfiles.wheel_names(wheel), version)
    if bad:
        fail("\n  ".join(["file lists:", *bad]))
    print(f"sdist: {len(distfiles.sdist_names(sdist))} files; wheel: {len(b)} files; all present")

    step("6. versions agree")
    print(f"version {check_versions(wheel, sdist)} everywhere")

    if not args.skip_licenses:
        step("7. runtime dependencies' licenses")
        check_licenses(wheel, scratch)

    shutil.rmtree(scratch)
    step("would upload")
    for f in (sdist, wheel):
        digest = hashlib.sha256(f.read_bytes()).hexdigest()
        print(f"{f}  {f.stat().st_size:>9} bytes  sha256 {digest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
