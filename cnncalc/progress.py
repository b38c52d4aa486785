"""Progress for long work (issue 14 item 6): a rich progress line on stderr, only when stderr is
a terminal (the CLI calls `enable()`; library use and pipes never see one), and only once the
work has taken `DELAY` seconds, so the usual sub-second run prints nothing. It is transient: the
line is erased when the work ends, leaving stderr as it would be without it.

The engine calls `step(what, done, total)` in its long loops (sizes tried by `constraints`, files
of `validate`, layers of a symbolic or very large network); rich is imported only when a line is
first shown.
"""

from __future__ import annotations

import time
from typing import Any, TextIO

DELAY = 0.5  # seconds of work before a progress line appears
_EVERY = 0.05  # redraw at most this often: a tick is a few attribute reads otherwise


class _State:
    enabled = False
    stream: TextIO | None = None
    clock: Any = time.monotonic
    started: dict[str, float] = {}
    shown: dict[str, Any] = {}  # what -> (rich Progress, task id)
    last = 0.0


def enable(stream: TextIO | None = None, clock: Any = None) -> None:
    """Show progress on `stream` (default: stderr) from now on; `clock` for tests."""
    import sys

    _State.enabled = True
    _State.stream = stream or sys.stderr
    _State.clock = clock or time.monotonic


def disable() -> None:
    finish()
    _State.enabled = False


def step(what: str, done: int, total: int | None = None) -> None:
    """`done` of `total` (None: unknown) units of `what`; cheap enough for a loop per layer."""
    if not _State.enabled:
        return
    now = _State.clock()
    start = _State.started.setdefault(what, now)
    if now - start < DELAY or now - _State.last < _EVERY:
        return
    _State.last = now
    if what not in _State.shown:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        console = Console(file=_State.stream, force_terminal=True, markup=False, highlight=False)
        bar = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:,}"
                       + ("/{task.total:,.0f}" if total else "")), TimeElapsedColumn(),
                       console=console, transient=True, auto_refresh=False)
        bar.start()
        _State.shown[what] = (bar, bar.add_task(what, total=total))
    bar, task = _State.shown[what]
    bar.update(task, completed=done, total=total)
    bar.refresh()


def finish(what: str | None = None) -> None:
    """The work of `what` (None: all) is done: erase its line."""
    for name in [what] if what is not None else list(_State.started):
        _State.started.pop(name, None)
        shown = _State.shown.pop(name, None)
        if shown is not None:
            shown[0].stop()
