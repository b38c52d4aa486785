"""The one exit-status policy (SPEC §2): what each outcome exits with, and how an error reads.

Results (a report, a validation, a grading) say which outcome they are with these constants;
only the CLI turns them into a process status. Every exception a command lets escape is mapped
here, so that no path prints a traceback (unless --debug) or exits with a status it did not mean.
"""

from __future__ import annotations

from enum import IntEnum

from .errors import CnnError
from .escape import visible


class Exit(IntEnum):
    OK = 0  # success
    FAILED = 1  # an expectation, answer or --strict warning failed
    UNUSABLE = 2  # the input could not be used (bad YAML, unknown key, impossible shape, bad option)
    INTERNAL = 3  # a bug of ours


def for_exception(exc: BaseException) -> tuple[Exit, str]:
    """The status and the one line of stderr for an exception that escaped a command."""
    if isinstance(exc, CnnError):
        return Exit.UNUSABLE, str(exc)
    if isinstance(exc, (RecursionError, MemoryError)):
        return Exit.UNUSABLE, f"error: input too large or too deeply nested ({type(exc).__name__})"
    detail = visible(str(exc))  # one line, whatever the message holds
    what = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    return Exit.INTERNAL, f"cnncalc: internal error: {what}; rerun with --debug for the traceback"
