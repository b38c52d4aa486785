"""The rows of an Ultralytics model YAML, read as `parse_model` reads them (see `ultralytics`)."""

from __future__ import annotations

import ast
from typing import Any

from ..errors import CnnError
from ..escape import visible
from ..source import Node, node
from . import ultralytics_heads, ultralytics_modules
from .ultralytics import Context, make_divisible

# parse_model's `base_modules`: args[0] is the output channels, scaled by width
BASE = {
    "Classify", "Conv", "ConvTranspose", "GhostConv", "Bottleneck", "GhostBottleneck", "SPP", "SPPF", "C2PSA",
    "DWConv", "Focus", "C1", "C2", "C2f", "C3k2", "RepNCSPELAN4", "ELAN1", "ADown", "AConv", "SPPELAN", "C3",
    "C3Ghost", "nn.ConvTranspose2d", "C3x", "RepC3", "PSA", "SCDown", "C2fCIB",
}  # fmt: skip
# ... whose repeats are an argument (inserted at args[2]) instead of copies of the module
REPEAT = {"C1", "C2", "C2f", "C3k2", "C3", "C3Ghost", "C3x", "RepC3", "C2fCIB", "C2PSA"}
HEADS = {"Detect", "Segment", "Pose", "OBB", "v10Detect"}
OTHER = {"Concat", "nn.Upsample", "nn.BatchNorm2d", "nn.Identity", "nn.MaxPool2d", "nn.ZeroPad2d"}
MAX_ROWS = 10_000
MAX_REPEATS = 1_000


def read_rows(ctx: Context, backbone: Node, head: Node, ch_in: int) -> list[Node]:
    rows: list[Node] = []
    for part, key in ((backbone, "backbone"), (head, "head")):
        if not part.is_list:
            raise CnnError(f"'{key}' must be a list of [from, repeats, module, args] rows", part.loc)
        rows.extend(part.value)
    if len(rows) > MAX_ROWS:
        raise CnnError(f"{len(rows):,} rows are more than the limit of {MAX_ROWS:,}", backbone.loc)
    ch: list[int] = [ch_in]
    out: list[Node] = []
    names = {"nc": ctx.nc, "depth": ctx.depth, "width": ctx.width, "max_channels": ctx.max_channels,
             "kpt_shape": ctx.kpt_shape, "reg_max": ctx.reg_max, "end2end": ctx.end2end, "scale": ctx.scale}
    for i, row in enumerate(rows):
        ctx.loc = row.loc
        f, n, module, args = _row(ctx, row)
        args = [_literal(a, names) for a in args]
        sources = _sources(ctx, f, i, len(ch) if i else 0)
        c1 = ch[f] if isinstance(f, int) else ch[f[0]]
        n = max(round(n * ctx.depth), 1) if n > 1 else n
        if n > MAX_REPEATS:
            raise CnnError(f"{n:,} repeats are more than the limit of {MAX_REPEATS:,}", row.value[1].loc)
        common: dict[str, Any] = {"name": str(i)}
        if sources is not None:
            common["from"] = sources
        if module in BASE:
            if not args:
                raise ctx.error(f"{module} needs its output channels as the first argument")
            c2 = _int(ctx, args[0], f"{module}'s output channels")
            if module != "Classify":
                c2 = make_divisible(min(c2, ctx.max_channels) * ctx.width, 8)
            args = [c1, c2, *args[1:]]
            if module in REPEAT:
                args.insert(2, n)
                n = 1
            if module == "C3k2":
                ctx.legacy = False
                if ctx.scale in ("m", "l", "x"):
                    args[3:4] = [True]
            if module == "C2fCIB":
                ctx.legacy = False
        elif module == "Concat":
            if isinstance(f, int):
                raise ctx.error("Concat reads a list of layers: [[-1, 6], 1, Concat, [1]]")
            c2 = sum(ch[x] for x in f)
        elif module in HEADS:
            c2 = 0
            chs = [ch[x] for x in ([f] if isinstance(f, int) else f)]
            if module == "v10Detect":
                args = [*args, chs]
            else:
                args = [*args, ctx.reg_max, ctx.end2end, chs]
                if module == "Segment" and len(args) > 5:
                    args[2] = make_divisible(min(args[2], ctx.max_channels) * ctx.width, 8)
        else:
            c2 = ch[f] if isinstance(f, int) else ch[f[0]]
        entry = _entry(ctx, module, args, n, common)
        out.append(node(entry, row.loc))
        if i == 0:
            ch = []
        ch.append(c2)
    return out


def _entry(ctx: Context, module: str, args: list[Any], n: int, common: dict[str, Any]) -> dict[str, Any]:
    build = ultralytics_modules.MODULES.get(module) or ultralytics_heads.HEADS.get(module)
    if build is None:
        if module == "Concat":
            return {"concat": common}
        if module == "nn.Upsample":
            size, factor, mode = (args + [None, 2, "nearest"][len(args):])[:3]
            if size is not None:
                raise ctx.error("nn.Upsample with a fixed size is not read; give a scale factor: [None, 2, 'nearest']")
            if mode not in ("nearest", "bilinear"):
                raise ctx.error(f"nn.Upsample mode '{mode}': cnncalc reads nearest and bilinear")
            return {"upsample": {**common, "factor": _int(ctx, factor, "the scale factor"), "mode": mode}}
        if module == "nn.MaxPool2d":  # [kernel_size, stride (= kernel_size), padding (0)]
            k = args[0] if args else 2
            s_, p = (args[1] if len(args) > 1 and args[1] is not None else k), (args[2] if len(args) > 2 else 0)
            return {"maxpool": {**common, "f": k, "s": s_, "padding": p}}
        if module == "nn.ZeroPad2d":  # PyTorch's (left, right, top, bottom)
            pad = args[0] if args else 0
            if isinstance(pad, list) and len(pad) == 4:
                pad = [pad[2], pad[3], pad[0], pad[1]]
            return {"zeropad": {**common, "p": pad}}
        if module == "nn.Identity":
            return {"identity": common}
        if module == "nn.BatchNorm2d":
            return {"bn": common}
        from ..suggest import did_you_mean

        known = sorted({*ultralytics_modules.MODULES, *ultralytics_heads.HEADS, *OTHER})
        raise ctx.error(f"unknown module '{visible(module)}'{did_you_mean(module, known) or ''}")
    try:
        if n == 1:
            return build(ctx, args, common)
        if n > MAX_REPEATS:
            raise ctx.error(f"{n:,} repeats are more than the limit of {MAX_REPEATS:,}")
        copies = []
        for j in range(n):
            entry = build(ctx, args, {"name": f"m{j}"})
            copies.append(entry)
        return {ctx.block(module, copies): common}
    except (TypeError, ValueError, IndexError, ZeroDivisionError) as exc:
        raise ctx.error(f"{module} cannot take the arguments {args[2:] if module in REPEAT else args[2:]!r} "
                        f"({exc})") from None


def _row(ctx: Context, row: Node) -> tuple[Any, int, str, list[Any]]:
    if not row.is_list or len(row.value) != 4:
        raise ctx.error("a row is [from, repeats, module, args], such as [-1, 1, Conv, [64, 3, 2]]")
    f, n, module, args = (v.plain() for v in row.value)
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise CnnError(f"repeats must be a positive integer, got {n!r}", row.value[1].loc)
    if not isinstance(module, str):
        raise CnnError(f"the module must be a name such as Conv, got {module!r}", row.value[2].loc)
    if not isinstance(args, list):
        raise CnnError(f"args must be a list, got {args!r}", row.value[3].loc)
    return f, n, module, args


def _sources(ctx: Context, f: Any, i: int, count: int) -> list[str] | str | None:
    """`from` names for row `i`; None when it reads the row before (or the image, for row 0)."""
    items = f if isinstance(f, list) else [f]
    if not items or any(isinstance(x, bool) or not isinstance(x, int) for x in items):
        raise ctx.error(f"'from' must be -1, a row index or a list of them, got {f!r}")
    out = []
    for x in items:
        j = x + i if x < 0 else x
        if not 0 <= j < i:
            if i == 0 and x == -1:
                return None
            raise ctx.error(f"'from' {x} names no earlier row (this is row {i})")
        out.append(str(j))
    if out == [str(i - 1)]:
        return None
    return out[0] if len(out) == 1 else out


def _literal(a: Any, names: dict[str, Any]) -> Any:
    """parse_model: a string argument is a name it knows (nc) or a Python literal, else itself."""
    if not isinstance(a, str):
        return a
    if a in names:
        return names[a]
    if len(a) > 100:
        return a
    try:
        return ast.literal_eval(a)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return a


def _int(ctx: Context, value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ctx.error(f"{what} must be a positive integer, got {value!r}")
    return value
