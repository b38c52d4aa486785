"""One open file's analysis: its problems, and the last report that could be computed.

A file in the middle of an edit (half a line, a bad indent) usually cannot be analysed; its
error becomes a diagnostic while hints and hover keep showing the last good report, so the
editor never goes blank while the user types.
"""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from ..errors import Location
from ..report import Report
from ..validate import Problem, validate_text


@dataclass(slots=True)
class Analysis:
    text: str
    filename: str
    problems: tuple[Problem, ...]
    report: Report | None  # the newest report computed, possibly of an earlier text
    report_text: str  # the text that report was computed from
    seconds: float = 0.0  # how long the analysis took: the server debounces slow files
    cache: dict[str, Any] = field(default_factory=dict)  # per-feature results, computed once

    @property
    def stale(self) -> bool:
        """True when the report is of an earlier text (this one could not be analysed)."""
        return self.report is not None and self.report_text is not self.text


def fmt_of(filename: str, text: str) -> str:
    """'yaml', 'darknet' or 'caffe': which features beyond diagnostics, hints and hover apply."""
    from ..importers import detect

    return detect(text, filename) or "yaml"


def filename_of(uri: str) -> str:
    """The path an editor's URI names (the CLI shows the same name in its messages)."""
    if uri.startswith("file://"):
        from urllib.parse import unquote, urlparse

        return unquote(urlparse(uri).path)
    return PurePath(uri).name or uri


# What beyond diagnostics, inlay hints and hover (which every reader gets through the pipeline)
# each format supports; a new reader adds its format's line when its editing features exist.
EDITING_FEATURES: dict[str, frozenset[str]] = {
    "yaml": frozenset({"completion", "definition", "actions"}),
    "darknet": frozenset({"actions"}),
    "caffe": frozenset({"actions"}),
}


def supports(filename: str, text: str, feature: str) -> bool:
    return feature in EDITING_FEATURES.get(fmt_of(filename, text), frozenset())


def settle(previous: Analysis | None, new: Analysis) -> Analysis:
    """`new`, keeping `previous`'s report when `new`'s text could not be analysed."""
    if new.report is None and previous is not None and previous.report is not None:
        return Analysis(new.text, new.filename, new.problems, previous.report, previous.report_text, new.seconds)
    return new


def analyze(text: str, filename: str, previous: Analysis | None = None) -> Analysis:
    """Every problem of `text` as `cnncalc validate` reports it; never raises."""
    started = time.perf_counter()
    collecting = gc.isenabled()
    gc.disable()  # the pipeline's many small acyclic objects: the collector only slows it (by half)
    try:
        result = validate_text(text, filename)
        problems, rep = result.problems, result.report
    except (RecursionError, MemoryError) as exc:
        problems = (Problem("invalid", f"input too large or too deeply nested ({type(exc).__name__})",
                            Location(filename)),)
        rep = None
    except Exception as exc:  # a bug of ours must not take the editor's server down
        message = " ".join(f"internal error ({type(exc).__name__}: {exc}); please report it".split())
        problems, rep = (Problem("invalid", message, Location(filename)),), None
    finally:
        if collecting:
            gc.enable()
    seconds = time.perf_counter() - started
    return settle(previous, Analysis(text, filename, problems, rep, text, seconds))
