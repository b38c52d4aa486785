"""The architectures shipped with cnncalc, found by name (`lenet5`).

Plain `os.path`: the command line reads a bundled network on every run, and pathlib (with the
urllib and ipaddress it imports) would cost more start-up time than the rest of this module.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

_HERE = os.path.dirname(os.path.realpath(__file__))


def folder() -> str:
    """Inside an installed wheel they sit in the package; in a checkout, beside it."""
    for candidate in (os.path.join(_HERE, "architectures"), os.path.join(os.path.dirname(_HERE), "architectures")):
        if os.path.isdir(candidate):
            return candidate
    return os.path.join(_HERE, "architectures")


def directory() -> Path:
    from pathlib import Path

    return Path(folder())


def names() -> list[str]:
    here = folder()
    try:
        files = os.listdir(here)
    except OSError:
        return []
    return sorted(f[:-5] for f in files if f.endswith(".yaml") and not f.startswith(".")
                  and os.path.isfile(os.path.join(here, f)))


def file(name: str) -> str | None:
    """The file of a bundled network, or None. A bundled name is one of the shipped names, never
    a path: `../x` or `/tmp/secret` must not reach a file outside the folder."""
    if not name.isidentifier() or name not in names():
        return None
    return os.path.join(folder(), f"{name}.yaml")


def path(name: str) -> Path | None:
    found = file(name)
    if found is None:
        return None
    from pathlib import Path

    return Path(found)
