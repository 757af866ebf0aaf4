"""``install()``: put a code-server version into a prefix and make it the active one.

Steps, each safe to interrupt: check the prefix, take the lock, clear leftovers of killed runs,
resolve the version, build into ``staging/``, verify, rename into ``versions/``, switch
``current`` atomically, optionally prune. Until the switch, the previous install keeps working.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import errors
from .layout import InstalledVersion, Layout, version_dir_name, write_marker
from .lock import InstallLock
from .methods import AUTO, METHODS, BuildContext, Method, choose_method
from .report import Reporter
from .verify import verify_executable

#: Below this much free space in the prefix we warn (an npm install is ~620 MB, plus cache).
LOW_DISK_BYTES = 1_500_000_000


@dataclass
class InstallOptions:
    prefix: Path
    method: str = AUTO
    version: str | None = None
    force: bool = False
    prune: bool = False
    lock_timeout: float = 1800.0


@dataclass
class InstallResult:
    install: InstalledVersion
    #: False when the requested version was already installed and active (a no-op).
    changed: bool
    executable: Path
    log: Path | None = None
    pruned: tuple[Path, ...] = ()


def install(
    options: InstallOptions,
    reporter: Reporter | None = None,
    methods: dict[str, Callable[[], Method]] | None = None,
) -> InstallResult:
    reporter = reporter or Reporter()
    methods = methods if methods is not None else METHODS
    layout = Layout(Path(os.path.abspath(os.path.expanduser(options.prefix))))
    method_name = choose_method(options.method)
    requested = (options.version or "").strip().lstrip("v") or None

    # Fast path, without lock or registry: the requested version is already the active one.
    if requested and not options.force and not options.prune:
        present = layout.installed(requested, method_name)
        if present is not None and layout.is_active(present):
            reporter.info(f"code-server {requested} is already installed in {present.path}")
            return InstallResult(present, False, layout.bin_link)

    _ensure_writable(layout.prefix)
    method = methods[method_name]()

    with InstallLock(layout.lock_file, timeout=options.lock_timeout, on_wait=reporter.info):
        for leftover in layout.clear_staging():
            reporter.info(f"removed {leftover.name} left over from an interrupted install")

        present = layout.installed(requested, method_name) if requested else None
        if present is None or options.force:
            method.check()
            if requested:
                reporter.info(f"checking code-server {requested} on the npm registry")
            else:
                reporter.info("asking the npm registry for the newest code-server")
            release = method.resolve(requested)
            present = layout.installed(release.version, method_name)

        if present is not None and not options.force:
            changed = not layout.is_active(present)
            if changed:
                layout.activate(present)
                reporter.info(f"switched to the installed code-server {present.version}")
            else:
                reporter.info(f"code-server {present.version} is already installed")
            result = InstallResult(present, changed, layout.bin_link)
        else:
            _warn_low_disk(layout.prefix, reporter)
            log = layout.new_log_file()
            reporter.info(
                f"installing code-server {release.version} with {method_name} into "
                f"{layout.versions / version_dir_name(release.version, method_name)}"
            )
            reporter.info(f"log: {log}")
            started = time.monotonic()
            stage = layout.new_staging_dir(version_dir_name(release.version, method_name))
            try:
                extra = method.build(stage, release, BuildContext(log, reporter))
                write_marker(
                    stage,
                    version=release.version,
                    method=method_name,
                    installed=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                    **extra,
                )
                reporter.info("verifying the new install")
                line = verify_executable(stage / "bin" / "code-server", release.version, log)
                reporter.info(f"code-server --version: {line}")
                new = layout.commit(stage, release.version, method_name)
            finally:
                if stage.exists():
                    shutil.rmtree(stage, ignore_errors=True)
            layout.activate(new)
            took = int(time.monotonic() - started)
            reporter.info(f"installed code-server {new.version} in {took} s")
            result = InstallResult(new, True, layout.bin_link, log)

        if options.prune:
            result.pruned = tuple(layout.prune(result.install))
            for path in result.pruned:
                reporter.info(f"removed old version {path.name}")
    return result


def _ensure_writable(prefix: Path) -> None:
    try:
        prefix.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=prefix, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise errors.prefix_not_writable(prefix, exc.strerror or str(exc)) from None


def _warn_low_disk(prefix: Path, reporter: Reporter) -> None:
    try:
        free = shutil.disk_usage(prefix).free
    except OSError:
        return
    if free < LOW_DISK_BYTES:
        reporter.info(
            f"warning: only {free // 1_000_000} MB free in {prefix}; code-server needs about "
            "700 MB (plus npm's cache)"
        )
