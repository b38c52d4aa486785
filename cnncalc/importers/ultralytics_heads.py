"""Ultralytics' heads as cnncalc bodies: Detect, Segment, Pose, OBB, v10Detect and Classify.

As `ultralytics/nn/modules/head.py` (8.4) builds them: per level i, `cv2_i` (box: Conv, Conv,
nn.Conv2d to 4 reg_max) and `cv3_i` (classes; DWConv pairs unless the file is "legacy", i.e.
has no C3k2/C2fCIB), `cv4_i` for masks, keypoints or angles, `one2one_*` copies when the model
is end-to-end; then the DFL on the box outputs the model predicts with (one2one when it has
them), whose `reg_max` weights are params but not trainable. A head reads several rows, so its
branches name them by their index; its output is what the model predicts per anchor,
flattened: `[A (4 + nc + extra)]`.
"""

from __future__ import annotations

import math
from typing import Any

from .ultralytics import Context
from .ultralytics_modules import Entry, _use

_EXTRA = {"Segment": "mask", "Pose": "kpts", "OBB": "angle"}


def _sequence(ctx: Context, name: str, x: int, source: str, c2: int, c_out: int, kind: str) -> list[Entry]:
    """One level's branch: two 3x3 Convs (or light DWConv/Conv pairs) and a biased 1x1 nn.Conv2d."""
    if kind == "plain":
        layers = [ctx.conv(f"{name}_0", c2, 3), ctx.conv(f"{name}_1", c2, 3)]
    else:  # "light": DWConv + Conv, twice (v10Detect writes the DWConv as Conv with g=x)
        layers = [ctx.conv(f"{name}_0a", x, 3, 1, None, math.gcd(x, x)), ctx.conv(f"{name}_0b", c2, 1),
                  ctx.conv(f"{name}_1a", c2, 3, 1, None, c2), ctx.conv(f"{name}_1b", c2, 1)]
    layers[0] = {k: {**v, "from": source} for k, v in layers[0].items()}
    layers.append({"conv": {"name": f"{name}_2", "filters": c_out, "f": 1}})
    return layers


def _head(ctx: Context, module: str, a: list[Any], common: dict[str, Any]) -> Entry:
    sources = common.pop("from", None)
    chs = a[-1]
    index = int(common["name"])
    names = _level_names(sources, index, len(chs))
    nc = a[0]
    end2end = module == "v10Detect" or bool(a[-2])
    reg_max = 16 if module == "v10Detect" else a[-3]
    if isinstance(nc, bool) or not isinstance(nc, int) or nc < 1:
        raise ValueError(f"nc must be a positive integer, got {nc!r}")
    c2 = max(16, chs[0] // 4, reg_max * 4)
    c3 = max(chs[0], min(nc, 100))
    light = "light" if module == "v10Detect" or not ctx.legacy else "plain"
    extra, c4 = None, 0
    if module == "Segment":
        nm, npr = a[1], a[2]
        extra, c4 = nm, max(chs[0] // 4, nm)
    elif module == "Pose":
        kpt = a[1]
        extra = kpt[0] * kpt[1]
        c4 = max(chs[0] // 4, extra)
    elif module == "OBB":
        extra = a[1]
        c4 = max(chs[0] // 4, extra)
    body: list[Entry] = []
    heads = [""] + (["one2one_"] if end2end else [])
    for prefix in heads:
        for i, (x, src) in enumerate(zip(chs, names)):
            body += _sequence(ctx, f"{prefix}cv2_{i}", x, src, c2, 4 * reg_max, "plain")
            body += _sequence(ctx, f"{prefix}cv3_{i}", x, src, c3, nc, light)
            if extra is not None:
                body += _sequence(ctx, f"{prefix}cv4_{i}", x, src, c4, extra, "plain")
    used = heads[-1]
    if module == "Segment":
        body += [{k: {**v, "from": names[0]} for k, v in ctx.conv("proto_cv1", npr, 3).items()},
                 {"deconv": {"name": "proto_upsample", "filters": npr, "f": 2, "s": 2}},
                 ctx.conv("proto_cv2", npr, 3), ctx.conv("proto_cv3", nm)]
    body.append({"dfl": {"name": "dfl", "reg_max": reg_max, "trainable": False,
                         "from": [f"{used}cv2_{i}_2" for i in range(len(chs))]}})
    parts = ["dfl"]
    for branch in ["cv3"] + (["cv4"] if extra is not None else []):
        for i in range(len(chs)):
            body.append({"flatten": {"name": f"{used}{branch}_{i}_flat", "from": f"{used}{branch}_{i}_2"}})
            parts.append(f"{used}{branch}_{i}_flat")
    body.append({"concat": {"name": "out", "from": parts}})
    common["from"] = names[0]
    return _use(ctx, module, body, common)


def _level_names(sources: Any, index: int, count: int) -> list[str]:
    if sources is None:
        return [str(index - 1)]
    return [sources] if isinstance(sources, str) else list(sources)


def detect(ctx: Context, a: list[Any], common: dict[str, Any]) -> Entry:
    return _head(ctx, "Detect", a, common)


def segment(ctx: Context, a: list[Any], common: dict[str, Any]) -> Entry:
    return _head(ctx, "Segment", a, common)


def pose(ctx: Context, a: list[Any], common: dict[str, Any]) -> Entry:
    return _head(ctx, "Pose", a, common)


def obb(ctx: Context, a: list[Any], common: dict[str, Any]) -> Entry:
    return _head(ctx, "OBB", a, common)


def v10detect(ctx: Context, a: list[Any], common: dict[str, Any]) -> Entry:
    return _head(ctx, "v10Detect", [a[0], 16, True, a[-1]], common)


def classify(ctx: Context, a: list[Any], common: dict[str, Any]) -> Entry:
    c1, c2, k, s, p, g = (a + [1, 1, None, 1][len(a) - 2:])[:6]
    body = [ctx.conv("conv", 1280, k, s, p, g), {"gap": {"name": "pool"}}, {"fc": {"name": "linear", "units": c2}}]
    return _use(ctx, "Classify", body, common)


HEADS = {"Detect": detect, "Segment": segment, "Pose": pose, "OBB": obb, "v10Detect": v10detect, "Classify": classify}
