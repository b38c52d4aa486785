"""`summarize --format keras`: the table Keras 3 prints for model.summary() of the network
(the model `cnncalc export --to keras` writes), laid out by the same rules as
keras/src/utils/summary_utils.py print_summary, so the two can be diffed line by line:
the same rich table (columns at 45/80/100 % of 88 characters, or 30/56/74/100 % of 108 with a
"Connected to" column when the graph is not a chain; at most the terminal's width - 4), the
same `Model: "NAME"` head and Total / Trainable / Non-trainable lines with their sizes."""

from __future__ import annotations

import shutil

import rich.console
import rich.markup
import rich.table

from ..escape import visible
from ..export.keras import model_name
from ..export.keras_plan import KLayer, outputs, plan
from ..report import DTYPE_BYTES, Report


def readable_memory_size(size: float) -> str:
    """keras summary_utils.readable_memory_size: 1024-based, two decimals."""
    units = ["B", "KB", "MB", "GB", "TB", "PB"]
    for unit in units:
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} {units[-1]}"


def _chain(layers: list[KLayer]) -> bool:
    """Keras' `sequential_like`: every layer reads the one before it, one input each, once."""
    previous = "input"
    for k in layers:
        if k.inputs != [previous] or k.reuses is not None:
            return False
        previous = k.name
    return True


def keras_order(layers: list[KLayer]) -> list[str]:
    """The order Keras lists a functional model's layers in (keras/src/ops/function.py
    _build_graph): a depth-first walk from the output numbers each layer as first met; a call's
    depth is its longest path to the output (a shared layer's, the deepest of its calls'), its
    inputs' one more; deepest layer first, ties by that number. Calls are KLayers (a later call of
    a shared layer reuses the first's name), the input a call of its own."""
    parents: dict[str, list[str]] = {"input": [], **{k.name: k.inputs for k in layers}}
    layer_of = {"input": "input", **{k.name: k.reuses or k.name for k in layers}}
    index: dict[str, int] = {}
    post: list[str] = []
    done: set[str] = set()
    stack: list[tuple[str, int]] = []
    for output in reversed(outputs(layers)):  # walked in the model's output order
        stack.append((output, 0))
    while stack:
        if stack[-1][1] == 0:
            index.setdefault(layer_of[stack[-1][0]], len(index))
        name, i = stack[-1]
        if i < len(parents[name]):
            stack[-1] = (name, i + 1)
            child = parents[name][i]
            if child not in done:
                index.setdefault(layer_of[child], len(index))
                stack.append((child, 0))
        else:
            stack.pop()
            if name not in done:
                done.add(name)
                post.append(name)
    call_depth: dict[str, int] = {}
    layer_depth: dict[str, int] = {}
    for name in reversed(post):
        d = max(call_depth.setdefault(name, 0), layer_depth.get(layer_of[name], 0))
        layer_depth[layer_of[name]] = call_depth[name] = d
        for p in parents[name]:
            call_depth[p] = max(d + 1, call_depth.get(p, 0))
    return sorted(layer_depth, key=lambda n: (-layer_depth[n], index[n]))


def _shape(dims: tuple[int, ...]) -> str:
    return "(" + ", ".join(["None", *(str(d) for d in dims)]) + ")"


def render(report: Report) -> str:
    layers = plan(report)
    chain = _chain(layers)
    if chain:
        line_length, positions = 88, [0.45, 0.80, 1.0]
        header, alignment = ["Layer (type)", "Output Shape", "Param #"], ["left", "left", "right"]
    else:
        line_length, positions = 108, [0.3, 0.56, 0.74, 1.0]
        header = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
        alignment = ["left", "left", "right", "left"]
    line_length = min(line_length, shutil.get_terminal_size().columns - 4)
    widths, current = [], 0
    for pos in positions:
        widths.append(int(pos * line_length) - current)
        current += widths[-1]
    columns = [rich.table.Column(name, justify=alignment[i], width=widths[i])  # type: ignore[arg-type]
               for i, name in enumerate(header)]
    table = rich.table.Table(*columns, width=line_length, show_lines=True)
    node_of: dict[str, str] = {"input": "input[0][0]"}  # a call's output, as Keras names it
    calls: dict[str, list[KLayer]] = {}
    for k in layers:
        owner = k.reuses or k.name
        node_of[k.name] = f"{owner}[{len(calls.get(owner, []))}][0]"
        calls.setdefault(owner, []).append(k)
    by_name = {"input": ("input", "InputLayer", tuple(report.input), 0, "-")}
    for owner, uses in calls.items():
        first, last = uses[0], uses[-1]
        connected = ", ".join(rich.markup.escape(visible(node_of[i])) for k in uses for i in k.inputs) or "-"
        by_name[owner] = (owner, first.cls, last.output, first.params, connected)
    rows = [by_name[n] for n in (list(by_name) if chain else keras_order(layers))]
    for name, cls, output, params, connected in rows:
        fields = [f"{rich.markup.escape(visible(name))} ({rich.markup.escape(cls)})", _shape(output),
                  f"{params:,}"]
        if not chain:
            fields.append(connected)
        table.add_row(*fields)
    nbytes = DTYPE_BYTES["float32"]
    total = report.totals.params + report.totals.buffers
    trainable = report.totals.trainable
    console = rich.console.Console(highlight=False, force_terminal=False, color_system=None)
    console.begin_capture()
    console.print(f'Model: "{rich.markup.escape(model_name(report))}"')
    console.print(table)
    console.print(f" Total params: {total:,} ({readable_memory_size(total * nbytes)})")
    console.print(f" Trainable params: {trainable:,} ({readable_memory_size(trainable * nbytes)})")
    frozen = total - trainable
    console.print(f" Non-trainable params: {frozen:,} ({readable_memory_size(frozen * nbytes)})")
    return console.end_capture()
