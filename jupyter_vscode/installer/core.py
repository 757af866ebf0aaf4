"""``install()``: put a code-server version into a prefix and make it the active one.

Steps, each safe to interrupt: refuse versions this host's glibc cannot run, check the prefix,
take the lock, clear leftovers of killed runs, pick the method (``auto``: standalone when the
release tarballs are reachable, else npm), resolve the version (without --version: the newest
that runs here), build into ``staging/``, verify, rename into ``versions/``, switch
``current`` atomically, then prune: remove the other versions (unless a running process still
uses one: that one is kept and removed by a later install) and leftovers of interrupted
installs. Until the switch, the previous install keeps working.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from . import compat, errors, integrity
from .base import BuildContext, InstallMethod, Release
from .inuse import human_size, process_name
from .layout import InstalledVersion, Layout, Removed, version_dir_name, write_marker
from .lock import InstallLock
from .methods import METHODS, choose_method, kinds_for
from .options import AUTO, InstallOptions
from .report import Reporter
from .verify import verify_executable

#: Below this much free space in the prefix we warn (an npm install is ~620 MB, plus cache).
LOW_DISK_BYTES = 1_500_000_000


@dataclass
class InstallResult:
    install: InstalledVersion
    #: False when the requested version was already installed and active (a no-op).
    changed: bool
    executable: Path
    log: Path | None = None
    #: old versions and leftovers removed, with the space they took.
    pruned: tuple[Removed, ...] = ()
    #: old versions kept because running processes (their pids) still use them.
    kept: dict[Path, list[int]] = field(default_factory=dict)

    @property
    def freed(self) -> int:
        return sum(r.size for r in self.pruned)


def install(
    options: InstallOptions,
    reporter: Reporter | None = None,
    methods: Mapping[str, type[InstallMethod]] | None = None,
) -> InstallResult:
    reporter = reporter or Reporter()
    methods = methods if methods is not None else METHODS
    layout = Layout(Path(os.path.abspath(os.path.expanduser(options.prefix))))
    if options.method != AUTO and options.method not in methods:
        raise ValueError(f"unknown install method {options.method!r}")
    requested = (options.version or "").strip().lstrip("v") or None
    glibc = compat.parse_glibc(options.glibc) if options.glibc else compat.detect_glibc()
    kinds = kinds_for(options.method)
    # The version we know without any network: --version, or the name of the --from tarball.
    chosen = methods.get(options.method)
    hint = requested or (chosen.version_hint(options) if chosen is not None else None)
    if hint and compat.is_release(hint):
        compat.check_runs(hint, glibc)  # refuse before downloading anything

    # Fast path, without lock or network: the requested version is already the active one.
    # (Not while something is left to prune: that needs the lock.)
    if hint and not options.force:
        present = _installed(layout, hint, kinds)
        if (
            present is not None
            and layout.is_active(present)
            and not (options.prune and layout.has_leftovers(present))
        ):
            reporter.info(f"code-server {hint} is already installed in {present.path}")
            return InstallResult(present, False, layout.bin_link)

    _ensure_writable(layout.prefix)
    method: InstallMethod | None = None

    with InstallLock(layout.lock_file, timeout=options.lock_timeout, on_wait=reporter.info):
        try:
            leftovers = layout.clear_staging()
            for leftover in leftovers:
                reporter.info(
                    f"removed {leftover.path.name} left over from an interrupted install "
                    f"({human_size(leftover.size)})"
                )

            present = _installed(layout, hint, kinds) if hint else None
            if present is None or options.force:
                method_name = choose_method(
                    options.method,
                    available=methods,
                    mirror=options.mirror,
                    allow_http=options.allow_insecure_http,
                )
                if options.method == AUTO:
                    why = "" if method_name == "standalone" else " (no release tarball reachable)"
                    reporter.info(f"install method: {method_name}{why}")
                method = methods[method_name]()
                method.configure(options, layout.staging, reporter)
                method.check()
                release = _resolve(method, requested, glibc, reporter)
                compat.check_runs(release.version, glibc)
                kind = method.install_kind()
                present = _installed(
                    layout, release.version, (kind,) if options.force else (kind, *kinds)
                )

            if present is not None and not options.force:
                changed = not layout.is_active(present)
                if changed:
                    layout.activate(present)
                    reporter.info(f"switched to the installed code-server {present.version}")
                else:
                    reporter.info(f"code-server {present.version} is already installed")
                result = InstallResult(present, changed, layout.bin_link)
            else:
                assert method is not None
                result = _build(layout, method, method_name, kind, release, reporter)

            result.pruned = tuple(leftovers)
            if options.prune:
                _prune(layout, result, reporter)
        finally:
            if method is not None:
                method.close()
    return result


def _prune(layout: Layout, result: InstallResult, reporter: Reporter) -> None:
    removed, kept = layout.prune(result.install)
    result.pruned += tuple(removed)
    result.kept = kept
    for old in removed:
        reporter.info(f"removed old version {old.path.name} ({human_size(old.size)})")
    for path, pids in kept.items():
        users = ", ".join(f"{pid} ({process_name(pid)})" for pid in pids[:5])
        reporter.info(
            f"kept old version {path.name}: still used by running process {users}; the next "
            "`jupyter vscode install` removes it once that has ended (restart Jupyter to end "
            "a code-server started from it)"
        )
    if result.pruned:
        reporter.info(f"freed {human_size(result.freed)} in {layout.prefix}")


def _resolve(
    method: InstallMethod, requested: str | None, glibc: compat.Glibc | None, reporter: Reporter
) -> Release:
    where = method.registry_label
    cap = compat.version_cap(glibc)
    if requested:
        reporter.info(f"checking code-server {requested} on {where}")
        return method.resolve(requested)
    if cap is not None and method.resolves_at_most:
        assert glibc is not None
        reporter.info(
            f"glibc {compat.format_glibc(glibc)}: code-server {cap} is the newest release that "
            "runs here"
        )
        reporter.info(f"asking {where} for the newest code-server up to {cap}")
        return method.resolve_at_most(cap)
    reporter.info(f"asking {where} for the newest code-server")
    return method.resolve(None)


def _build(
    layout: Layout,
    method: InstallMethod,
    method_name: str,
    kind: str,
    release: Release,
    reporter: Reporter,
) -> InstallResult:
    _warn_low_disk(layout.prefix, reporter)
    log = layout.new_log_file()
    reporter.info(
        f"installing code-server {release.version} with {method_name} into "
        f"{layout.versions / version_dir_name(release.version, kind)}"
    )
    reporter.info(f"log: {log}")
    started = time.monotonic()
    stage = layout.new_staging_dir(version_dir_name(release.version, kind))
    try:
        extra = method.build(stage, release, BuildContext(log, reporter))
        integrity.report(reporter, release.version, extra)
        if method_name != kind:
            extra = {**extra, "install_method": method_name}
        write_marker(
            stage,
            version=release.version,
            method=kind,
            installed=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            **extra,
        )
        reporter.info("verifying the new install")
        line = verify_executable(stage / "bin" / "code-server", release.version, log)
        reporter.info(f"code-server --version: {line}")
        new = layout.commit(stage, release.version, kind)
    finally:
        if stage.exists():
            shutil.rmtree(stage, ignore_errors=True)
    layout.activate(new)
    took = int(time.monotonic() - started)
    reporter.info(f"installed code-server {new.version} in {took} s")
    return InstallResult(new, True, layout.bin_link, log)


def _installed(layout: Layout, version: str, kinds: tuple[str, ...]) -> InstalledVersion | None:
    """An install of ``version`` of one of ``kinds``; the active one if several."""
    found = [i for i in (layout.installed(version, kind) for kind in kinds) if i is not None]
    for candidate in found:
        if layout.is_active(candidate):
            return candidate
    return found[0] if found else None


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
