"""Ultralytics' backbone and neck modules as cnncalc bodies, one function per module.

Each follows the `__init__` and `forward` of `ultralytics/nn/modules/{conv,block}.py` (8.4):
the same sub-layers under the same names (`cv1`, `m0` for `m.0`), so the same parameters and
shapes. `chunk(2, 1)` is a `split`; a concat of a chunked tensor's halves reads the tensor.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from .ultralytics import Context

Entry = dict[str, Any]


def _use(ctx: Context, module: str, body: list[Entry], common: dict[str, Any]) -> Entry:
    return {ctx.block(module, body): common}


def _name(entry: Entry) -> str:
    ((_, args),) = entry.items()
    return str(args["name"])


def _plus(main: list[Entry], name: str = "add", shortcut: str = "input") -> list[Entry]:
    """`x + main(x)` as Ultralytics writes it: the main path, then an add named `name`."""
    return [*main, {"add": {"name": name, "from": [_name(main[-1]), shortcut]}}]


def _from(entry: Entry, source: str | list[str]) -> Entry:
    ((kind, args),) = entry.items()
    return {kind: {**args, "from": source}}


def conv(ctx: Context, a: list[Any], common: dict[str, Any]) -> Entry:
    c1, c2, k, s, p, g, d, act = (a + [1, 1, None, 1, 1, True][len(a) - 2:])[:8]
    return ctx.conv(common["name"], c2, k, s, p, g, d, act is not False, **_rest(common))


def dwconv(ctx: Context, a: list[Any], common: dict[str, Any]) -> Entry:
    c1, c2, k, s, d, act = (a + [1, 1, 1, True][len(a) - 2:])[:6]
    return ctx.conv(common["name"], c2, k, s, None, math.gcd(c1, c2), d, act is not False, "DWConv", **_rest(common))


def _rest(common: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in common.items() if k != "name"}


def conv_transpose(ctx: Context, a: list[Any], common: dict[str, Any]) -> Entry:
    c1, c2, k, s, p, bn, act = (a + [2, 2, 0, True, True][len(a) - 2:])[:7]
    body: list[Entry] = [{"deconv": {"name": "conv_transpose", "filters": c2, "f": k, "s": s, "padding": p,
                                     "bias": not bn}}]
    if bn:
        body.append({"bn": {"name": "bn"}})
    if act is not False and ctx.act:
        body.append({ctx.act: {"name": "act"}})
    return _use(ctx, "ConvTranspose", body, common)


def nn_conv_transpose(ctx: Context, a: list[Any], common: dict[str, Any]) -> Entry:
    c1, c2, k, s, p = (a + [1, 1, 0][len(a) - 2:])[:5]
    return {"deconv": {**common, "filters": c2, "f": k, "s": s, "padding": p}}


def focus(ctx: Context, a: list[Any], common: dict[str, Any]) -> Entry:
    c1, c2, k, s, p, g, act = (a + [1, 1, None, 1, True][len(a) - 2:])[:7]
    body = [{"space_to_depth": {"name": "slices", "block": 2}}, ctx.conv("conv", c2, k, s, p, g, 1, act is not False)]
    return _use(ctx, "Focus", body, common)


def ghost_conv_body(ctx: Context, c1: int, c2: int, k: Any = 1, s: int = 1, g: int = 1,
                    act: bool = True) -> list[Entry]:
    c_ = c2 // 2
    return [ctx.conv("cv1", c_, k, s, None, g, 1, act), ctx.conv("cv2", c_, 5, 1, None, c_, 1, act),
            {"concat": {"name": "cat", "from": ["cv1", "cv2"]}}]


def ghost_conv(ctx: Context, a: list[Any], common: dict[str, Any]) -> Entry:
    c1, c2, k, s, g, act = (a + [1, 1, 1, True][len(a) - 2:])[:6]
    return _use(ctx, "GhostConv", ghost_conv_body(ctx, c1, c2, k, s, g, act is not False), common)


def bottleneck(ctx: Context, c1: int, c2: int, shortcut: bool = True, g: int = 1, k: Any = (3, 3),
               e: float = 0.5, name: str = "m0", source: str | None = None) -> Entry:
    c_ = int(c2 * e)
    main = [ctx.conv("cv1", c_, k[0], 1), ctx.conv("cv2", c2, k[1], 1, None, g)]
    body = _plus(main) if shortcut and c1 == c2 else main
    common: dict[str, Any] = {"name": name}
    if source:
        common["from"] = source
    return _use(ctx, "Bottleneck", body, common)


def bottleneck_row(ctx: Context, a: list[Any], common: dict[str, Any]) -> Entry:
    c1, c2, shortcut, g, k, e = (a + [True, 1, (3, 3), 0.5][len(a) - 2:])[:6]
    entry = bottleneck(ctx, c1, c2, shortcut, g, k, e)
    ((kind, _),) = entry.items()
    return {kind: common}


def _chain(entries: list[Entry], first_from: str | None) -> list[Entry]:
    """Copies named m0, m1, ... each reading the one before; the first reads `first_from`."""
    if entries and first_from:
        entries[0] = _from(entries[0], first_from)
    return entries


def c1_module(ctx: Context, a: list[Any], common: dict[str, Any]) -> Entry:
    c1, c2, n = (a + [1][len(a) - 2:])[:3]
    m = [ctx.conv(f"m{i}", c2, 3) for i in range(n)]
    body = [ctx.conv("cv1", c2, 1, 1), *_plus(m, shortcut="cv1")]
    return _use(ctx, "C1", body, common)


def c2_module(ctx: Context, a: list[Any], common: dict[str, Any]) -> Entry:
    c1, c2, n, shortcut, g, e = (a + [1, True, 1, 0.5][len(a) - 2:])[:6]
    c = int(c2 * e)
    m = [bottleneck(ctx, c, c, shortcut, g, (3, 3), 1.0, f"m{i}") for i in range(n)]
    body = [ctx.conv("cv1", 2 * c, 1, 1), {"split": {"name": "a", "groups": 2, "index": 0}},
            *_chain(m, "a"), {"split": {"name": "b", "groups": 2, "index": 1, "from": "cv1"}},
            {"concat": {"name": "cat", "from": [f"m{n - 1}", "b"]}}, ctx.conv("cv2", c2, 1)]
    return _use(ctx, "C2", body, common)


def _c2f_body(ctx: Context, c2: int, c: int, m: list[Entry]) -> list[Entry]:
    return [ctx.conv("cv1", 2 * c, 1, 1), {"split": {"name": "y1", "groups": 2, "index": 1}}, *m,
            {"concat": {"name": "cat", "from": ["cv1", *(f"m{i}" for i in range(len(m)))]}}, ctx.conv("cv2", c2, 1)]


def c2f(ctx: Context, a: list[Any], common: dict[str, Any]) -> Entry:
    c1, c2, n, shortcut, g, e = (a + [1, False, 1, 0.5][len(a) - 2:])[:6]
    c = int(c2 * e)
    m = [bottleneck(ctx, c, c, shortcut, g, (3, 3), 1.0, f"m{i}") for i in range(n)]
    return _use(ctx, "C2f", _c2f_body(ctx, c2, c, m), common)


def c3k2(ctx: Context, a: list[Any], common: dict[str, Any]) -> Entry:
    c1, c2, n, c3k, e, attn, g, shortcut = (a + [1, False, 0.5, False, 1, True][len(a) - 2:])[:8]
    c = int(c2 * e)
    m = []
    for i in range(n):
        if attn:
            from .ultralytics_attention import psa_block

            inner = [bottleneck(ctx, c, c, shortcut, g, name="b0"), psa_block(ctx, c, 0.5, max(c // 64, 1), name="b1")]
            m.append(_use(ctx, "Sequential", inner, {"name": f"m{i}"}))
        elif c3k:
            m.append(c3_like(ctx, c, c, 2, shortcut, g, 0.5, (3, 3), "C3k", {"name": f"m{i}"}))
        else:
            m.append(bottleneck(ctx, c, c, shortcut, g, name=f"m{i}"))
    return _use(ctx, "C3k2", _c2f_body(ctx, c2, c, m), common)


def c2f_cib(ctx: Context, a: list[Any], common: dict[str, Any]) -> Entry:
    c1, c2, n, shortcut, lk, g, e = (a + [1, False, False, 1, 0.5][len(a) - 2:])[:7]
    c = int(c2 * e)
    m = [cib(ctx, c, c, shortcut, 1.0, lk, f"m{i}") for i in range(n)]
    return _use(ctx, "C2fCIB", _c2f_body(ctx, c2, c, m), common)


def cib(ctx: Context, c1: int, c2: int, shortcut: bool, e: float, lk: bool, name: str) -> Entry:
    c_ = int(c2 * e)
    mid = (_use(ctx, "RepVGGDW", repvggdw_body(ctx, 2 * c_), {"name": "cv1_2"}) if lk
           else ctx.conv("cv1_2", 2 * c_, 3, 1, None, 2 * c_))
    seq = [ctx.conv("cv1_0", c1, 3, 1, None, c1), ctx.conv("cv1_1", 2 * c_, 1), mid,
           ctx.conv("cv1_3", c2, 1), ctx.conv("cv1_4", c2, 3, 1, None, c2)]
    body = _plus(seq) if shortcut and c1 == c2 else seq
    return _use(ctx, "CIB", body, {"name": name})


def repvggdw_body(ctx: Context, ed: int) -> list[Entry]:
    return [ctx.conv("conv", ed, 7, 1, 3, ed, 1, False), _from(ctx.conv("conv1", ed, 3, 1, 1, ed, 1, False), "input"),
            {"add": {"name": "add", "from": ["conv", "conv1"]}}, {"silu": {"name": "act"}}]


def c3_like(ctx: Context, c1: int, c2: int, n: int, shortcut: bool, g: int, e: float, k: Any, module: str,
            common: dict[str, Any], inner: Callable[[int, str], Entry] | None = None) -> Entry:
    c_ = int(c2 * e)
    if inner is None:
        m = [bottleneck(ctx, c_, c_, shortcut, g, k, 1.0, f"m{i}") for i in range(n)]
    else:
        m = [inner(c_, f"m{i}") for i in range(n)]
    body = [ctx.conv("cv1", c_, 1, 1), *m, _from(ctx.conv("cv2", c_, 1, 1), "input"),
            {"concat": {"name": "cat", "from": [f"m{n - 1}", "cv2"]}}, ctx.conv("cv3", c2, 1)]
    return _use(ctx, module, body, common)


def c3(ctx: Context, a: list[Any], common: dict[str, Any]) -> Entry:
    c1, c2, n, shortcut, g, e = (a + [1, True, 1, 0.5][len(a) - 2:])[:6]
    return c3_like(ctx, c1, c2, n, shortcut, g, e, ((1, 1), (3, 3)), "C3", common)


def c3x(ctx: Context, a: list[Any], common: dict[str, Any]) -> Entry:
    c1, c2, n, shortcut, g, e = (a + [1, True, 1, 0.5][len(a) - 2:])[:6]
    return c3_like(ctx, c1, c2, n, shortcut, g, e, ((1, 3), (3, 1)), "C3x", common)


def ghost_bottleneck(ctx: Context, c1: int, c2: int, k: int = 3, s: int = 1, name: str = "m0") -> Entry:
    c_ = c2 // 2
    main = [_use(ctx, "GhostConv", ghost_conv_body(ctx, c1, c_, 1, 1), {"name": "conv0"})]
    if s == 2:
        main.append(ctx.conv("conv1", c_, k, s, None, math.gcd(c_, c_), 1, False))
    main.append(_use(ctx, "GhostConv", ghost_conv_body(ctx, c_, c2, 1, 1, 1, False), {"name": "conv2"}))
    if s == 2:  # the shortcut: DWConv and Conv, both linear
        short = [_from(ctx.conv("shortcut0", c1, k, s, None, c1, 1, False), "input"),
                 ctx.conv("shortcut1", c2, 1, 1, None, 1, 1, False)]
        body = [*main, *short, {"add": {"name": "add", "from": [_name(main[-1]), "shortcut1"]}}]
    else:
        body = _plus(main)
    return _use(ctx, "GhostBottleneck", body, {"name": name})


def c3ghost(ctx: Context, a: list[Any], common: dict[str, Any]) -> Entry:
    c1, c2, n, shortcut, g, e = (a + [1, True, 1, 0.5][len(a) - 2:])[:6]
    return c3_like(ctx, c1, c2, n, shortcut, g, e, None, "C3Ghost", common,
                   lambda c_, name: ghost_bottleneck(ctx, c_, c_, name=name))


def ghost_bottleneck_row(ctx: Context, a: list[Any], common: dict[str, Any]) -> Entry:
    c1, c2, k, s = (a + [3, 1][len(a) - 2:])[:4]
    entry = ghost_bottleneck(ctx, c1, c2, k, s)
    ((kind, _),) = entry.items()
    return {kind: common}


def rep_conv(ctx: Context, c1: int, c2: int, k: int = 3, s: int = 1, g: int = 1, name: str = "m0",
             bn: bool = False) -> Entry:
    body = [ctx.conv("conv1", c2, k, s, 1, g, 1, False), _from(ctx.conv("conv2", c2, 1, s, 0, g, 1, False), "input")]
    if bn and c1 == c2 and s == 1:
        body.append({"bn": {"name": "bn", "from": "input"}})
    body.append({"add": {"name": "add", "from": [_name(e) for e in body]}})
    if ctx.act:
        body.append({ctx.act: {"name": "act"}})
    return _use(ctx, "RepConv", body, {"name": name})


def rep_c3(ctx: Context, a: list[Any], common: dict[str, Any]) -> Entry:
    c1, c2, n, e = (a + [3, 1.0][len(a) - 2:])[:4]
    c_ = int(c2 * e)
    m = [rep_conv(ctx, c_, c_, name=f"m{i}") for i in range(n)]
    body = [ctx.conv("cv1", c_, 1, 1), *m, _from(ctx.conv("cv2", c_, 1, 1), "input"),
            {"add": {"name": "sum", "from": [f"m{n - 1}", "cv2"]}}]
    if c_ != c2:
        body.append(ctx.conv("cv3", c2, 1, 1))
    return _use(ctx, "RepC3", body, common)


def rep_csp(ctx: Context, c1: int, c2: int, n: int, name: str) -> Entry:
    def rep_bottleneck(c_: int, nm: str) -> Entry:
        main = [rep_conv(ctx, c_, c_, 3, 1, name="cv1"), ctx.conv("cv2", c_, 3, 1)]
        return _use(ctx, "RepBottleneck", _plus(main), {"name": nm})

    return c3_like(ctx, c1, c2, n, True, 1, 0.5, None, "RepCSP", {"name": name}, rep_bottleneck)


def rep_ncsp_elan4(ctx: Context, a: list[Any], common: dict[str, Any]) -> Entry:
    c1, c2, c3_, c4, n = (a + [1][len(a) - 4:])[:5]
    body = [ctx.conv("cv1", c3_, 1, 1), {"split": {"name": "y1", "groups": 2, "index": 1}},
            rep_csp(ctx, c3_ // 2, c4, n, "cv2_0"), ctx.conv("cv2_1", c4, 3, 1),
            rep_csp(ctx, c4, c4, n, "cv3_0"), ctx.conv("cv3_1", c4, 3, 1),
            {"concat": {"name": "cat", "from": ["cv1", "cv2_1", "cv3_1"]}}, ctx.conv("cv4", c2, 1, 1)]
    return _use(ctx, "RepNCSPELAN4", body, common)


def elan1(ctx: Context, a: list[Any], common: dict[str, Any]) -> Entry:
    c1, c2, c3_, c4 = a[:4]
    body = [ctx.conv("cv1", c3_, 1, 1), {"split": {"name": "y1", "groups": 2, "index": 1}},
            ctx.conv("cv2", c4, 3, 1), ctx.conv("cv3", c4, 3, 1),
            {"concat": {"name": "cat", "from": ["cv1", "cv2", "cv3"]}}, ctx.conv("cv4", c2, 1, 1)]
    return _use(ctx, "ELAN1", body, common)


_AVG_2_1 = {"avgpool": {"name": "avg_pool", "f": 2, "s": 1}}


def aconv(ctx: Context, a: list[Any], common: dict[str, Any]) -> Entry:
    c1, c2 = a[:2]
    return _use(ctx, "AConv", [_AVG_2_1, ctx.conv("cv1", c2, 3, 2, 1)], common)


def adown(ctx: Context, a: list[Any], common: dict[str, Any]) -> Entry:
    c1, c2 = a[:2]
    c = c2 // 2
    body = [_AVG_2_1, {"split": {"name": "x1", "groups": 2, "index": 0}}, ctx.conv("cv1", c, 3, 2, 1),
            {"split": {"name": "x2", "groups": 2, "index": 1, "from": "avg_pool"}},
            {"maxpool": {"name": "max_pool", "f": 3, "s": 2, "padding": 1}}, ctx.conv("cv2", c, 1, 1, 0),
            {"concat": {"name": "cat", "from": ["cv1", "cv2"]}}]
    return _use(ctx, "ADown", body, common)


def _pool(name: str, k: int, source: str | None = None) -> Entry:
    args: dict[str, Any] = {"name": name, "f": k, "s": 1, "padding": k // 2}
    if source:
        args["from"] = source
    return {"maxpool": args}


def spp(ctx: Context, a: list[Any], common: dict[str, Any]) -> Entry:
    c1, c2, k = (a + [(5, 9, 13)][len(a) - 2:])[:3]
    c_ = c1 // 2
    pools = [_pool(f"m{i}", x, "cv1") for i, x in enumerate(k)]
    body = [ctx.conv("cv1", c_, 1, 1), *pools,
            {"concat": {"name": "cat", "from": ["cv1", *(f"m{i}" for i in range(len(k)))]}}, ctx.conv("cv2", c2, 1, 1)]
    return _use(ctx, "SPP", body, common)


def sppf(ctx: Context, a: list[Any], common: dict[str, Any]) -> Entry:
    c1, c2, k, n, shortcut = (a + [5, 3, False][len(a) - 2:])[:5]
    c_ = c1 // 2
    if not isinstance(n, int) or not 1 <= n <= 1_000:
        raise ValueError(f"n must be an integer from 1 to 1000, got {n!r}")
    legacy = len(a) <= 3  # parse_model: rows older than YOLO26 keep cv1's activation
    pools = [_pool(f"m{i}", k) for i in range(n)]
    body: list[Entry] = [ctx.conv("cv1", c_, 1, 1, None, 1, 1, legacy), *pools,
                         {"concat": {"name": "cat", "from": ["cv1", *(f"m{i}" for i in range(n))]}},
                         ctx.conv("cv2", c2, 1, 1)]
    if shortcut and c1 == c2:
        body = _plus(body)
    return _use(ctx, "SPPF", body, common)


def sppelan(ctx: Context, a: list[Any], common: dict[str, Any]) -> Entry:
    c1, c2, c3_, k = (a + [5][len(a) - 3:])[:4]
    body = [ctx.conv("cv1", c3_, 1, 1), _pool("cv2", k), _pool("cv3", k), _pool("cv4", k),
            {"concat": {"name": "cat", "from": ["cv1", "cv2", "cv3", "cv4"]}}, ctx.conv("cv5", c2, 1, 1)]
    return _use(ctx, "SPPELAN", body, common)


def scdown(ctx: Context, a: list[Any], common: dict[str, Any]) -> Entry:
    c1, c2, k, s = a[:4]
    body = [ctx.conv("cv1", c2, 1, 1), ctx.conv("cv2", c2, k, s, None, c2, 1, False)]
    return _use(ctx, "SCDown", body, common)


def _attention_modules() -> dict[str, Callable[[Context, list[Any], dict[str, Any]], Entry]]:
    from .ultralytics_attention import c2psa, psa

    return {"PSA": psa, "C2PSA": c2psa}


MODULES: dict[str, Callable[[Context, list[Any], dict[str, Any]], Entry]] = {
    "Conv": conv,
    "DWConv": dwconv,
    "ConvTranspose": conv_transpose,
    "nn.ConvTranspose2d": nn_conv_transpose,
    "Focus": focus,
    "GhostConv": ghost_conv,
    "Bottleneck": bottleneck_row,
    "GhostBottleneck": ghost_bottleneck_row,
    "C1": c1_module,
    "C2": c2_module,
    "C2f": c2f,
    "C3": c3,
    "C3k2": c3k2,
    "C3x": c3x,
    "C3Ghost": c3ghost,
    "C2fCIB": c2f_cib,
    "RepC3": rep_c3,
    "RepNCSPELAN4": rep_ncsp_elan4,
    "ELAN1": elan1,
    "AConv": aconv,
    "ADown": adown,
    "SPP": spp,
    "SPPF": sppf,
    "SPPELAN": sppelan,
    "SCDown": scdown,
}
MODULES.update(_attention_modules())
