"""The report as text for people (aligned, with markers) or as JSON for programs."""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from typing import TextIO

from .. import __version__
from .report import FAIL, OK, WARN, Report

_SYMBOLS = {OK: "✓", WARN: "!", FAIL: "✗"}
_WORDS = {OK: "OK", WARN: "WARN", FAIL: "FAIL"}
_COLOURS = {OK: "32", WARN: "33", FAIL: "31"}


def _can_encode(stream: TextIO, text: str) -> bool:
    try:
        text.encode(getattr(stream, "encoding", None) or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def use_colour(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def to_json(report: Report) -> str:
    return json.dumps(report.to_json(), indent=2, default=str)


def to_text(report: Report, stream: TextIO = sys.stdout, colour: bool | None = None) -> str:
    colour = use_colour(stream) if colour is None else colour
    symbols = _can_encode(stream, "".join(_SYMBOLS.values()) + "→")
    marks = _SYMBOLS if symbols else _WORDS
    width_mark = max(len(m) for m in marks.values())

    def mark(status: str) -> str:
        text = marks[status].ljust(width_mark)
        return f"\033[{_COLOURS[status]}m{text}\033[0m" if colour else text

    def bold(text: str) -> str:
        return f"\033[1m{text}\033[0m" if colour else text

    arrow = "→" if symbols else "->"
    out: list[str] = []
    stamp = time.strftime("%Y-%m-%d %H:%M:%S %z")
    out.append(bold(f"jupyter-vscode {__version__} doctor") + f"  ({stamp}, {platform.node()})")
    out.append("")
    out.append(bold("Checks"))
    name_width = max((len(c.name) for c in report.checks), default=0)
    indent = " " * (2 + width_mark + 1 + name_width + 2)
    for c in report.checks:
        out.append(f"  {mark(c.status)} {c.name.ljust(name_width)}  {c.detail}")
        if c.hint and c.status != OK:
            out.append(f"{indent}{arrow} {c.hint}")

    out.append("")
    out.append(bold("Options") + " (c.VSCode.*)")
    opt_width = max((len(n) for n in report.options), default=0)
    val_width = min(60, max((len(repr(o["value"])) for o in report.options.values()), default=0))
    for name, opt in report.options.items():
        value = repr(opt["value"])
        line = f"  {name.ljust(opt_width)}  {value.ljust(val_width)}  {opt['source']}"
        if opt.get("error"):
            line += f"  {mark(FAIL).strip()} invalid"
        out.append(line.rstrip())

    out.append("")
    log = report.log
    if log.get("error"):
        out.append(bold("Log") + f": cannot read: {log['error']}")
    elif not log.get("file"):
        where = f" in {log['dir']}" if log.get("dir") else ""
        out.append(bold("Log") + f": no code-server log{where} (code-server has not run yet)")
    else:
        out.append(bold("Log") + f": {log['file']} (last {len(log['lines'])} lines)")
        out.extend(f"  | {line}" for line in log["lines"])

    for note in report.notes:
        out.append(f"Note: {note}")
    out.append("")
    fails = sum(c.status == FAIL for c in report.checks)
    warns = sum(c.status == WARN for c in report.checks)
    if fails:
        summary = f"{fails} problem{'s' * (fails != 1)} blocking VS Code"
    else:
        summary = "no problem blocking VS Code"
    if warns:
        summary += f", {warns} warning{'s' * (warns != 1)}"
    out.append(bold("Result") + f": {summary}")
    return "\n".join(out) + "\n"
