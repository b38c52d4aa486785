"""The one rich Console every terminal renderer prints to."""

from __future__ import annotations

import sys

from rich.console import Console


def console(pipe_width: int = 200) -> Console:
    """Names and titles come from user files, so nothing is read as rich markup or emoji, and
    nothing is re-coloured by rich's highlighter (which also costs time on big tables). When
    stdout is not a terminal the width is generous, so piped tables are not wrapped."""
    return Console(
        width=None if sys.stdout.isatty() else pipe_width,
        soft_wrap=False,
        markup=False,
        emoji=False,
        highlight=False,
    )
