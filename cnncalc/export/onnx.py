"""Report -> an ONNX model (`cnncalc export --to onnx`): opset 20, one node per layer, named after it.

cnncalc's n_H x n_W x n_C is ONNX's N x C x H x W with a batch of one; a vector of units is N x
units. Every layer is a node whose output tensor has the layer's name (a layer that needs
several ONNX nodes names the helpers `layer/what`; an `activation:` key is a node
`layer/activation` after it), and its weights are initializers `layer.weight`, `layer.bias`,
`layer.running_mean`, ... Shape and axis constants are `Constant` nodes, so the initializers are
exactly the network's params and buffers. The weights are random (numpy's default_rng with a
fixed seed, scaled by 1/sqrt(fan-in)), as the model's doc_string says: the file is for Netron,
onnxruntime or TensorRT to load, time and check shapes with, not for predictions.

The writers, one per kind, are in `onnx_writers` (`_WRITERS`); the graph being written in
`onnx_model`; the kinds the Keras reader brought in `onnx_keras_kinds`, `local` in `onnx_local`
and an imported operator re-emitted from its file in `onnx_operator`.
"""

from __future__ import annotations

from typing import Any

from ..errors import CnnError, Location
from ..graph import INPUT
from ..report import Report
from .onnx_model import MISSING, OPSET, SEED, Model, nchw, require
from .onnx_operator import verify_shapes
from .onnx_writers import _WRITERS, _activation_node

__all__ = ["MISSING", "OPSET", "SEED", "_WRITERS", "deliver_model", "nchw", "to_bytes", "to_onnx"]


def to_onnx(report: Report, seed: int = SEED, fill: bool = True, source: Any = None) -> Any:
    """The report's network as an onnx.ModelProto (checked with full_check). `fill=False` writes
    the graph with its initializers' dims only (their data external and never written, not
    checked): the reader's tests of networks whose random weights would cost gigabytes.
    `source`: the bytes of the .onnx file the report was read from, where an imported operator
    is found again (by default the file is read from disk)."""
    onnx, np = require()
    graph = report.graph
    if graph is None:  # pragma: no cover - every report of a file has its graph
        raise CnnError("nothing to export", Location(report.file))
    if report.symbols:
        raise CnnError(f"export --to onnx needs concrete sizes; the input is symbolic "
                       f"({', '.join(report.symbols)}): pass --input", Location(report.file))
    m = Model(np, onnx.helper, np.random.default_rng(seed), fill, report.file, source)
    m.shapes[INPUT] = graph.input
    m.cache["leaves"] = graph.leaves  # an imported operator's folded inputs use the rows' shapes
    for leaf in graph.leaves:
        inputs = [graph.shape_of(i) for i in leaf.inputs]
        write = _WRITERS.get(type(leaf.layer).KIND)
        if write is None:
            raise CnnError(f"{leaf.name}: export to ONNX does not know the kind '{leaf.kind}'", leaf.loc)
        m.share = (leaf.name, leaf.shares, leaf.loc) if leaf.shares else None
        out = write(m, leaf, inputs)
        activation = getattr(leaf.layer, "activation", None)
        if activation and type(leaf.layer).KIND != "activation":
            inner = f"{leaf.name}/pre_activation"
            _rename_output(m, out, inner)
            _activation_node(m, activation, None, inner, leaf.name, f"{leaf.name}/activation")
        m.shapes[leaf.name] = leaf.output
    tensor = onnx.helper.make_tensor_value_info
    last = graph.by_name[graph.output]
    model_graph = onnx.helper.make_graph(
        m.nodes, _graph_name(report), [tensor(INPUT, 1, nchw(graph.input))],
        [tensor(last.name, 1, nchw(last.output))], m.inits,
    )
    model = onnx.helper.make_model(
        model_graph, opset_imports=[onnx.helper.make_opsetid("", OPSET)],
        producer_name="cnncalc", doc_string=(
            f"{report.name or 'network'} exported by cnncalc export --to onnx. The weights are random "
            f"(numpy default_rng(seed={seed}), normal / sqrt(fan-in)), not trained: for shapes, "
            "parameter counts, timing and tools such as Netron, onnxruntime or TensorRT."
            + "".join(f" {n}." for n in m.notes.values()) + "".join(f" Warning: {w}." for w in m.warnings)),
    )
    model.ir_version = 10
    if not fill:
        return model
    verify_shapes(m, model)
    try:
        onnx.checker.check_model(model, full_check=True)
    except Exception as exc:  # noqa: BLE001 - a bug of ours, said plainly
        raise RuntimeError(f"the exported model fails onnx.checker: {exc}") from exc
    return model


def _graph_name(report: Report) -> str:
    return report.name or "cnncalc"


def _rename_output(m: Model, old: str, new: str) -> None:
    for n in reversed(m.nodes):
        if old in n.output:
            n.output[list(n.output).index(old)] = new
            return


def to_bytes(report: Report) -> bytes:
    return to_onnx(report).SerializeToString()


def deliver_model(report: Report, output: str | None) -> None:
    """Write the model to `output`, or to a standard output that is not a terminal."""
    import sys

    if output is None and sys.stdout.isatty():
        raise CnnError("an ONNX model is binary: give -o FILE (or redirect standard output)")
    data = to_bytes(report)
    if output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        with open(output, "wb") as fh:
            fh.write(data)
    except OSError as exc:
        raise CnnError(f"cannot write: {exc.strerror}", Location(output)) from None
