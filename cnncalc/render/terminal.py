"""The one rich Console every terminal renderer prints to (imported when one is made), and the
trailing spaces every table loses."""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # rich is imported by what draws with it, not by the summary table's path
    from rich.console import Console


def console(pipe_width: int = 200) -> Console:
    """Names and titles come from user files, so nothing is read as rich markup or emoji, and
    nothing is re-coloured by rich's highlighter (which also costs time on big tables). When
    stdout is not a terminal the width is generous, so piped tables are not wrapped."""
    from rich.console import Console

    return Console(
        width=None if sys.stdout.isatty() else pipe_width,
        soft_wrap=False,
        markup=False,
        emoji=False,
        highlight=False,
    )


_TRAILING = re.compile(r" +((?:\x1b\[[0-9;]*m)*)$", re.M)


def without_trailing_spaces(text: str) -> str:
    """rich pads every line to the table's width; a line ends at its last character (before the
    escape sequences that close its styles, when it has any)."""
    if "\x1b" not in text:  # the same, several times faster than the expression on big tables
        return "\n".join(line.rstrip(" ") for line in text.split("\n"))
    return _TRAILING.sub(r"\1", text)


def capture(draw: Callable[[Console], None], width: int, color: bool = False) -> str:
    """What `draw` prints on a console `width` columns wide, as text without trailing spaces."""
    from rich.console import Console

    out = io.StringIO()
    draw(Console(file=out, width=width, force_terminal=color, color_system="standard" if color else None,
                 soft_wrap=False, markup=False, emoji=False, highlight=False))
    return without_trailing_spaces(out.getvalue())
