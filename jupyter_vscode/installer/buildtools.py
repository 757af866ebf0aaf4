"""What the npm method's native build needs from the host, found the way node-gyp finds it.

code-server's npm package compiles native modules with node-gyp, which needs a C++ compiler
(``$CXX``, else ``g++``: what gyp's Makefiles run), ``make`` (``$MAKE``, else ``make``) and a
Python 3 (``$NODE_GYP_FORCE_PYTHON``, ``$PYTHON``, ``$npm_config_python``, else ``python3``).
Checking these takes milliseconds, so a missing one fails the install before anything is
downloaded, instead of after minutes of compiling.

One optional part: the Kerberos (gssapi) headers, needed only by VS Code's ``kerberos`` module
(Kerberos/Negotiate proxy authentication). :func:`has_gssapi` asks the compiler whether
``#include <gssapi/gssapi.h>`` resolves, with the same ``CPPFLAGS``/``CXXFLAGS`` make passes.

Everything is read from the environment (``PATH`` included), so tests steer it with env vars.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass

GSSAPI_HEADER = "gssapi/gssapi.h"


@dataclass(frozen=True)
class Toolchain:
    """The build tools as node-gyp would run them; None where one is not found."""

    cxx: tuple[str, ...] | None
    make: str | None
    python: str | None

    def missing(self) -> list[str]:
        """Names of the missing tools, as the user knows them."""
        found = (("a C++ compiler", self.cxx), ("make", self.make), ("python3", self.python))
        return [name for name, tool in found if not tool]


def find_toolchain(env: Mapping[str, str] | None = None) -> Toolchain:
    env = os.environ if env is None else env
    path = env.get("PATH", os.defpath)

    def which(command: str) -> str | None:
        return shutil.which(command, path=path)

    cxx_words = shlex.split(env.get("CXX", "")) or ["g++"]
    compiler = which(cxx_words[0])
    cxx = (compiler, *cxx_words[1:]) if compiler else None
    make = which(env.get("MAKE") or "make")
    python = None
    for var in ("NODE_GYP_FORCE_PYTHON", "PYTHON", "npm_config_python"):
        if env.get(var):
            python = which(env[var])
            break
    else:
        python = which("python3")
    return Toolchain(cxx, make, python)


def has_gssapi(toolchain: Toolchain, env: Mapping[str, str] | None = None) -> bool:
    """Whether the compiler finds the Kerberos gssapi header (False without a compiler)."""
    if not toolchain.cxx:
        return False
    env = os.environ if env is None else env
    flags = shlex.split(env.get("CPPFLAGS", "")) + shlex.split(env.get("CXXFLAGS", ""))
    cmd = [*toolchain.cxx, *flags, "-E", "-x", "c++", "-o", os.devnull, "-"]
    try:
        proc = subprocess.run(
            cmd,
            input=f"#include <{GSSAPI_HEADER}>\n",
            capture_output=True,
            text=True,
            timeout=60,
            env=dict(env),
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return proc.returncode == 0
