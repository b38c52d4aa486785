"""ONNX rules for operators that move values without weights: concat, split, slice, flatten,
reshape (with ShuffleNet's channel shuffle), squeeze, pad, resize, dropout, identity."""

from __future__ import annotations

from typing import Any

from ..errors import CnnError
from .onnx import Reader, View
from .onnx_infer import RULES
from .onnx_rows import Rule, _acts, _axis, _pair, unknown
from .onnx_values import resolve_reshape


def _concat(r: Reader, v: View) -> None:
    acts = _acts(r, v)
    rank = r.rank(v.outputs[0]) or r.rank(acts[0])
    if len(acts) != len([t for t in v.inputs if t]) or _axis(v, rank, 1) != 1:
        return unknown(r, v, "concatenation of channels (axis 1) only")
    if len(acts) == 1:
        r.row("identity", v, {"role": "Concat"}, acts)
        return
    r.row("concat", v, None, acts)


def _split(r: Reader, v: View) -> None:
    rank = r.rank(v.inputs[0])
    if _axis(v, rank, 0) != 1:
        return unknown(r, v, "splits along the channels (axis 1) only")
    dims = r.dims(v.inputs[0])
    c = dims[1] if dims else None
    sizes = v.attrs.get("split")
    if sizes is None and len(v.inputs) > 1 and v.inputs[1]:
        sizes = r.ints(v.inputs[1])
    if sizes is None:
        if not isinstance(c, int):
            return unknown(r, v, "the channel count is not known")
        k = len(v.outputs)
        sizes = [-(-c // k)] * (k - 1) + [c - (k - 1) * -(-c // k)]
    sizes = list(sizes)
    equal = len(set(sizes)) == 1
    start = 0
    for i, size in enumerate(sizes):
        if i < len(v.outputs) and v.outputs[i]:
            args = ({"groups": len(sizes), "index": i} if equal else {"start": start, "stop": start + size})
            r.row("split" if equal else "slice", v, args, [v.inputs[0]], output=i, suffix=f"_{i}")
        start += size


def _slice(r: Reader, v: View) -> None:
    rank = r.rank(v.inputs[0])
    if "starts" in v.attrs:  # opset 1-9: attributes
        starts, ends = list(v.attrs["starts"]), list(v.attrs.get("ends", []))
        axes = list(v.attrs.get("axes", range(len(starts))))
        steps: list[int] | None = [1] * len(starts)
    else:
        starts, ends = r.ints(v.inputs[1]), r.ints(v.inputs[2])
        axes = r.ints(v.inputs[3]) if len(v.inputs) > 3 and v.inputs[3] else list(range(len(starts or [])))
        steps = r.ints(v.inputs[4]) if len(v.inputs) > 4 and v.inputs[4] else [1] * len(starts or [])
    if starts is None or ends is None or axes is None or steps is None or rank is None:
        return unknown(r, v, "its bounds are not constant")
    if len(axes) == 1 and axes[0] % rank == 1 and steps == [1]:
        stop = None if ends[0] >= 2**31 - 1 else ends[0]
        args = {"start": starts[0]} if stop is None else {"start": starts[0], "stop": stop}
        r.row("slice", v, args)
        return
    unknown(r, v)


def _flatten(r: Reader, v: View) -> None:
    if _axis(v, r.rank(v.inputs[0]), 1) != 1:
        return unknown(r, v, "Flatten with axis 1 only")
    r.row("flatten", v)


def _reshape(r: Reader, v: View, shuffle: bool = True) -> None:
    if v.index in r.pending and _shuffle_back(r, v):
        return
    src = r.dims(v.inputs[0])
    target = r.items(v.inputs[1]) if len(v.inputs) > 1 else None
    out = None if target is None else resolve_reshape(src or [None] * len(target), target,
                                                      bool(v.attrs.get("allowzero", 0)))
    if (shuffle and target is not None and len(target) == 5 and src is not None and len(src) == 4
            and _shuffle(r, v, target)):
        return
    rank_out = len(out) if out is not None else len(target) if target is not None else None
    if src is not None and out is not None and src == out and all(isinstance(d, int) for d in src):
        r.alias(v, v.inputs[0])
        return
    if rank_out == 2 and src is not None and len(src) >= 2:
        r.row("flatten", v)
        return
    unknown(r, v)


def _shuffle(r: Reader, v: View, target: list[Any]) -> bool:
    """ShuffleNet's channel shuffle: Reshape (N, g, C/g, H, W) -> Transpose (0, 2, 1, 3, 4) -> Reshape
    (N, C, H, W), read as one `channel_shuffle` row named after the last reshape. The last
    reshape's target is often worked out by nodes between the two (torch.onnx.export's shape
    arithmetic): the decision then waits for it (`_shuffle_back`)."""
    i = r.only_consumer(v.outputs[0])
    if i is None or r.nodes[i].op_type != "Transpose":
        return False
    t = r.view(i, r.nodes[i])
    if list(t.attrs.get("perm", [])) != [0, 2, 1, 3, 4]:
        return False
    j = r.only_consumer(t.outputs[0])
    if j is None or j < i or r.nodes[j].op_type != "Reshape":
        return False
    groups = target[1]
    if not isinstance(groups, int) or groups < 1:
        return False
    r.skip.add(i)
    r.pending[j] = (v, t, groups)
    return True


def _shuffle_back(r: Reader, back: View) -> bool:
    """The last reshape of a channel shuffle: one row if it gives N x C x H x W; else the first
    reshape and the transpose are read as they are, then this reshape."""
    first, transpose, groups = r.pending.pop(back.index)
    shape = r.items(back.inputs[1]) if len(back.inputs) > 1 else None
    if shape is not None and len(shape) == 4:
        r.row("channel_shuffle", back, {"groups": groups}, [first.inputs[0]])
        return True
    from .onnx_ops import convert

    _reshape(r, first, shuffle=False)
    convert(r, transpose)
    return False


def _squeeze(r: Reader, v: View) -> None:
    src, dims = r.rank(v.inputs[0]), RULES["Squeeze"](r, v)
    out = None if dims is None else len(dims)
    if src in (3, 4) and out == 2:
        r.row("flatten", v)
        return
    unknown(r, v)


def _pad(r: Reader, v: View) -> None:
    pads = v.attrs.get("pads")
    if pads is None and len(v.inputs) > 1:
        pads = r.ints(v.inputs[1])
    rank = r.rank(v.inputs[0])
    if pads is None or rank != 4 or (len(v.inputs) > 3 and v.inputs[3]):
        return unknown(r, v, "its pads are not constant")
    if len(pads) != 8:
        raise CnnError(f"pads has {len(pads)} values; a 4-D input needs 8", v.loc)
    nb, cb, top, left, ne, ce, bottom, right = pads
    if nb or cb or ne or ce or min(pads) < 0:
        return unknown(r, v, "padding of the batch or channel axes, or cropping")
    mode = v.attrs.get("mode", b"constant")
    mode = mode.decode() if isinstance(mode, bytes) else str(mode)
    if mode == "constant":
        r.row("zeropad", v, {"p": [top, bottom, left, right]})
    else:
        r.row("pad", v, {"p": [top, bottom, left, right], "mode": mode})


def _resize(r: Reader, v: View) -> None:
    a = v.attrs
    mode = a.get("mode", b"nearest")
    mode = mode.decode() if isinstance(mode, bytes) else str(mode)
    scales = None
    if v.op == "Upsample":
        given = r.value(v.inputs[1]) if len(v.inputs) > 1 and v.inputs[1] else None
        scales = a.get("scales") or (given.numbers() if given is not None else None)
    else:
        for i in (2, 1):  # opset 11+: X, roi, scales, sizes; opset 10: X, scales
            if len(v.inputs) > i and v.inputs[i]:
                got = r.value(v.inputs[i])
                if got is not None and got.size and got.is_float:
                    scales = got.numbers()
                    break
    src = r.dims(v.inputs[0])
    out = r.ints(v.inputs[3]) if v.op == "Resize" and len(v.inputs) > 3 and v.inputs[3] else None
    factors = None
    if scales is not None and len(list(scales)) == 4:
        sc = [float(x) for x in list(scales)]
        if sc[0] == sc[1] == 1 and all(x == int(x) and x >= 1 for x in sc[2:]):
            factors = [int(sc[2]), int(sc[3])]
    elif src is not None and out is not None and len(src) == len(out) == 4:
        if all(isinstance(d, int) for d in src + out) and out[2] % src[2] == 0 and out[3] % src[3] == 0:
            factors = [out[2] // src[2], out[3] // src[3]]
    if factors is None:
        return unknown(r, v, "an integer upsampling of n_H and n_W only")
    args: dict[str, Any] = {"factor": _pair(factors)}
    if mode != "nearest":
        args["mode"] = "bilinear"
    r.row("upsample", v, args)


def _dropout(r: Reader, v: View) -> None:
    rate = v.attrs.get("ratio", 0.5)
    if len(v.inputs) > 1 and v.inputs[1]:
        got = r.value(v.inputs[1])
        rate = 0.5 if got is None or not isinstance(got.first(), float) else got.first()
    r.row("dropout", v, {"rate": round(float(rate), 10)})


def _identity(r: Reader, v: View) -> None:
    r.row("identity", v)


SHAPE_RULES: dict[str, Rule] = {
    "Concat": _concat,
    "Split": _split,
    "Slice": _slice,
    "Flatten": _flatten,
    "Reshape": _reshape,
    "Squeeze": _squeeze,
    "Pad": _pad,
    "Resize": _resize,
    "Upsample": _resize,
    "Dropout": _dropout,
    "Identity": _identity,
}
