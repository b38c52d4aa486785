"""A cnncalc layer list built by an importer, with every value located in the original file.

Importers call `Net.add` once per row; `Net.root()` gives the Node tree that `spec.parse`
reads (SPEC §1), so an error in a converted layer points at the `[section]` or `layer {` it
came from, and each argument at the line of the key it was read from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import CnnError, Location
from ..source import Node, node


@dataclass(slots=True)
class Row:
    kind: str
    loc: Location
    args: list[tuple[str, Any, Location]]


@dataclass(slots=True)
class Net:
    """Rows in order; `last` is the name of the row a layer without `from` reads."""

    filename: str
    rows: list[Row] = field(default_factory=list)
    names: set[str] = field(default_factory=set)
    last: str = "input"

    def add(
        self, kind: str, name: str, loc: Location, args: dict[str, Any] | None = None,
        locs: dict[str, Location] | None = None, inputs: list[str] | None = None,
    ) -> str:
        """Append a row named `name` reading `inputs` (default: the previous row)."""
        if name in self.names:
            raise CnnError(f"layer name '{name}' is used twice", loc)
        locs = locs or {}
        items: list[tuple[str, Any, Location]] = [("name", name, loc)]
        if inputs is not None and inputs != [self.last]:
            value: Any = inputs[0] if len(inputs) == 1 else list(inputs)
            items.append(("from", value, locs.get("from", loc)))
        for key, value in (args or {}).items():
            if value is not None:
                items.append((key, value, locs.get(key, loc)))
        self.rows.append(Row(kind, loc, items))
        self.names.add(name)
        self.last = name
        return name

    def unique(self, name: str) -> str:
        """`name`, or `name_2`, `name_3`, ... if it is taken."""
        if name not in self.names:
            return name
        i = 2
        while f"{name}_{i}" in self.names:
            i += 1
        return f"{name}_{i}"

    def root(self, title: str, shape: Any, shape_loc: Location, reference: str | None = None) -> Node:
        if not self.rows:
            raise CnnError("the file defines no layers", Location(self.filename))
        top = Location(self.filename)
        layers = []
        for row in self.rows:
            args = {key: node(value, loc) for key, value, loc in row.args}
            body = Node(args, row.loc, {key: loc for key, _, loc in row.args})
            layers.append(Node({row.kind: body}, row.loc, {row.kind: row.loc}))
        items = {"name": node(title, top)}
        if reference:
            items["reference"] = node(reference, top)
        items["input"] = node(list(shape) if isinstance(shape, (list, tuple)) else shape, shape_loc)
        items["layers"] = Node(layers, top)
        return Node(items, top, {k: (shape_loc if k == "input" else top) for k in items})
