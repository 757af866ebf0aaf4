#!/usr/bin/env bash
# Installs for the JupyterHub tests' local users (tests/hub), in a prefix they can read.
#
# The hub tests spawn single-user servers as freshly created local users. Those users cannot
# enter /root (mode 0700), where the CI/dev virtualenv, its Python and the real code-server
# live, so this script puts, under $JUPYTER_VSCODE_HUB_PREFIX (required: .ci/run makes it under its
# cache, or as a temporary directory it removes; a developer picks one, e.g. /srv/jv-hub-test),
# world-readable:
#   venv/         a virtualenv on the system python3 with this package, jupyterhub (for
#                 jupyterhub-singleuser) and jupyterlab, pinned to the calling venv's versions
#   code-server/  a code-server: a hard-linked (else copied) copy of the one the calling
#                 environment finds if it was installed by `jupyter vscode install`, else
#                 installed fresh with `jupyter vscode install --prefix`; made anew on every
#                 run, so a prefix used before never serves an older code-server
#
# usage (as root, with the test venv active):  bash tests/hub/provision.sh [WHEEL]
# Without WHEEL the checkout is installed editable, so later code changes need no re-run.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PREFIX=${JUPYTER_VSCODE_HUB_PREFIX:?set JUPYTER_VSCODE_HUB_PREFIX to a directory the test users can enter}
PY=${PYTHON:-python}
SYSTEM_PYTHON=${JUPYTER_VSCODE_HUB_PYTHON:-/usr/bin/python3}
umask 022
mkdir -p "$PREFIX"
chmod 755 "$PREFIX"

# -- the users' virtualenv ----------------------------------------------------------------
VENV=$PREFIX/venv
[ -x "$VENV/bin/python" ] || "$SYSTEM_PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
# The versions that matter as in the hub's venv (the hub and jupyterhub-singleuser must match;
# the proxy stack as tested). Not all of them: the system Python may be an older patch release.
"$PY" -m pip freeze --exclude-editable |
    grep -iE '^(jupyterhub|jupyter[-_]server|jupyter[-_]server[-_]proxy|simpervisor|tornado|jupyterlab|traitlets)==' \
        >"$PREFIX/constraints.txt"
"$VENV/bin/python" -m pip install -q -c "$PREFIX/constraints.txt" jupyterhub jupyterlab
if [ $# -ge 1 ]; then
    "$VENV/bin/python" -m pip install -q --force-reinstall --no-deps "$1"
    "$VENV/bin/python" -m pip install -q -c "$PREFIX/constraints.txt" "$1"
else
    "$VENV/bin/python" -m pip install -q -c "$PREFIX/constraints.txt" -e "$ROOT"
fi
# (no grep -q: with pipefail, jupyter would die of SIGPIPE)
"$VENV/bin/jupyter" server extension list 2>&1 | grep "jupyter_vscode.*enabled" >/dev/null

# -- code-server ----------------------------------------------------------------------------
CS=$PREFIX/code-server/bin/code-server
# code-server writes a config file (with a password) unless given one that exists: /dev/null
found=$("$PY" -c 'from jupyter_vscode.locate import find_code_server as f; print(f().path or "")')
real=$(readlink -f "${found:-/nonexistent}")
install_root=$(dirname "$(dirname "$real")")
rm -rf "$PREFIX/code-server"
if [ -n "$found" ] && [ -f "$install_root/jupyter-vscode-install.json" ]; then
    # An install made by `jupyter vscode install`: relocatable, so a hard-linked copy
    # (no extra disk, instant) works; a plain copy when the prefix is on another file system.
    name=$(basename "$install_root")
    mkdir -p "$PREFIX/code-server/versions" "$PREFIX/code-server/bin"
    cp -al "$install_root" "$PREFIX/code-server/versions/$name" 2>/dev/null ||
        cp -a "$install_root" "$PREFIX/code-server/versions/$name"
    ln -s "versions/$name" "$PREFIX/code-server/current"
    ln -s ../current/bin/code-server "$CS"
else
    "$PY" -m jupyter_vscode.cli install -q --prefix "$PREFIX/code-server"
fi
chmod -R a+rX "$PREFIX/code-server"
"$CS" --version --config /dev/null | head -1
echo "hub test prefix ready: $PREFIX"
