"""The command line: reads files, calls the pipeline, prints, and picks the exit status.

Exit status (cnncalc/exits.py): 0 success; 1 an expectation, answer or --strict warning failed;
2 the input could not be used; 3 an internal error. Errors read `FILE:LINE:COL: error: MESSAGE`;
no traceback unless --debug.
"""

from __future__ import annotations

import atexit
import gc

# summarize.py, work.py and tools.py register their commands on `main` when the group first
# looks a command up (app.COMMAND_MODULES): only the module of the command being run is imported.
from .app import _CONVENTIONS, _wants_ascii, main, parse_sets, read_source

__all__ = ["main", "read_source", "parse_sets", "_CONVENTIONS", "_wants_ascii"]

# At exit, the interpreter's last garbage collections walk and free every class and function of
# click, PyYAML and cnncalc that reference cycles hold: about a tenth of a `summarize` process's
# CPU, to free memory the operating system takes back anyway. Frozen objects are left out of those
# collections (reference counting still closes and flushes what it frees; cnncalc writes its
# files in `with` blocks). benchmarks/startup.py --floor shows the exit's share.
atexit.register(gc.freeze)
