"""Locations in input files, and the errors and warnings that carry them."""

from __future__ import annotations

from dataclasses import dataclass

from .escape import diagnostic


@dataclass(frozen=True, slots=True)
class Location:
    """A 1-based line and column in a named file."""

    file: str
    line: int = 1
    col: int = 1

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


class CnnError(Exception):
    """An input that cannot be used (exit status 2); `loc` says where."""

    def __init__(self, message: str, loc: Location | None = None, detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.loc = loc
        # set when `message` was prefixed with the block use it came from: the message as met
        # in the block's body (validate matches it against the same problem found there)
        self.detail = detail

    def located(self, loc: Location) -> CnnError:
        """Attach `loc` unless a more precise one is already known."""
        if self.loc is None:
            self.loc = loc
        return self

    def __str__(self) -> str:
        return format_diagnostic("error", self.message, self.loc)


class ShapeError(CnnError):
    """A layer cannot accept its input: raised by layers, located by the engine."""


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A warning or failed check attached to a place in a file."""

    level: str  # "warning" | "error"
    message: str
    loc: Location | None = None
    layer: str | None = None

    def __str__(self) -> str:
        return format_diagnostic(self.level, self.message, self.loc)


def format_diagnostic(level: str, message: str, loc: Location | None) -> str:
    """The one format for every problem: `FILE:LINE:COL: level: message`."""
    where = f"{loc}: " if loc is not None else ""
    return diagnostic(f"{where}{level}: {message}")
