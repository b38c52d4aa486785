"""ONNX rules for the normalizations: BatchNormalization (scale and B as params, mean and var
as buffers), InstanceNormalization, LayerNormalization (over an N x C vector, or over channels
between two Transposes: ConvNeXt's LayerNorm2d) and LRN."""

from __future__ import annotations

from typing import Any

from .onnx import Reader, View
from .onnx_rows import Rule, shared, unknown


def _batch_norm(r: Reader, v: View) -> None:
    scale, bias, mean, var = (v.inputs + ["", "", "", ""])[1:5]
    args: dict[str, Any] = {}
    if "epsilon" in v.attrs and abs(v.attrs["epsilon"] - 1e-5) > 1e-12:
        args["epsilon"] = round(float(v.attrs["epsilon"]), 10)
    names = [r.c(t) for t in (scale, bias, mean, var)]
    fresh = [not r.is_claimed(t) and r.is_weight(t) and t not in names[:i] for i, t in enumerate(names)]
    if fresh[2:] != [True, True] or fresh[0] != fresh[1]:
        return shared(r, v, stats=(mean, var))
    r.unclaimed([scale, bias, mean, var])
    if not fresh[0]:
        args["affine"] = False
    r.row("bn", v, args, [v.inputs[0]])


def _instance_norm(r: Reader, v: View) -> None:
    learned = [r.claim(t) for t in v.inputs[1:3]]
    args = {} if any(learned) else {"affine": False}
    if "epsilon" in v.attrs and abs(v.attrs["epsilon"] - 1e-5) > 1e-12:
        args["epsilon"] = round(float(v.attrs["epsilon"]), 10)
    r.row("instance_norm", v, args, [v.inputs[0]])


def _layer_norm(r: Reader, v: View) -> None:
    rank = r.rank(v.inputs[0])
    axis = v.attrs.get("axis", -1)
    if rank is None or (axis % rank) != rank - 1 or rank != 2:
        # over the units of an N x C vector here; over channels, between two Transposes (_transpose)
        return unknown(r, v, "LayerNormalization over the last axis of an N x C tensor only")
    _layer_norm_row(r, v, v, v.inputs[0])


def _layer_norm_row(r: Reader, norm: View, named: View, source: str) -> None:
    """A layer_norm row for the LayerNormalization `norm`, named after node `named` (its output)."""
    scale, bias = (norm.inputs + ["", ""])[1:3]
    fresh = [bool(t) and r.is_weight(t) and not r.is_claimed(t) for t in (scale, bias)]
    if fresh[0] != fresh[1] or (bias and r.c(bias) == r.c(scale)):
        return shared(r, norm)
    r.unclaimed([scale, bias])
    args: dict[str, Any] = {} if fresh[0] else {"affine": False}
    eps = norm.attrs.get("epsilon", 1e-5)
    if abs(eps - 1e-5) > 1e-12:
        args["epsilon"] = round(float(eps), 10)
    r.row("layer_norm", named, args, [source])


def _lrn(r: Reader, v: View) -> None:
    a = v.attrs
    args = {"size": a["size"], "alpha": round(float(a.get("alpha", 1e-4)), 10),
            "beta": round(float(a.get("beta", 0.75)), 10), "k": round(float(a.get("bias", 1.0)), 10)}
    r.row("lrn", v, args)


def _transpose(r: Reader, v: View) -> None:
    """Transpose (0, 2, 3, 1) -> LayerNormalization over the last axis -> Transpose (0, 3, 1, 2):
    a layer norm over the channels of each position (ConvNeXt's LayerNorm2d), one `layer_norm` row
    named after the transpose back."""
    if list(v.attrs.get("perm", [])) == [0, 2, 3, 1]:
        i = r.only_consumer(v.outputs[0])
        norm = r.view(i, r.nodes[i]) if i is not None and r.nodes[i].op_type == "LayerNormalization" else None
        j = r.only_consumer(norm.outputs[0]) if norm is not None and norm.attrs.get("axis", -1) in (-1, 3) else None
        if j is not None and r.nodes[j].op_type == "Transpose":
            back = r.view(j, r.nodes[j])
            if list(back.attrs.get("perm", [])) == [0, 3, 1, 2]:
                r.skip.update({i, j})
                _layer_norm_row(r, norm, back, v.inputs[0])
                return
    unknown(r, v)


NORM_RULES: dict[str, Rule] = {
    "BatchNormalization": _batch_norm,
    "InstanceNormalization": _instance_norm,
    "LayerNormalization": _layer_norm,
    "LRN": _lrn,
    "Transpose": _transpose,
}
