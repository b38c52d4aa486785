"""Ultralytics model YAML (`nc`, `scales`, `backbone`, `head`) -> a located cnncalc tree.

Rows are read as `ultralytics/nn/tasks.py` `parse_model` (8.4) reads them: the scale is the
letter after the version in the file name (`yolo11n.yaml` -> n, `yolov8s-seg.yaml` -> s) or
`--set scale=X`, else the first of `scales`; `[depth, width, max_channels]` scale repeats
(`max(round(n * depth), 1)` when n > 1) and channels (`make_divisible(min(c2, max_channels) *
width, 8)`); `from` is -1, an index or a list; string arguments name `nc` and friends.

Each YAML row becomes one entry named by its index (`0`, `1`, ...), a block named after the
module (`Conv`, `C3k2`, `Detect`), whose body holds the module's sub-layers under the names
Ultralytics gives them (`2.cv1.conv`, `2.m0.cv1.bn`), so `--depth 1` is one row per YAML row.
The module bodies are in `ultralytics_modules` (backbone and neck) and `ultralytics_heads`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from ..errors import CnnError, Location
from ..escape import visible
from ..source import Node, node
from ..source import load as load_yaml

SCALES = "nsmlx"
MAX_LAYERS = 200_000  # as cnncalc YAML (entries.MAX_LAYERS)
_SCALE_IN_NAME = re.compile(r"yolo(e-)?v?\d+([nslmx])")
# Ultralytics' `activation:` key (an expression it evals) -> a cnncalc activation
ACTIVATIONS = {
    "nn.SiLU()": "silu", "nn.ReLU()": "relu", "nn.ReLU6()": "relu6", "nn.LeakyReLU(0.1)": "leaky_relu",
    "nn.Hardswish()": "hardswish", "nn.Mish()": "mish", "nn.GELU()": "gelu", "nn.Sigmoid()": "sigmoid",
    "nn.Tanh()": "tanh", "nn.ELU()": "elu", "nn.Identity()": None,
}  # fmt: skip
ACTIVATIONS.update({f"torch.{k}": v for k, v in list(ACTIVATIONS.items())})


def looks_like(root: Node) -> bool:
    """A mapping with both `backbone` and `head` is an Ultralytics model file."""
    return root.is_map and "backbone" in root.value and "head" in root.value


def make_divisible(x: float, divisor: int) -> int:
    return math.ceil(x / divisor) * divisor


def guess_scale(filename: str) -> str:
    m = _SCALE_IN_NAME.search(PurePath(filename).stem)
    return m.group(2) if m else ""


@dataclass
class Context:
    """What parse_model knows while it reads the rows, and the blocks emitted so far."""

    filename: str
    nc: int
    scale: str
    depth: float
    width: float
    max_channels: float
    reg_max: int
    end2end: bool
    kpt_shape: Any
    act: str | None = "silu"
    legacy: bool = True
    blocks: dict[str, dict[str, Any]] = field(default_factory=dict)
    block_locs: dict[str, Location] = field(default_factory=dict)
    _bodies: dict[str, str] = field(default_factory=dict)  # repr(body) -> block name
    loc: Location | None = None  # the row being read
    made: int = 0  # layers written so far, bounded: a hostile file's repeats cannot run away

    def count(self, layers: int = 1) -> None:
        self.made += layers
        if self.made > MAX_LAYERS:
            raise self.error(f"the model makes more than {MAX_LAYERS:,} layers")

    def block(self, module: str, body: list[dict[str, Any]]) -> str:
        """The name of a block with this body: `module`, or `module_2`, ... for another body."""
        self.count(len(body))
        key = repr(body)
        if key in self._bodies:
            return self._bodies[key]
        name, i = module, 1
        while name in self.blocks:
            i += 1
            name = f"{module}_{i}"
        self.blocks[name] = {"layers": body}
        self.block_locs[name] = self.loc or Location(self.filename)
        self._bodies[key] = name
        return name

    def conv(self, name: str, c2: int, k: Any = 1, s: int = 1, p: Any = None, g: int = 1, d: int = 1,
             act: bool = True, module: str = "Conv", **common: Any) -> dict[str, Any]:
        """Ultralytics' Conv (or DWConv, its subclass): conv (no bias), bn, and the default
        activation (none if act=False: the block `ConvLinear`)."""
        self.count(3)
        kind = module if act and self.act else f"{module}Linear"
        if kind not in self.blocks:
            self._conv_block(kind)
        args = {"name": name, **common, "c2": c2, "k": _pair(k), "s": s, "p": _pair(autopad(k, p, d)), "g": g, "d": d}
        return {kind: args}

    def _conv_block(self, kind: str) -> None:
        body: list[dict[str, Any]] = [
            {"conv": {"name": "conv", "filters": "$c2", "f": "$k", "s": "$s", "padding": "$p",
                      "groups": "$g", "dilation": "$d", "bias": False}},
            {"bn": {"name": "bn"}},
        ]
        if not kind.endswith("Linear"):
            body.append({self.act: {"name": "act"}})
        self.blocks[kind] = {"args": {"c2": None, "k": 1, "s": 1, "p": 0, "g": 1, "d": 1}, "layers": body}
        self.block_locs[kind] = self.loc or Location(self.filename)

    def error(self, message: str) -> CnnError:
        return CnnError(message, self.loc)


def autopad(k: Any, p: Any = None, d: int = 1) -> Any:
    """ultralytics.nn.modules.conv.autopad: 'same' padding for stride 1."""
    if d > 1:
        k = d * (k - 1) + 1 if isinstance(k, int) else [d * (x - 1) + 1 for x in k]
    if p is None:
        p = k // 2 if isinstance(k, int) else [x // 2 for x in k]
    return p


def _pair(v: Any) -> Any:
    return list(v) if isinstance(v, (list, tuple)) else v


def load(text: str, filename: str, input_override: str | None = None, scale: str | None = None) -> Node:
    return convert_root(load_yaml(text, filename), filename, scale)


def convert_root(root: Node, filename: str, scale: str | None = None) -> Node:
    from . import ultralytics_rows

    top = root.value
    d = {k: v.plain() for k, v in top.items() if k not in ("backbone", "head")}
    nc = d.get("nc", 80)
    if not isinstance(nc, int) or isinstance(nc, bool) or nc < 1:
        raise CnnError(f"'nc' must be a positive integer, got {nc!r}", top["nc"].loc)
    scales = d.get("scales")
    depth, width, max_channels = d.get("depth_multiple", 1.0), d.get("width_multiple", 1.0), math.inf
    chosen = (scale or guess_scale(filename)) if scales else ""
    if scales:
        if not isinstance(scales, dict):
            raise CnnError("'scales' must map n/s/m/l/x to [depth, width, max_channels]", top["scales"].loc)
        if not chosen:
            chosen = next(iter(scales))
        if chosen not in scales:
            where = Location(filename) if scale else top["scales"].loc
            listed = ", ".join(visible(str(k)) for k in scales)
            raise CnnError(f"scale '{visible(str(chosen))}' is not among the file's scales ({listed})", where)
        triple = scales[chosen]
        if not (isinstance(triple, list) and len(triple) == 3 and all(_number(x) for x in triple)):
            raise CnnError(f"scale '{visible(str(chosen))}' must be [depth, width, max_channels]",
                           top["scales"].value[chosen].loc)
        depth, width, max_channels = triple
    for key, value in (("depth_multiple", depth), ("width_multiple", width)):
        if not _number(value) or value <= 0:
            raise CnnError(f"'{key}' must be a positive number, got {value!r}", top[key].loc)
    act = "silu"
    if "activation" in d:
        if d["activation"] not in ACTIVATIONS:
            known = ", ".join(k for k in ACTIVATIONS)
            raise CnnError(f"activation '{visible(str(d['activation']))}' is not one cnncalc reads ({known})",
                           top["activation"].loc)
        act = ACTIVATIONS[d["activation"]]
    ch = d.get("channels", d.get("ch", 3))
    if not isinstance(ch, int) or isinstance(ch, bool) or ch < 1:
        raise CnnError(f"'channels' must be a positive integer, got {ch!r}", root.loc)
    ctx = Context(filename, nc, chosen, depth, width, max_channels, d.get("reg_max", 16), bool(d.get("end2end")),
                  d.get("kpt_shape"), act)
    layers = ultralytics_rows.read_rows(ctx, top["backbone"], top["head"], ch)
    stem = PurePath(filename).stem
    where = f"{PurePath(filename).name}" + (f", scale {chosen}" if chosen else "")
    items: dict[str, Node] = {
        "name": node(stem, root.loc),
        "reference": node(
            f"Ultralytics model YAML {where} (depth {depth}, width {width}, max_channels {max_channels})", root.loc
        ),
        "input": node([640, 640, ch], root.loc),
        # the scale read, as a var: `--set scale=s` chose it (it is read before vars are)
        "vars": node({"scale": chosen or "none"}, root.loc),
        "blocks": Node({n: node(b, ctx.block_locs[n]) for n, b in ctx.blocks.items()}, root.loc,
                       dict(ctx.block_locs)),
        "layers": Node(layers, root.loc),
    }
    return Node(items, root.loc, {k: root.loc for k in items})


def _number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)
