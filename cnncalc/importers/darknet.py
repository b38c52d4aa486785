"""Darknet `.cfg` -> a located cnncalc layer list (SPEC §1), following Darknet's own parser.

Each section becomes one or more rows named after its Darknet index (`conv_0`, `bn_0`,
`leaky_0`, `maxpool_1`, `route_86`), so `[route]`/`[shortcut]` indices become `from` names.
The arithmetic is Darknet's (pjreddie/darknet and AlexeyAB/darknet `src/parser.c`):
- convolution: `pad=1` means padding `size/2` on each side (else `padding=`, default 0);
  output `(w + 2*pad - size)/stride + 1` even when dilated (AlexeyAB), so a dilated kernel
  gets `(dilation-1)*(size-1)` more padding in cnncalc terms to keep Darknet's size;
- maxpool: padding `padding=` in total (default `size-1`), `padding//2` of it before, output
  `(w + padding - size)/stride + 1`;
- `batch_normalize=1`: the convolution has no bias of its own (Darknet's `biases` are the
  BN beta), then a `bn` row; the activation (default `logistic`) is a row of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from ..errors import CnnError, Location
from ..source import Node
from .build import Net

_INT = re.compile(r"[+-]?\d+")
_FLOAT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")

# Darknet activation -> (cnncalc activation, alpha). None: linear, no row. "identity": cnncalc has
# no function of that name, so it is a parameter-free row with the Darknet name as its role.
ACTIVATIONS: dict[str, tuple[str | None, float | None]] = {
    "linear": (None, None),
    "logistic": ("sigmoid", None),
    "relu": ("relu", None),
    "relu6": ("relu6", None),
    "leaky": ("leaky_relu", 0.1),
    "elu": ("elu", None),
    "selu": ("selu", None),
    "gelu": ("gelu", None),
    "tanh": ("tanh", None),
    "mish": ("mish", None),
    "swish": ("swish", None),
    "silu": ("silu", None),
    **{name: ("identity", None) for name in (
        "hard_mish", "loggy", "relie", "plse", "hardtan", "lhtan", "ramp", "stair", "revleaky",
        "normalize_channels", "normalize_channels_softmax", "normalize_channels_softmax_maxval",
    )},
}


@dataclass(slots=True)
class Section:
    """One `[kind]` with its options; each option keeps the location of its key."""

    kind: str
    loc: Location
    # key -> (value, location of the key, location of the value)
    options: dict[str, tuple[str, Location, Location]] = field(default_factory=dict)

    def has(self, key: str) -> bool:
        return key in self.options

    def loc_of(self, key: str) -> Location:
        return self.options[key][1] if key in self.options else self.loc

    def text(self, key: str, default: str | None = None) -> str | None:
        if key not in self.options:
            return default
        return self.options[key][0]

    def int(self, key: str, default: int | None = None) -> int:
        if key not in self.options:
            if default is None:
                raise CnnError(f"[{self.kind}] needs '{key}='", self.loc)
            return default
        value, _, vloc = self.options[key]
        m = _INT.match(value)  # Darknet reads numbers with atoi(): leading digits count
        if not m:
            raise CnnError(f"'{key}' must be an integer, got '{value}'", vloc)
        return int(m.group())

    def float(self, key: str, default: float) -> float:
        if key not in self.options:
            return default
        value, _, vloc = self.options[key]
        m = _FLOAT.match(value)
        if not m:
            raise CnnError(f"'{key}' must be a number, got '{value}'", vloc)
        return float(m.group())

    def ints(self, key: str) -> list[int]:
        if key not in self.options:
            raise CnnError(f"[{self.kind}] needs '{key}='", self.loc)
        value, _, vloc = self.options[key]
        out = []
        for part in value.split("#")[0].split(","):
            m = _INT.fullmatch(part.strip())
            if not m:
                raise CnnError(f"'{key}' must be comma-separated layer indices, got '{value}'", vloc)
            out.append(int(m.group()))
        return out


def read_sections(text: str, filename: str) -> list[Section]:
    """Darknet's `read_cfg`: `[section]` lines, `key=value` lines; `#` and `;` start comments."""
    sections: list[Section] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped[0] in "#;":
            continue
        col = len(raw) - len(raw.lstrip()) + 1
        loc = Location(filename, lineno, col)
        if stripped[0] == "[":
            end = stripped.find("]")
            if end < 0:
                raise CnnError(f"section header '{stripped}' has no closing ']'", loc)
            sections.append(Section(stripped[1:end].strip().lower(), loc))
            continue
        key, sep, value = stripped.partition("=")
        if not sep:
            raise CnnError(f"expected 'key=value' or '[section]', got '{stripped}'", loc)
        if not sections:
            raise CnnError("an option before the first [section]", loc)
        key = "".join(key.split())
        vcol = col + raw.lstrip().index("=") + 1
        vcol += len(value) - len(value.lstrip())
        value = "".join(value.split())  # Darknet strips every blank, also inside values
        if key not in sections[-1].options:  # Darknet's option_find returns the first one
            sections[-1].options[key] = (value, loc, Location(filename, lineno, vcol))
    return sections


def looks_like(text: str) -> bool:
    """A Darknet cfg's first section is [net] or [network]."""
    from . import _darknet_like

    return _darknet_like(text)


def load(text: str, filename: str, input_override: str | None = None) -> Node:
    sections = read_sections(text, filename)
    if not sections or sections[0].kind not in ("net", "network"):
        where = sections[0].loc if sections else Location(filename)
        raise CnnError("a Darknet .cfg starts with a [net] section", where)
    net_s = sections[0]
    h, w, c = net_s.int("height", 0), net_s.int("width", 0), net_s.int("channels", 0)
    if h and w and c:
        shape: Any = [h, w, c]
    elif net_s.int("inputs", 0):
        shape = [net_s.int("inputs", 0)]
    elif input_override:
        shape = input_override
    else:
        raise CnnError("[net] gives no input size (height, width, channels); pass --input", net_s.loc)
    conv = _Converter(Net(filename))
    for index, section in enumerate(sections[1:]):
        conv.section(index, section)
    shape_loc = net_s.loc_of("height") if net_s.has("height") else net_s.loc
    title = PurePath(filename).stem
    reference = f"Darknet cfg {PurePath(filename).name}"
    root = conv.net.root(title, shape, shape_loc, reference)
    shortcuts = [row for row in conv.net.rows if row.kind == "shortcut"]
    if shortcuts:  # a [shortcut] over equal shapes is a plain add: say so where it is true
        from .. import graph, spec, tree

        built = graph.build(tree.resolve_network(spec.parse(root, None, input_override)))
        by_name = built.by_name
        for row in shortcuts:
            leaf = by_name[row.args[0][1]]
            if len({tuple(built.shape_of(i)) for i in leaf.inputs}) == 1:
                row.kind = "add"
        root = conv.net.root(title, shape, shape_loc, reference)
    return root


class _Converter:
    def __init__(self, net: Net) -> None:
        self.net = net
        self.outputs: list[str] = []  # Darknet layer index -> name of the row that holds its output

    def section(self, index: int, s: Section) -> None:
        method = _HANDLERS.get(s.kind)
        if method is None:
            raise CnnError(f"unsupported Darknet section [{s.kind}]", s.loc)
        self.index = index
        self.outputs.append(getattr(self, method)(s))

    # ---- helpers ----------------------------------------------------------------------

    def previous(self) -> str:
        """The output of the layer before this one (the network input for layer 0)."""
        return self.outputs[self.index - 1] if self.index > 0 else "input"

    def ref(self, s: Section, key: str, value: int) -> str:
        """A `layers=`/`from=` index (negative: relative) -> the name of that layer's output."""
        target = self.index + value if value < 0 else value
        if not 0 <= target < self.index:
            raise CnnError(
                f"[{s.kind}] layer {self.index}: '{key}' index {value} refers to layer {target}, "
                f"which is not an earlier layer (0..{self.index - 1})",
                s.loc_of(key),
            )
        return self.outputs[target]

    def _act(self, s: Section, default: str) -> tuple[str, str | None, float | None]:
        name = (s.text("activation", default) or default).lower()
        if name not in ACTIVATIONS:
            raise CnnError(f"unknown Darknet activation '{name}'", s.loc_of("activation"))
        fn, alpha = ACTIVATIONS[name]
        return name, fn, alpha

    def fold(self, s: Section, default: str) -> tuple[bool, str | None]:
        """(True, function) when the activation fits an `activation:` key (no row of its own)."""
        _, fn, alpha = self._act(s, default)
        return fn != "identity" and alpha is None, fn

    def activation(self, s: Section, default: str) -> str:
        """The activation row for `activation=` (none for linear); returns the output's name."""
        name, fn, alpha = self._act(s, default)
        if fn is None:
            return self.net.last
        key = "role" if fn == "identity" else "alpha"
        args = {key: name if fn == "identity" else alpha}
        return self.net.add(fn, f"{name}_{self.index}", s.loc, args, {key: s.loc_of("activation")})

    def _conv_like(self, s: Section, kind: str, args: dict[str, Any], locs: dict[str, Location]) -> str:
        bn = s.int("batch_normalize", 0) != 0
        folds, fn = self.fold(s, "logistic")
        name = f"{_ROW_PREFIX[kind]}_{self.index}"
        if not bn and folds:
            args["activation"] = fn
            locs["activation"] = s.loc_of("activation")
            return self.net.add(kind, name, s.loc, args, locs)
        if bn:
            args["bias"] = False
            locs["bias"] = s.loc_of("batch_normalize")
        self.net.add(kind, name, s.loc, args, locs)
        if bn:
            self.net.add("bn", f"bn_{self.index}", s.loc_of("batch_normalize"))
        return self.activation(s, "logistic")

    # ---- sections ---------------------------------------------------------------------

    def _convolutional(self, s: Section) -> str:
        filters = s.int("filters", 1)
        size = s.int("size", 1)
        stride = s.int("stride", 1)
        sy, sx = s.int("stride_y", stride), s.int("stride_x", stride)
        dilation = s.int("dilation", 1) if size != 1 else 1
        pad = size // 2 if s.int("pad", 0) else s.int("padding", 0)
        extra = (dilation - 1) * (size - 1)  # Darknet's output size ignores dilation
        before = pad + extra // 2
        after = 2 * pad + extra - before
        padding: Any = before if before == after else [before, after, before, after]
        args: dict[str, Any] = {"filters": filters, "f": size, "s": stride if sy == sx else [sy, sx],
                                "padding": padding}
        for key, default in (("s", 1), ("padding", 0)):  # cnncalc's defaults, left out for reading
            if args[key] == default:
                del args[key]
        if dilation != 1:
            args["dilation"] = dilation
        groups = s.int("groups", 1)
        if groups != 1:
            args["groups"] = groups
        pad_key = "pad" if s.has("pad") else "padding"
        locs = {"filters": s.loc_of("filters"), "f": s.loc_of("size"), "s": s.loc_of("stride"),
                "padding": s.loc_of(pad_key), "dilation": s.loc_of("dilation"), "groups": s.loc_of("groups")}
        return self._conv_like(s, "conv", args, locs)

    def _deconvolutional(self, s: Section) -> str:
        size = s.int("size", 1)
        pad = size // 2 if s.int("pad", 0) else s.int("padding", 0)
        args = {"filters": s.int("filters", 1), "f": size, "s": s.int("stride", 1), "padding": pad}
        locs = {"filters": s.loc_of("filters"), "f": s.loc_of("size"), "s": s.loc_of("stride"),
                "padding": s.loc_of("pad" if s.has("pad") else "padding")}
        return self._conv_like(s, "deconv", args, locs)

    def _local(self, s: Section) -> str:
        size = s.int("size", 1)
        # local_out_height: (h - 1)/stride + 1 with pad, (h - size)/stride + 1 without
        total = size - 1 if s.int("pad", 0) else 0
        before = total // 2
        padding: Any = before if 2 * before == total else [before, total - before, before, total - before]
        args = {"filters": s.int("filters", 1), "f": size, "s": s.int("stride", 1), "padding": padding}
        locs = {"filters": s.loc_of("filters"), "f": s.loc_of("size"), "s": s.loc_of("stride"),
                "padding": s.loc_of("pad")}
        return self._conv_like(s, "local", args, locs)

    def _connected(self, s: Section) -> str:
        args: dict[str, Any] = {"units": s.int("output", 1)}
        return self._conv_like(s, "fc", args, {"units": s.loc_of("output")})

    def _pool(self, s: Section, mode: str) -> str:
        stride = s.int("stride", 1)
        sy, sx = s.int("stride_y", stride), s.int("stride_x", stride)
        size = s.int("size", stride)
        total = s.int("padding", size - 1)
        if s.int("maxpool_depth", 0):
            raise CnnError("[maxpool] with maxpool_depth (pooling across channels) is not supported",
                           s.loc_of("maxpool_depth"))
        before = total // 2
        padding: Any = None if total == 0 else [before, total - before, before, total - before]
        args = {"mode": mode, "f": size, "s": stride if sy == sx else [sy, sx], "padding": padding}
        locs = {"f": s.loc_of("size"), "s": s.loc_of("stride"), "padding": s.loc_of("padding")}
        return self.net.add("pool", f"{s.kind}_{self.index}", s.loc, args, locs)

    def _maxpool(self, s: Section) -> str:
        return self._pool(s, "max")

    def _local_avgpool(self, s: Section) -> str:
        return self._pool(s, "avg")

    def _avgpool(self, s: Section) -> str:
        return self.net.add("gap", f"avgpool_{self.index}", s.loc)

    def _route(self, s: Section) -> str:
        sources = [self.ref(s, "layers", v) for v in s.ints("layers")]
        groups, group_id = s.int("groups", 1), s.int("group_id", 0)
        name = f"route_{self.index}"
        locs = {"from": s.loc_of("layers"), "groups": s.loc_of("groups"), "index": s.loc_of("group_id")}
        if groups != 1:
            if group_id >= groups or group_id < 0:
                raise CnnError(f"group_id {group_id} is out of range for groups={groups}",
                               s.loc_of("group_id"))
            args = {"groups": groups, "index": group_id}
            if len(sources) == 1:
                return self.net.add("split", name, s.loc, args, locs, sources)
            parts = [self.net.add("split", f"{name}_part{i + 1}", s.loc, args, locs, [src])
                     for i, src in enumerate(sources)]
            return self.net.add("concat", name, s.loc, None, locs, parts)
        if len(sources) == 1:
            return self.net.add("identity", name, s.loc, {"role": "route"}, locs, sources)
        return self.net.add("concat", name, s.loc, None, locs, sources)

    def _shortcut(self, s: Section) -> str:
        sources = [self.previous()] + [self.ref(s, "from", v) for v in s.ints("from")]
        folds, fn = self.fold(s, "linear")
        locs = {"from": s.loc_of("from"), "activation": s.loc_of("activation")}
        args = {"activation": fn} if folds else None
        out = self.net.add("shortcut", f"shortcut_{self.index}", s.loc, args, locs, sources)
        return out if folds else self.activation(s, "linear")

    def _gate(self, s: Section, role: str) -> str:
        """[scale_channels] and [sam]: the `from` layer's output times the previous one."""
        (value,) = s.ints("from")[:1] or [0]
        src = self.ref(s, "from", value)
        locs = {"from": s.loc_of("from")}
        prev = self.previous()
        out = self.net.add("multiply", f"{role}_{self.index}", s.loc, None, locs, [src, prev])
        return self.activation(s, "linear") if s.has("activation") else out

    def _scale_channels(self, s: Section) -> str:
        return self._gate(s, "scale_channels")

    def _sam(self, s: Section) -> str:
        return self._gate(s, "sam")

    def _upsample(self, s: Section) -> str:
        stride = s.int("stride", 2)
        if stride < 1:
            raise CnnError("[upsample] with a negative stride (downsampling) is not supported",
                           s.loc_of("stride"))
        return self.net.add("upsample", f"upsample_{self.index}", s.loc, {"factor": stride},
                            {"factor": s.loc_of("stride")})

    def _reorg(self, s: Section) -> str:
        if s.int("reverse", 0):
            raise CnnError("[reorg] with reverse=1 (depth to space) is not supported", s.loc_of("reverse"))
        return self.net.add("space_to_depth", f"reorg_{self.index}", s.loc, {"block": s.int("stride", 1)},
                            {"block": s.loc_of("stride")})

    def _crop(self, s: Section) -> str:
        out = [s.int("crop_height", 1), s.int("crop_width", 1)]
        return self.net.add("crop", f"crop_{self.index}", s.loc, {"output": out},
                            {"output": s.loc_of("crop_height")})

    def _dropout(self, s: Section) -> str:
        rate = s.float("probability", 0.5)
        return self.net.add("dropout", f"dropout_{self.index}", s.loc, {"rate": rate},
                            {"rate": s.loc_of("probability")})

    def _softmax(self, s: Section) -> str:
        return self.net.add("softmax", f"softmax_{self.index}", s.loc)

    def _batchnorm(self, s: Section) -> str:
        return self.net.add("bn", f"batchnorm_{self.index}", s.loc)

    def _normalization(self, s: Section) -> str:
        args = {"size": s.int("size", 5), "alpha": s.float("alpha", 0.0001), "beta": s.float("beta", 0.75),
                "k": s.float("kappa", 1.0)}
        return self.net.add("lrn", f"lrn_{self.index}", s.loc, args)

    def _activation(self, s: Section) -> str:
        if self._act(s, "linear")[1] is None:
            return self.net.add("identity", f"linear_{self.index}", s.loc, {"role": "linear"})
        return self.activation(s, "linear")

    def _head(self, s: Section) -> str:
        return self.net.add("identity", f"{s.kind}_{self.index}", s.loc, {"role": s.kind})

    def _empty(self, s: Section) -> str:
        return self.net.add("identity", f"{s.kind}_{self.index}", s.loc, {"role": s.kind})


_ROW_PREFIX = {"conv": "conv", "deconv": "deconv", "local": "local", "fc": "connected"}
_HANDLERS = {
    "convolutional": "_convolutional", "conv": "_convolutional",
    "deconvolutional": "_deconvolutional", "deconv": "_deconvolutional",
    "local": "_local", "connected": "_connected", "conn": "_connected",
    "maxpool": "_maxpool", "max": "_maxpool",
    "local_avgpool": "_local_avgpool", "local_avg": "_local_avgpool",
    "avgpool": "_avgpool", "avg": "_avgpool",
    "route": "_route", "shortcut": "_shortcut", "scale_channels": "_scale_channels", "sam": "_sam",
    "upsample": "_upsample", "reorg": "_reorg", "reorg3d": "_reorg", "crop": "_crop",
    "dropout": "_dropout", "softmax": "_softmax", "soft": "_softmax", "batchnorm": "_batchnorm",
    "normalization": "_normalization", "lrn": "_normalization", "activation": "_activation",
    "yolo": "_head", "region": "_head", "detection": "_head", "cost": "_head", "gaussian_yolo": "_head",
    "contrastive": "_head", "empty": "_empty", "silence": "_empty",
}
