"""'did you mean ...?' for unknown names."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def nearest(name: str, choices: Iterable[str], n: int = 1) -> list[str]:
    return difflib.get_close_matches(name, list(choices), n=n, cutoff=0.6)


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    found = nearest(name, choices)
    return f" (did you mean '{found[0]}'?)" if found else ""
