"""A locally connected layer as `export --to onnx` writes it (im2col; cnncalc/export/onnx_local.py),
read back as ONE `local` row:

    [Pad] -> Reshape (1, C, Hp*Wp) -> Gather (axis 2, int64 indices P x f_h*f_w) -> Transpose (0, 2, 1, 3)
      -> Reshape (P, 1, C*f_h*f_w) -> MatMul weight (P, C*f_h*f_w, K) [-> Add bias (P, 1, K)]
      -> Transpose (1, 2, 0) -> Reshape (1, K, n_H, n_W)

The chain is found at its first node by op types, perms and single consumers; the rows wait until
its last Reshape, when every constant (shapes, indices) has been folded, and are then checked
value by value: the indices must be exactly the windows of some f_h x f_w kernel at strides
s_h, s_w over the padded map, and n_H, n_W what `local` computes from them. Anything else (or
indices too large to decode, `onnx_values.MAX_ITEMS`) is read node by node as before.
"""

from __future__ import annotations

from typing import Any

from .onnx import Reader, View

# the nodes after the flat Reshape: op type and what must hold of its attributes
_CHAIN = ("Gather", "Transpose", "Reshape", "MatMul", "Add", "Transpose", "Reshape")


def start(r: Reader, v: View) -> bool:
    """At a Pad or Reshape: if the nodes from here are the im2col chain, defer them all to its last
    Reshape (`finish`) and say so."""
    if v.index in r.local_tried:
        return False
    r.local_tried.add(v.index)
    chain = [v]
    if v.op == "Pad":
        mode = v.attrs.get("mode", b"constant")
        if (mode.decode() if isinstance(mode, bytes) else str(mode)) != "constant":
            return False
        if len(v.inputs) > 2 and any(v.inputs[2:]):
            return False  # a fill value or axes: not what the exporter writes
        nxt = _next(r, chain[-1], "Reshape")
        if nxt is None:
            return False
        chain.append(nxt)
    for op in _CHAIN:
        nxt = _next(r, chain[-1], op)
        if nxt is None and op == "Add":
            continue  # no bias
        if nxt is None:
            return False
        chain.append(nxt)
    dims = r.dims(v.inputs[0])
    if dims is None or len(dims) != 4 or not all(isinstance(d, int) for d in dims):
        return False
    for view in chain[1:-1]:
        r.skip.add(view.index)
    r.local_tried.update(view.index for view in chain)
    r.deferred[chain[-1].index] = lambda back: _finish(r, chain, back)
    return True


def _next(r: Reader, v: View, op: str) -> View | None:
    """The node that alone reads v's output as its activation, if it is an `op` after v."""
    if not v.outputs:
        return None
    i = r.only_consumer(v.outputs[0])
    if i is None or i <= v.index or r.nodes[i].op_type != op or (r.nodes[i].domain or "") not in ("", "ai.onnx"):
        return None
    n = r.view(i, r.nodes[i])
    first = n.inputs[0] if n.inputs else ""
    if op == "Add":
        return n if len(n.inputs) == 2 and v.outputs[0] in n.inputs else None
    return n if first == v.outputs[0] else None


def _finish(r: Reader, chain: list[View], back: View) -> bool:
    """The chain's last Reshape: one `local` row if every value checks; else the deferred nodes are
    read one by one (their own rules) and the caller reads this one."""
    args = _local_args(r, chain)
    if args is not None:
        weight, bias, out_dims, row_args = args
        r.claim(weight)
        if bias:
            r.claim(bias)
        r.row("local", back, row_args, [chain[0].inputs[0]])
        r.shapes[back.outputs[0]] = out_dims
        return True
    from .onnx_ops import convert

    for view in chain[:-1]:
        convert(r, view)
    return False


def _local_args(r: Reader, chain: list[View]) -> tuple[str, str, list[int], dict[str, Any]] | None:
    views = list(chain)
    pad = views.pop(0) if views[0].op == "Pad" else None
    flat, gather, t1, columns, matmul = views[:5]
    add = views[5] if views[5].op == "Add" else None
    t2, final = views[-2], views[-1]
    x = (pad or flat).inputs[0]
    n, c, h, w = r.dims(x)  # type: ignore[misc]
    top = left = bottom = right = 0
    if pad is not None:
        pads = pad.attrs.get("pads")
        if pads is None and len(pad.inputs) > 1:
            pads = r.ints(pad.inputs[1])
        if pads is None or len(pads) != 8 or min(pads) < 0 or any(pads[i] for i in (0, 1, 4, 5)):
            return None
        top, left, bottom, right = pads[2], pads[3], pads[6], pads[7]
    hp, wp = h + top + bottom, w + left + right
    if n != 1 or r.ints(flat.inputs[1]) != [1, c, hp * wp]:
        return None
    if gather.attrs.get("axis", 0) % 3 != 2 or list(t1.attrs.get("perm", [])) != [0, 2, 1, 3]:
        return None
    if list(t2.attrs.get("perm", [])) != [1, 2, 0]:
        return None
    index = r.value(gather.inputs[1]) if len(gather.inputs) > 1 else None
    if index is None or len(index.dims) != 2 or not all(type(i) is int for i in index.items):
        return None
    positions, window = index.dims
    weight = matmul.inputs[1] if len(matmul.inputs) > 1 else ""
    if not r.is_weight(weight) or r.is_claimed(weight) or len(r.dims(weight) or []) != 3:
        return None
    p_w, fan_in, k = r.dims(weight)  # type: ignore[misc]
    if (p_w, fan_in) != (positions, c * window) or r.ints(columns.inputs[1]) != [positions, 1, c * window]:
        return None
    bias = ""
    if add is not None:
        bias = next(t for t in add.inputs if t != matmul.outputs[0])
        if not r.is_weight(bias) or r.is_claimed(bias) or r.dims(bias) != [positions, 1, k]:
            return None
    shape = r.ints(final.inputs[1]) if len(final.inputs) > 1 else None
    if shape is None or len(shape) != 4 or shape[:2] != [1, k] or shape[2] * shape[3] != positions:
        return None
    oh, ow = shape[2], shape[3]
    found = _kernel(list(index.items), window, hp, wp, oh, ow)
    if found is None:
        return None
    fh, fw, sh, sw = found
    padding: Any = [top, bottom, left, right]
    if top == bottom and left == right:
        padding = top if top == left else [top, left]
    args: dict[str, Any] = {"filters": k, "f": _pair(fh, fw), "s": _pair(sh, sw),
                            "padding": "valid" if padding == 0 else padding}
    if not bias:
        args["bias"] = False
    return weight, bias, [1, k, oh, ow], args


def _pair(a: int, b: int) -> Any:
    return a if a == b else [a, b]


def _kernel(items: list[int], window: int, hp: int, wp: int, oh: int, ow: int) -> tuple[int, int, int, int] | None:
    """The f_h, f_w, s_h, s_w whose windows over an hp x wp map are exactly these indices (row p =
    i * ow + j, column a * f_w + b: (i * s_h + a) * wp + j * s_w + b), with `local`'s output
    size ((hp - f) // s + 1) oh x ow; None if there are none."""
    for fw in range(1, min(window, wp) + 1):
        if window % fw or window // fw > hp:
            continue
        fh = window // fw
        sh = _stride(items[ow * window] // wp if oh > 1 else None, hp, fh, oh)
        sw = _stride(items[window] if ow > 1 else None, wp, fw, ow)
        if sh is None or sw is None:
            continue
        if all(items[(i * ow + j) * window + a * fw + b] == (i * sh + a) * wp + j * sw + b
               for i in range(oh) for j in range(ow) for a in range(fh) for b in range(fw)):
            return fh, fw, sh, sw
    return None


def _stride(step: int | None, size: int, f: int, out: int) -> int | None:
    """The stride giving `out` windows of `f` over `size` (`step` when the indices show it; with one
    window, the smallest that leaves no second)."""
    s = step if step is not None else size - f + 1
    if s < 1 or (size - f) // s + 1 != out:
        return None
    return s
