"""The architectures shipped with cnncalc, found by name (`lenet5`)."""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def directory() -> Path:
    """Inside an installed wheel they sit in the package; in a checkout, beside it."""
    for candidate in (_HERE / "architectures", _HERE.parent / "architectures"):
        if candidate.is_dir():
            return candidate
    return _HERE / "architectures"


def names() -> list[str]:
    return sorted(p.stem for p in directory().glob("*.yaml"))


def path(name: str) -> Path | None:
    """The file of a bundled network, or None. A bundled name is one of the shipped names, never
    a path: `../x` or `/tmp/secret` must not reach a file outside the folder."""
    if not name.isidentifier() or name not in names():
        return None
    return directory() / f"{name}.yaml"
