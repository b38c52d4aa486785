"""The command line: reads files, calls the pipeline, prints, and picks the exit status.

Exit status (cnncalc/exits.py): 0 success; 1 an expectation, answer or --strict warning failed;
2 the input could not be used; 3 an internal error. Errors read `FILE:LINE:COL: error: MESSAGE`;
no traceback unless --debug.
"""

from __future__ import annotations

from . import summarize, tools, work  # noqa: F401 - each registers its commands on `main`
from .app import _CONVENTIONS, _wants_ascii, main, parse_sets, read_source

__all__ = ["main", "read_source", "parse_sets", "_CONVENTIONS", "_wants_ascii"]
