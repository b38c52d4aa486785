"""The ONNX operators the reader knows: one rule per op type, each adding the row(s) it maps to.

A rule reads the node's attributes and constant inputs and calls `Reader.row` with a cnncalc
kind; the arithmetic is the kind's own. Weights are claimed as they are counted, so a weight two
nodes share counts once (the second conv or fc without its bias, the second bn without gamma
and beta). An operator without a rule is an `operator` row with the output shape `onnx_infer`
gives, its weights as params and a warning, or, without a shape, an error.
"""

from __future__ import annotations

from typing import Any

from ..errors import CnnError
from .onnx import Reader, View
from .onnx_norms import NORM_RULES
from .onnx_rows import Rule, _acts, _clean, _operator, _pair, shared, unknown
from .onnx_shapes import SHAPE_RULES

_SIMPLE = {
    "Relu": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh", "Selu": "selu", "Gelu": "gelu", "Mish": "mish",
    "Softplus": "softplus", "HardSwish": "hardswish", "HardSigmoid": "hard_sigmoid",
    "Softmax": "softmax", "LogSoftmax": "softmax",
}  # fmt: skip
# shape kept, nothing learned: a row of kind identity that says which operator it stands for
_SHAPE_KEPT = {
    "Abs", "Neg", "Exp", "Log", "Sqrt", "Reciprocal", "Floor", "Ceil", "Round", "Erf", "Sin", "Cos",
    "Sign", "Softsign", "ThresholdedRelu", "Celu", "Shrink", "Not", "Cast", "CastLike", "IsNaN",
    "IsInf", "Hardmax",
}  # fmt: skip


# the inputs an operator cannot be read without (ONNX's own minimum; Reshape and Slice as of opset 5 and 10)
_MIN_INPUTS = {
    "Conv": 2, "ConvTranspose": 2, "Gemm": 2, "MatMul": 2, "PRelu": 2, "BatchNormalization": 5,
    "InstanceNormalization": 3, "LayerNormalization": 2, "Add": 2, "Sub": 2, "Mul": 2, "Div": 2,
    "Reshape": 2, "Slice": 3,
}  # fmt: skip


def convert(r: Reader, v: View) -> None:
    rule = RULES.get(v.op) if v.domain in ("", "ai.onnx") else None
    need = _MIN_INPUTS.get(v.op, 1) if rule is not None else 0
    if (v.op, r.opset < 5) == ("Reshape", True) or (v.op, r.opset < 10) == ("Slice", True):
        need = 1  # their shape, starts and ends were attributes then
    if len(v.inputs) < need or not all(v.inputs[:need]) or not v.outputs:
        raise CnnError(f"{v.op} reads {need} input{'s' if need > 1 else ''} and writes an output; the node has "
                       f"{len([t for t in v.inputs if t])} and {len(v.outputs)}", v.loc)
    if rule is not None:
        rule(r, v)
        return
    if v.domain in ("", "ai.onnx") and v.op in _SHAPE_KEPT:
        r.row("identity", v, {"role": v.op}, _acts(r, v)[:1])
        return
    unknown(r, v)


def _spatial(r: Reader, v: View, kernel: list[int]) -> dict[str, Any]:
    """f, s, dilation and padding of a Conv / Pool node in cnncalc's terms (1-D as L x 1)."""
    a = v.attrs
    n = len(kernel)
    if n not in (1, 2):
        raise CnnError(f"{v.op} over {n} spatial axes; cnncalc reads 1-D and 2-D", v.loc)
    strides = list(a.get("strides", [1] * n))
    dil = list(a.get("dilations", [1] * n))
    pads = list(a.get("pads", [0] * 2 * n))
    auto = a.get("auto_pad", b"NOTSET")
    auto = auto.decode() if isinstance(auto, bytes) else str(auto)
    if n == 1:
        kernel, strides, dil = [kernel[0], 1], [strides[0], 1], [dil[0], 1]
        pads = [pads[0], 0, pads[1], 0]
    padding: Any
    if auto == "VALID":
        padding = "valid"
    elif auto == "SAME_UPPER":
        padding = "same"
    elif auto == "SAME_LOWER":
        padding = _same_lower(r, v, kernel, strides, dil)
    else:
        top, left, bottom, right = pads
        padding = [top, bottom, left, right]
        if top == bottom and left == right:
            padding = top if top == left else [top, left]
        if padding == 0:
            padding = "valid"
    return {"f": _pair(kernel), "s": _pair(strides), "dilation": _pair(dil), "padding": padding}


def _same_lower(r: Reader, v: View, kernel: list[int], strides: list[int], dil: list[int]) -> list[int]:
    """SAME_LOWER: output ceil(n/s), the larger half of the padding before (TensorFlow puts it after)."""
    shape = r.ours(v.inputs[0])
    if shape is None:
        raise CnnError("auto_pad SAME_LOWER needs the input size; pass --input with concrete sizes", v.loc)
    out = []
    for n, f, s, d in zip(shape[:2], kernel, strides, dil):
        total = max((-(-n // s) - 1) * s + d * (f - 1) + 1 - n, 0)
        out.append((total - total // 2, total // 2))
    return [out[0][0], out[0][1], out[1][0], out[1][1]]


def _conv(r: Reader, v: View) -> None:
    w = v.inputs[1] if len(v.inputs) > 1 else ""
    if not r.is_init(w):
        return unknown(r, v, "its weights are not an initializer")
    dims = r.dims(w)
    if len(dims) < 3:
        raise CnnError(f"weights '{w}' have {len(dims)} dims; a Conv's have 3 or 4", v.loc)
    kernel = list(v.attrs.get("kernel_shape", dims[2:]))
    group = v.attrs.get("group", 1)
    args: dict[str, Any] = {"filters": dims[0], **_spatial(r, v, kernel)}
    if r.is_claimed(w):
        return shared(r, v, kind="conv", args={**args, "groups": group})
    c_in = r.dims(v.inputs[0])
    if c_in is not None and len(c_in) > 1 and isinstance(c_in[1], int) and c_in[1] != dims[1] * group:
        raise CnnError(f"weights '{w}' expect {dims[1] * group} input channels, the input has {c_in[1]}", v.loc)
    args["groups"] = group
    bias = len(v.inputs) > 2 and bool(v.inputs[2])
    r.claim(w)
    args["bias"] = bias and r.claim(v.inputs[2])
    r.row("conv", v, _clean(args, {"s": 1, "dilation": 1, "groups": 1, "bias": True, "padding": "valid"}))


def _conv_transpose(r: Reader, v: View) -> None:
    w = v.inputs[1] if len(v.inputs) > 1 else ""
    if not r.is_init(w):
        return unknown(r, v, "its weights are not an initializer")
    a = v.attrs
    dims = r.dims(w)
    if len(dims) < 3:
        raise CnnError(f"weights '{w}' have {len(dims)} dims; a ConvTranspose's have 3 or 4", v.loc)
    if a.get("group", 1) != 1:
        raise CnnError("ConvTranspose with group > 1 is not supported", v.loc)
    kernel = list(a.get("kernel_shape", dims[2:]))
    sp = _spatial(r, v, kernel)
    n = len(kernel)
    op = list(a.get("output_padding", [0] * n)) + ([0] if n == 1 else [])
    args: dict[str, Any] = {"filters": dims[1], "f": sp["f"], "s": sp["s"], "dilation": sp["dilation"],
                            "output_padding": _pair(op)}
    if "output_shape" in a:
        args["padding"] = _deconv_pads_for(r, v, list(a["output_shape"]), kernel, sp, op)
    else:
        args["padding"] = 0 if sp["padding"] == "valid" else sp["padding"]
        if sp["padding"] == "same":
            args["output_padding"] = 0
    if r.is_claimed(w):
        return shared(r, v, kind="deconv", args=args)
    r.claim(w)
    args["bias"] = len(v.inputs) > 2 and bool(v.inputs[2]) and r.claim(v.inputs[2])
    r.row("deconv", v, _clean(args, {"s": 1, "dilation": 1, "bias": True, "padding": 0, "output_padding": 0}))


def _deconv_pads_for(r: Reader, v: View, out: list[int], kernel: list[int], sp: dict[str, Any],
                     op: list[int]) -> list[int]:
    shape = r.ours(v.inputs[0])
    if shape is None:
        raise CnnError("ConvTranspose with output_shape needs the input size; pass --input", v.loc)
    auto = v.attrs.get("auto_pad", b"NOTSET")
    upper = (auto.decode() if isinstance(auto, bytes) else str(auto)) == "SAME_UPPER"
    s = sp["s"] if isinstance(sp["s"], list) else [sp["s"]] * 2
    d = sp["dilation"] if isinstance(sp["dilation"], list) else [sp["dilation"]] * 2
    k = kernel + [1] if len(kernel) == 1 else kernel
    o = out + [(shape[1] - 1) + 1] if len(out) == 1 else out
    pads = []
    for n, kk, ss, dd, oo, pp in zip(shape[:2], k, s, d, o, op):
        total = ss * (n - 1) + pp + (kk - 1) * dd + 1 - oo
        if total < 0:
            raise CnnError(f"output_shape {out} is larger than the transposed convolution gives", v.loc)
        before = total // 2 if upper else total - total // 2
        pads.append((before, total - before))
    return [pads[0][0], pads[0][1], pads[1][0], pads[1][1]]


def _pool(r: Reader, v: View) -> None:
    a = v.attrs
    kernel = list(a.get("kernel_shape", []))
    if not kernel:
        raise CnnError(f"{v.op} without kernel_shape", v.loc)
    sp = _spatial(r, v, kernel)
    if sp["dilation"] != 1:
        raise CnnError(f"{v.op} with dilations is not supported", v.loc)
    args = {"mode": "max" if v.op == "MaxPool" else "avg", "f": sp["f"], "s": sp["s"], "padding": sp["padding"],
            "ceil": bool(a.get("ceil_mode", 0))}
    r.row("pool", v, _clean(args, {"padding": "valid", "ceil": False}))


def _global(kind: str) -> Rule:
    def rule(r: Reader, v: View) -> None:
        r.row(kind, v)

    return rule


def _reduce(r: Reader, v: View) -> None:
    """ReduceMean / ReduceMax over the spatial axes: a global pool (then flatten without keepdims)."""
    rank = r.rank(v.inputs[0])
    axes = v.attrs.get("axes")
    if axes is None and len(v.inputs) > 1 and v.inputs[1]:
        axes = r.ints(v.inputs[1])
    spatial = {2, 3} if rank == 4 else {2} if rank == 3 else None
    if spatial is None or axes is None or {a % rank for a in axes} != spatial:
        return unknown(r, v)
    kind = "gap" if v.op == "ReduceMean" else "gmp"
    if v.attrs.get("keepdims", 1):
        r.row(kind, v)
        return
    r.row(kind, v, suffix="/pool", output=None)
    pooled = r.net.last
    r.net.add("flatten", r.net.unique((v.name or f"{v.op.lower()}{v.index}").replace(".", "_")), v.loc,
              None, None, [pooled])
    r.src[v.outputs[0]] = r.net.last
    src = r.dims(v.inputs[0])
    if src is not None:
        r.shapes[v.outputs[0]] = [src[0], src[1]]


# ---- fully connected --------------------------------------------------------------------------


def _gemm(r: Reader, v: View) -> None:
    a = v.attrs
    b = v.inputs[1]
    if not r.is_init(b) or a.get("transA", 0) or r.rank(b) != 2:
        return unknown(r, v, "an fc needs a 2-D weight initializer and transA = 0")
    dims = r.dims(b)
    units = dims[0] if a.get("transB", 0) else dims[1]
    if r.is_claimed(b):
        return shared(r, v, kind="fc", args={"units": units})
    r.claim(b)
    bias = len(v.inputs) > 2 and bool(v.inputs[2]) and r.claim(v.inputs[2])
    r.row("fc", v, {"units": units} if bias else {"units": units, "bias": False})


def _matmul(r: Reader, v: View) -> None:
    b = v.inputs[1]
    if not r.is_init(b) or r.rank(b) != 2 or r.rank(v.inputs[0]) != 2:
        return unknown(r, v, "an fc needs a 2-D input and a 2-D weight initializer")
    units = r.dims(b)[1]
    if r.is_claimed(b):
        return shared(r, v, kind="fc", args={"units": units})
    r.claim(b)
    bias = False
    nxt = r.only_consumer(v.outputs[0])
    if nxt is not None:
        n = r.nodes[nxt]
        other = [t for t in n.input if t != v.outputs[0]]
        if (n.op_type == "Add" and len(other) == 1 and r.is_weight(other[0])
                and r.numel(other[0]) == units and not r.is_claimed(other[0])):
            r.claim(other[0])
            bias = True
            r.skip.add(nxt)
    name = r.row("fc", v, {"units": units} if bias else {"units": units, "bias": False})
    if bias:
        r.src[r.nodes[nxt].output[0]] = name
        if v.outputs[0] in r.shapes:
            r.shapes[r.nodes[nxt].output[0]] = r.shapes[v.outputs[0]]


# ---- activations ------------------------------------------------------------------------------


def _simple(r: Reader, v: View) -> None:
    r.row(_SIMPLE[v.op], v, None, [v.inputs[0]])


def _with_alpha(kind: str, default: float) -> Rule:
    def rule(r: Reader, v: View) -> None:
        alpha = round(float(v.attrs.get("alpha", default)), 10)
        r.row(kind, v, None if alpha == default else {"alpha": alpha}, [v.inputs[0]])

    return rule


def _prelu(r: Reader, v: View) -> None:
    slope = v.inputs[1]
    if not r.is_weight(slope):
        return unknown(r, v, "its slope is not an initializer")
    if r.is_claimed(slope):
        return shared(r, v)
    r.claim(slope)
    r.row("prelu", v, {"shared": True} if r.numel(slope) == 1 else None, [v.inputs[0]])


def _clip(r: Reader, v: View) -> None:
    lo = v.attrs.get("min")
    hi = v.attrs.get("max")
    if len(v.inputs) > 1 and v.inputs[1]:
        got = r.value(v.inputs[1])
        lo = None if got is None else got.first()
    if len(v.inputs) > 2 and v.inputs[2]:
        got = r.value(v.inputs[2])
        hi = None if got is None else got.first()
    if lo == 0 and hi == 6:
        r.row("relu6", v, None, [v.inputs[0]])
    elif lo == 0 and hi is None:
        r.row("relu", v, None, [v.inputs[0]])
    else:
        r.row("identity", v, {"role": "Clip"}, [v.inputs[0]])


# ---- element-wise -----------------------------------------------------------------------------


def _elementwise(r: Reader, v: View) -> None:
    acts = _acts(r, v)
    consts = [t for t in v.inputs if t and r.is_const(t)]
    if len(acts) == 1:
        weights = [t for t in consts if r.is_weight(t)]
        if not weights:  # x * 0.5, x + 1: no weights, shape kept
            r.row("identity", v, {"role": v.op}, acts)
            return
        shape = r.ours(acts[0])
        w = weights[0]
        if (v.op == "Mul" and len(weights) == 1 and shape is not None and len(shape) == 3
                and r.numel(w) == shape[2] and _per_channel(r.dims(w), r.rank(acts[0]))
                and not r.is_claimed(w)):
            r.claim(w)
            r.row("scale", v, None, acts)
            return
        _operator(r, v, acts, None)
        return
    shapes = [r.dims(t) for t in acts]
    equal = all(s is not None and s == shapes[0] for s in shapes)
    if v.op in ("Add", "Sum") and equal:
        r.row("add", v, None, acts)
    elif v.op == "Max" and equal:
        r.row("maximum", v, None, acts)
    elif v.op == "Mul":
        # the input that is not broadcast goes first (multiply's output has the first's shape)
        ordered = sorted(acts, key=lambda t: -_size(r.dims(t)))
        r.row("multiply", v, None, ordered)
    else:
        unknown(r, v)


def _per_channel(dims: list[Any] | None, rank: int | None) -> bool:
    """[C], [C, 1, 1] or [1, C, 1, 1]: one value per channel of an N x C x H x W tensor."""
    if dims is None or rank != 4:
        return False
    core = list(dims)
    while core and core[0] == 1 and len(core) > 3:
        core = core[1:]
    return len(core) == 1 or (len(core) == 3 and core[1:] == [1, 1])


def _size(dims: list[Any] | None) -> int:
    n = 1
    for d in dims or []:
        n *= d if isinstance(d, int) else 1_000_000
    return n


RULES: dict[str, Rule] = {
    **SHAPE_RULES,
    **NORM_RULES,
    "Conv": _conv,
    "ConvTranspose": _conv_transpose,
    "MaxPool": _pool,
    "AveragePool": _pool,
    "GlobalAveragePool": _global("gap"),
    "GlobalMaxPool": _global("gmp"),
    "ReduceMean": _reduce,
    "ReduceMax": _reduce,
    "Gemm": _gemm,
    "MatMul": _matmul,
    **{op: _simple for op in _SIMPLE},
    "LeakyRelu": _with_alpha("leaky_relu", 0.01),
    "Elu": _with_alpha("elu", 1.0),
    "PRelu": _prelu,
    "Clip": _clip,
    "Add": _elementwise,
    "Sum": _elementwise,
    "Mul": _elementwise,
    "Max": _elementwise,
    "Sub": _elementwise,
    "Div": _elementwise,
}
