"""Memory of a network, as plain data: activation and parameter bytes, a training estimate,
and the peak of live activations during one inference pass.

The model (README "Memory"): every layer writes a new output tensor (no in-place reuse); a
tensor, the input included, stays alive until the last layer that reads it has run; while a
layer runs, its inputs and its output are alive together. Bytes are values x the dtype's size.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import dims
from .errors import CnnError, Location
from .graph import INPUT
from .report import DTYPE_BYTES, Report

# copies of the trainable parameters each optimizer keeps (momentum buffer; Adam's m and v)
OPTIMIZER_STATES = {"sgd": 0, "momentum": 1, "adam": 2}


@dataclass(frozen=True, slots=True)
class LayerMemory:
    name: str
    kind: str
    activation_bytes: int  # this layer's output, times the batch
    param_bytes: int  # parameters and buffers
    live_bytes: int  # every tensor alive while this layer runs (its inputs and its output)
    freed: tuple[str, ...]  # tensors released once it has run


@dataclass(frozen=True, slots=True)
class Training:
    weights: int  # parameters and buffers
    gradients: int  # one per trainable parameter
    optimizer_state: int
    activations: int  # every output (and the input) kept for the backward pass, times batch

    @property
    def total(self) -> int:
        return self.weights + self.gradients + self.optimizer_state + self.activations


@dataclass(frozen=True, slots=True)
class Memory:
    name: str
    dtype: str
    bytes_per_value: int
    batch: int
    optimizer: str
    input_bytes: int
    layers: list[LayerMemory]
    param_bytes: int
    activation_bytes: int  # the sum over layers (not counting the input)
    peak_bytes: int
    peak_layer: str
    training: Training
    file: str = ""  # names the network in titles when it has no `name`


def estimate(report: Report, dtype: str = "float32", optimizer: str = "sgd", batch: int = 1) -> Memory:
    if report.symbols or report.graph is None:
        raise CnnError("memory needs a concrete input size (give --input or --set)", Location(report.file))
    nbytes = DTYPE_BYTES[dtype]
    leaves = report.graph.leaves
    size = {INPUT: _values(report.input) * nbytes * batch}
    size.update({leaf.name: _values(leaf.output) * nbytes * batch for leaf in leaves})
    last_use = {INPUT: -1}
    for i, leaf in enumerate(leaves):
        last_use.setdefault(leaf.name, i)  # a tensor nobody reads is freed right after its step
        for name in leaf.inputs:
            last_use[name] = i
    if leaves:
        last_use[leaves[-1].name] = len(leaves)  # the network output is kept: it is the result

    live = {INPUT: size[INPUT]}
    current = size[INPUT]
    rows: list[LayerMemory] = []
    peak, peak_layer = current, INPUT
    for i, (leaf, row) in enumerate(zip(leaves, report.rows, strict=True)):
        live[leaf.name] = size[leaf.name]
        current += size[leaf.name]
        if current > peak:
            peak, peak_layer = current, leaf.name
        freed = tuple(n for n in live if last_use[n] <= i)
        rows.append(LayerMemory(
            leaf.name, leaf.kind, size[leaf.name], (row.params + row.buffers) * nbytes, current, freed,
        ))
        for n in freed:
            current -= live.pop(n)

    params = sum(r.params for r in report.rows)
    buffers = sum(r.buffers for r in report.rows)
    trainable = sum(r.trainable for r in report.rows)
    activations = sum(size[leaf.name] for leaf in leaves)
    training = Training(
        weights=(params + buffers) * nbytes,
        gradients=trainable * nbytes,
        optimizer_state=OPTIMIZER_STATES[optimizer] * trainable * nbytes,
        activations=size[INPUT] + activations,
    )
    return Memory(
        report.name, dtype, nbytes, batch, optimizer, size[INPUT], rows, (params + buffers) * nbytes,
        activations, peak, peak_layer, training, report.file,
    )


def _values(shape: Any) -> int:
    return int(dims.product(shape))


def as_dict(m: Memory) -> dict[str, Any]:
    t = m.training
    return {
        "name": m.name,
        "dtype": m.dtype,
        "bytes_per_value": m.bytes_per_value,
        "batch": m.batch,
        "input_bytes": m.input_bytes,
        "layers": [
            {"name": r.name, "type": r.kind, "activation_bytes": r.activation_bytes,
             "param_bytes": r.param_bytes, "live_bytes": r.live_bytes, "freed": list(r.freed)}
            for r in m.layers
        ],
        "param_bytes": m.param_bytes,
        "activation_bytes": m.activation_bytes,
        "inference_peak": {"bytes": m.peak_bytes, "layer": m.peak_layer},
        "training": {
            "optimizer": m.optimizer, "weights": t.weights, "gradients": t.gradients,
            "optimizer_state": t.optimizer_state, "activations": t.activations, "total": t.total,
        },
    }
