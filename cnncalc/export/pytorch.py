"""Report -> the source of a self-contained PyTorch `nn.Module` (`cnncalc export --to pytorch`).

The module has one attribute per leaf layer (named after the cnncalc layer, dots made
underscores) and a `forward` that follows the graph. It is channels-first, as PyTorch is:
cnncalc's `n_H x n_W x n_C` is `C x H x W` in the module. Every leaf is a module attribute,
even `add` or `crop`, so a forward hook on each attribute sees that layer's output, and
FlopCounterMode attributes each multiply to the layer that does it.

Nothing here imports torch: the result is text. `build_module` runs that text (for tests).
"""

from __future__ import annotations

import builtins
import keyword
import re
import textwrap
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import dims
from ..errors import CnnError, Location
from ..escape import python_comment, python_docstring
from ..graph import INPUT, Graph, Leaf
from ..layers import Shape
from ..report import Report

# Names an attribute must not take: nn.Module's own (self.train = ... would hide the method).
_MODULE_ATTRS = frozenset(
    "T_destination add_module apply bfloat16 buffers call_super_init children compile cpu cuda double "
    "dump_patches eval extra_repr float forward get_buffer get_extra_state get_parameter get_submodule "
    "half ipu load_state_dict modules mtia named_buffers named_children named_modules named_parameters "
    "parameters register_backward_hook register_buffer register_forward_hook register_forward_pre_hook "
    "register_full_backward_hook register_full_backward_pre_hook register_load_state_dict_post_hook "
    "register_load_state_dict_pre_hook register_module register_parameter register_state_dict_post_hook "
    "register_state_dict_pre_hook requires_grad_ set_extra_state set_submodule share_memory state_dict "
    "to to_empty train training type xpu zero_grad".split()
)
_WIDTH = 110  # the line length the generated file keeps to, comments aside
_RESERVED_VARS = frozenset({"x", "x_in", "self", "F", "nn", "torch"})

# An activation row, as a module.
_ACTIVATION_MODULES: dict[str, str] = {
    "relu": "nn.ReLU()", "relu6": "nn.ReLU6()", "leaky_relu": "nn.LeakyReLU({alpha})",
    "elu": "nn.ELU({alpha})", "selu": "nn.SELU()", "gelu": "nn.GELU()", "silu": "nn.SiLU()",
    "swish": "nn.SiLU()", "mish": "nn.Mish()", "sigmoid": "nn.Sigmoid()",
    "hard_sigmoid": "nn.Hardsigmoid()", "hardswish": "nn.Hardswish()", "tanh": "nn.Tanh()",
    "softmax": "nn.Softmax(dim=1)", "softplus": "nn.Softplus()", "linear": "nn.Identity()",
    "identity": "nn.Identity()",
}  # fmt: skip
_DEFAULT_ALPHA = {"leaky_relu": 0.01, "elu": 1.0}

# An `activation:` key on a conv/fc/merge row, as a function applied to the layer's output.
_ACTIVATION_FUNCTIONS: dict[str, str] = {
    "relu": "F.relu({})", "relu6": "F.relu6({})", "leaky_relu": "F.leaky_relu({}, 0.01)",
    "elu": "F.elu({})", "selu": "F.selu({})", "gelu": "F.gelu({})", "silu": "F.silu({})",
    "swish": "F.silu({})", "mish": "F.mish({})", "sigmoid": "torch.sigmoid({})",
    "hard_sigmoid": "F.hardsigmoid({})", "hardswish": "F.hardswish({})", "tanh": "torch.tanh({})",
    "softmax": "F.softmax({}, dim=1)", "softplus": "F.softplus({})", "linear": "{}", "identity": "{}",
}  # fmt: skip

# Small modules for what torch.nn has no class for; a file includes only those it uses.
_HELPERS: dict[str, str] = {
    "Add": '''
class Add(nn.Module):
    """The element-wise sum of its inputs (a residual or parallel merge), then its activation
    module if any (as torchvision's residual blocks call their nn.ReLU after the sum)."""

    def __init__(self, activation: nn.Module | None = None) -> None:
        super().__init__()
        self.activation = activation

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        out = xs[0]
        for x in xs[1:]:
            out = out + x
        return out if self.activation is None else self.activation(out)
''',
    "Concat": '''
class Concat(nn.Module):
    """Its inputs joined along the channels (dim 1)."""

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        return torch.cat(xs, dim=1)
''',
    "CenterCrop": '''
class CenterCrop(nn.Module):
    """Keeps height x width from (top, left): a centre crop, any odd row/column cut from the end."""

    def __init__(self, top: int, left: int, height: int, width: int) -> None:
        super().__init__()
        self.top, self.left, self.height, self.width = top, left, height, width

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[:, :, self.top : self.top + self.height, self.left : self.left + self.width]
''',
    "ChannelSlice": '''
class ChannelSlice(nn.Module):
    """Channels start .. stop-1 (cnncalc's `slice`, and `split`: one of `groups` equal slices)."""

    def __init__(self, start: int, stop: int) -> None:
        super().__init__()
        self.start, self.stop = start, stop

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[:, self.start : self.stop]
''',
    "Placeholder": '''
class Placeholder(nn.Module):
    """Stands for an operator of an imported model that cnncalc has no arithmetic for: it holds
    as many parameters (and buffers) as the operator's weights and returns zeros of its shape."""

    def __init__(self, params: int, buffers: int, shape: tuple[int, ...]) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(params)) if params else None
        if buffers:
            self.register_buffer("state", torch.zeros(buffers))
        self.shape = shape

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        return xs[0].new_zeros((xs[0].shape[0], *self.shape))
''',
    "LocallyConnected2d": '''
class LocallyConnected2d(nn.Module):
    """A convolution without weight sharing: every output position has its own filters.

    weight: (H_out * W_out, out_channels, in_channels * f_h * f_w), one filter bank per position;
    bias: (out_channels, H_out, W_out). `padding` is (left, right, top, bottom), as F.pad takes it.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int],
                 out_size: tuple[int, int], stride: int | tuple[int, int] = 1,
                 padding: tuple[int, int, int, int] = (0, 0, 0, 0), bias: bool = True) -> None:
        super().__init__()
        kernel_size = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
        self.stride = (stride, stride) if isinstance(stride, int) else stride
        self.kernel_size, self.padding, self.out_size = kernel_size, padding, out_size
        fan_in = in_channels * kernel_size[0] * kernel_size[1]
        bound = fan_in**-0.5
        positions = out_size[0] * out_size[1]
        self.weight = nn.Parameter(torch.empty(positions, out_channels, fan_in).uniform_(-bound, bound))
        if bias:
            self.bias = nn.Parameter(torch.empty(out_channels, *out_size).uniform_(-bound, bound))
        else:
            self.register_parameter("bias", None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # unfold gathers each window's C_in * f_h * f_w values: N x (C_in f_h f_w) x (H_out W_out)
        patches = F.unfold(F.pad(x, self.padding), self.kernel_size, stride=self.stride)
        # one matrix product per position: (N x C_in f_h f_w) @ (C_in f_h f_w x out_channels)
        out = torch.bmm(patches.permute(2, 0, 1), self.weight.transpose(1, 2))
        out = out.permute(1, 2, 0).reshape(x.shape[0], -1, *self.out_size)
        return out if self.bias is None else out + self.bias
''',
    "ConvTranspose2dTrimmed": '''
class ConvTranspose2dTrimmed(nn.ConvTranspose2d):
    """A ConvTranspose2d without padding whose output is then trimmed per side.

    For padding that PyTorch's symmetric `padding` cannot say (asymmetric, or TensorFlow `same`
    with f < s). `trim` is (left, right, top, bottom), as F.pad takes it: a negative value removes
    rows/columns, a positive one adds rows/columns that, as with output_padding, get only the bias.
    """

    def __init__(self, *args: Any, trim: tuple[int, int, int, int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.trim = trim

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        y = F.conv_transpose2d(x, self.weight, None, self.stride, 0, 0, self.groups, self.dilation)
        # add first, then remove: F.pad cannot remove more than a side holds (width 1, (-2, 2))
        y = F.pad(F.pad(y, tuple(max(t, 0) for t in self.trim)), tuple(min(t, 0) for t in self.trim))
        return y if self.bias is None else y + self.bias[:, None, None]
''',
    "SelfAttention": '''
class SelfAttention(nn.Module):
    """Multi-head self-attention over the H x W positions of a q, k, v volume (cnncalc's
    `attention`, as Ultralytics' Attention computes it): softmax(q^T k / sqrt(key_dim)) then v attn^T."""

    def __init__(self, heads: int, key_dim: int, head_dim: int) -> None:
        super().__init__()
        self.heads, self.key_dim, self.head_dim = heads, key_dim, head_dim

    def forward(self, qkv: torch.Tensor) -> torch.Tensor:
        b, _, h, w = qkv.shape
        q, k, v = qkv.reshape(b, self.heads, 2 * self.key_dim + self.head_dim, h * w).split(
            [self.key_dim, self.key_dim, self.head_dim], dim=2)
        attn = ((q * self.key_dim**-0.5).transpose(-2, -1) @ k).softmax(dim=-1)
        return (v @ attn.transpose(-2, -1)).reshape(b, self.heads * self.head_dim, h, w)
''',
    "DFL": '''
class DFL(nn.Module):
    """YOLO's distribution focal loss integral: each box side's reg_max bins -> one distance, by a
    1x1 convolution with the fixed weights 0 .. reg_max - 1 (YOLO freezes them: `trainable: false`).
    Reads every level's box volume; returns the 4 distances of each anchor, flattened."""

    def __init__(self, reg_max: int = 16) -> None:
        super().__init__()
        self.conv = nn.Conv2d(reg_max, 1, 1, bias=False)
        self.conv.weight.data[:] = torch.arange(reg_max, dtype=torch.float).view(1, reg_max, 1, 1)
        self.reg_max = reg_max

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        x = torch.cat([x.flatten(2) for x in xs], dim=2)
        b, _, a = x.shape
        return self.conv(x.reshape(b, 4, self.reg_max, a).transpose(2, 1).softmax(1)).reshape(b, 4 * a)
''',
    "Multiply": '''
class Multiply(nn.Module):
    """The element-wise product of its inputs; later ones may broadcast (a 1 x 1 channel gate)."""

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        out = xs[0]
        for x in xs[1:]:
            out = out * x
        return out
''',
    "Maximum": '''
class Maximum(nn.Module):
    """The element-wise maximum of its inputs."""

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        out = xs[0]
        for x in xs[1:]:
            out = torch.maximum(out, x)
        return out
''',
    "DarknetShortcut": '''
class DarknetShortcut(nn.Module):
    """Darknet's [shortcut]: each later input is added into the first where they overlap.

    Channels up to the smaller count; a larger map is sampled with stride n_big / n_small,
    as Darknet's shortcut_cpu does. The output has the first input's shape.
    """

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        out = xs[0].clone()
        for x in xs[1:]:
            c = min(out.shape[1], x.shape[1])
            stride = max(x.shape[2] // out.shape[2], 1), max(x.shape[3] // out.shape[3], 1)
            sample = max(out.shape[2] // x.shape[2], 1), max(out.shape[3] // x.shape[3], 1)
            src = x[:, :c, :: stride[0], :: stride[1]]
            dst = out[:, :c, :: sample[0], :: sample[1]]
            h, w = min(src.shape[2], dst.shape[2]), min(src.shape[3], dst.shape[3])
            dst[:, :, :h, :w] += src[:, :, :h, :w]
        return out
''',
    "ChannelScale": '''
class ChannelScale(nn.Module):
    """y = gamma * x (+ beta), one gamma (and beta) per channel: Caffe's Scale layer."""

    def __init__(self, channels: int, bias: bool = False) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(channels))
        if bias:
            self.bias = nn.Parameter(torch.zeros(channels))
        else:
            self.register_parameter("bias", None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = (-1,) + (1,) * (x.dim() - 2)  # channels are dim 1
        out = x * self.weight.view(shape)
        return out if self.bias is None else out + self.bias.view(shape)
''',
    "ChannelShuffle": '''
class ChannelShuffle(nn.Module):
    """ShuffleNet's channel shuffle, as torchvision's channel_shuffle: view, transpose, view."""

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = x.shape
        x = x.view(shape[0], self.groups, shape[1] // self.groups, *shape[2:])
        return torch.transpose(x, 1, 2).contiguous().view(shape)
''',
    "LayerNorm2d": '''
class LayerNorm2d(nn.LayerNorm):
    """LayerNorm over the channels of each position, as torchvision's ConvNeXt writes it."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.permute(0, 2, 3, 1)
        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)
''',
    "LayerScale": '''
class LayerScale(nn.Module):
    """y = gamma * x, one gamma per channel, initialised small (ConvNeXt's layer scale)."""

    def __init__(self, channels: int, init: float = 1e-6) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.full((channels,), init))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.weight.view((-1,) + (1,) * (x.dim() - 2))
''',
    "StochasticDepth": '''
class StochasticDepth(nn.Module):
    """torchvision's StochasticDepth: in training, zero a sample's (row) or the batch's input
    with probability p and scale the rest by 1/(1 - p); the identity in eval mode."""

    def __init__(self, p: float, mode: str = "row") -> None:
        super().__init__()
        self.p, self.mode = p, mode

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        size = [x.shape[0]] + [1] * (x.dim() - 1) if self.mode == "row" else [1] * x.dim()
        noise = torch.empty(size, dtype=x.dtype, device=x.device).bernoulli_(1 - self.p)
        return x * noise.div_(1 - self.p)
''',
}


@dataclass(slots=True)
class _Code:
    """One leaf as code: its constructor, and how forward calls it on its inputs' variables."""

    init: str
    call: Callable[..., str]  # (input variables, one_a_line=False) -> forward's expression
    helpers: set[str] = field(default_factory=set)
    note: str = ""  # a remark for the constructor's comment


def to_pytorch_source(report: Report) -> str:
    """The text of a Python file defining an `nn.Module` for the report's network."""
    graph = _concrete_graph(report)
    attrs = layer_attributes(graph.leaves)
    class_name = module_class_name(report)
    shapes = {INPUT: graph.input} | {leaf.name: leaf.output for leaf in graph.leaves}
    codes = [_code(leaf, [shapes[i] for i in leaf.inputs], attrs[leaf.name]) for leaf in graph.leaves]
    rows = {row.name: row for row in report.rows}

    helpers = sorted(set().union(*(c.helpers for c in codes)), key=list(_HELPERS).index)
    out: list[str] = [_file_docstring(report, class_name), ""]
    if "ConvTranspose2dTrimmed" in helpers:
        out += ["from typing import Any", ""]
    forward = _forward_body(graph, attrs, codes)
    uses_f = any("F." in line for line in forward) or any("F." in _HELPERS[h] for h in helpers)
    out += ["import torch", *(["import torch.nn.functional as F"] if uses_f else []), "from torch import nn", ""]
    out += [_HELPERS[h].rstrip() + "\n" for h in helpers]
    out += ["", f"class {class_name}(nn.Module):", _class_docstring(report), ""]
    out.append(f"    INPUT_SHAPE = {_torch_shape(graph.input)}  # C x H x W of one input, batch excluded")
    out += ["", "    def __init__(self) -> None:", "        super().__init__()"]
    previous_group: str | None = None
    for leaf, code in zip(graph.leaves, codes, strict=True):
        row = rows[leaf.name]
        comment = f"{python_comment(leaf.name)} ({leaf.kind}): {_cnncalc_shape(leaf.output)}"
        if row.params:
            comment += f", {row.params:,} params"
        if row.macs:
            comment += f", {row.macs:,} MACs"
        if code.note:
            comment += f"; {code.note}"
        group = leaf.groups[0] if leaf.groups else None
        if group != previous_group and group is not None:
            out.append("")
        previous_group = group
        line = f"        self.{attrs[leaf.name]} = {code.init}"
        if len(line) + len(comment) + 4 <= _WIDTH:
            out.append(f"{line}  # {comment}")
        else:
            out += [f"        # {comment}", line]
    frozen = [leaf for leaf in graph.leaves if not leaf.trainable and leaf.cost.params]
    if frozen:
        out.append("        # trainable: false in the architecture file: frozen, as in transfer learning")
        out += [f"        self.{attrs[leaf.name]}.requires_grad_(False)" for leaf in frozen]
    out += ["", "    def forward(self, x: torch.Tensor) -> torch.Tensor:"]
    out += forward
    out += ["", "", 'if __name__ == "__main__":', f"    model = {class_name}().eval()",
            f"    y = model(torch.zeros(1, *{class_name}.INPUT_SHAPE))",
            '    print(f"output {tuple(y.shape)}, {sum(p.numel() for p in model.parameters()):,} params")',
            ""]
    source = "\n".join(out)
    check_compiles(source, report.file)
    return source


class ExportError(Exception):
    """The generated source does not compile: a bug in cnncalc, never in the user's file
    (the CLI reports it as an internal error, exit status 3)."""


def check_compiles(source: str, filename: str) -> None:
    """Compile the generated text before anyone writes or runs it: whatever the names held, an
    export that exits 0 is valid Python."""
    try:
        compile(source, "<cnncalc export>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:  # ValueError: a NUL byte
        raise ExportError(f"the PyTorch export of {python_comment(filename)} does not compile: {exc}") from None


def build_module(report: Report) -> Any:
    """Run the exported source and return a new instance of its module (needs torch)."""
    source = to_pytorch_source(report)
    namespace: dict[str, Any] = {"__name__": "cnncalc_export"}
    exec(compile(source, f"<cnncalc export of {report.file}>", "exec"), namespace)  # noqa: S102
    return namespace[module_class_name(report)]()


def layer_attributes(leaves: Sequence[Leaf]) -> dict[str, str]:
    """cnncalc layer name -> the module attribute that holds it (dots become underscores).

    Python reads identifiers after NFKC normalization (`ﬁ` is `fi`, `a²` is `a2`), so attributes
    are normalized first and kept unique as Python sees them: two layers never share one."""
    taken: set[str] = set()
    out: dict[str, str] = {}
    for leaf in leaves:
        base = identifier(leaf.name)
        if keyword.iskeyword(base) or base in _MODULE_ATTRS or base in _BUILTINS:
            base += "_"
        name, n = base, 1
        while name in taken:
            n += 1
            name = f"{base}_{n}"
        taken.add(name)
        out[leaf.name] = name
    return out


_BUILTINS = frozenset(dir(builtins))
_MAX_IDENTIFIER = 80  # a longer name is cut: the comment beside the attribute keeps it whole


def identifier(name: str) -> str:
    """A valid Python identifier close to `name`, stable under NFKC: characters that cannot be
    in an identifier become `_`; one that would start with a digit or `__` (name mangling,
    dunder attributes such as `__class__`) starts with `layer_`."""
    text = unicodedata.normalize("NFKC", name)
    chars = [ch if ("_" + ch).isidentifier() else "_" for ch in text]
    base = unicodedata.normalize("NFKC", "".join(chars))[:_MAX_IDENTIFIER]
    if not base.isidentifier() or unicodedata.normalize("NFKC", base) != base:  # a rare combining case
        base = re.sub(r"[^A-Za-z0-9_]", "_", base)
    if not base or base[0].isdigit() or base.startswith("__") or not base.isidentifier():
        base = f"layer_{base}"
    return base


def module_class_name(report: Report) -> str:
    """The network's name in CamelCase ('LeNet-5 (slightly modified)' -> LeNet5), else Net."""
    title = (report.name or "").split("(")[0]
    words = re.findall(r"[A-Za-z0-9]+", title)
    name = ""
    for w in words:
        if name and len(name) + len(w) > 24:  # a few words name it; the docstring has the rest
            break
        name += w[0].upper() + w[1:]
    if not name or name[0].isdigit():
        name = f"Net{name}"
    if name in _HELPERS or name in _RESERVED_VARS or name in ("Any", "Net_"):
        name += "Net"
    return name


# ---- the file around the layers ----------------------------------------------------------------


def _concrete_graph(report: Report) -> Graph:
    if report.graph is None:
        raise CnnError("nothing to export: the report has no graph", Location(report.file))
    if report.symbols:
        names = ", ".join(report.symbols)
        raise CnnError(
            f"export needs concrete sizes, but the input has symbols ({names}); give them with "
            "--input or --set",
            Location(report.file),
        )
    return report.graph


def _safe_text(text: str) -> str:
    return python_docstring(text)


def _file_docstring(report: Report, class_name: str) -> str:
    title = _safe_text(report.name or report.file)
    first = f'"""{title}: a PyTorch module exported by cnncalc from {_safe_text(report.file)}.'
    lines = [*textwrap.wrap(first, _WIDTH - 10, break_long_words=False), ""]
    if report.reference:
        text = _safe_text(" ".join(report.reference.split()))
        lines += [*textwrap.wrap(f"Reference: {text}", _WIDTH - 10, break_long_words=False), ""]
    lines += [
        *textwrap.wrap(f"Run it: `python this_file.py` builds {class_name} and passes one zero input "
                       "through it.", _WIDTH - 10, break_long_words=False),
        '"""',
    ]
    return "\n".join(lines)


def _class_docstring(report: Report) -> str:
    t = report.totals
    c_in = _torch_shape(report.input)
    return "\n".join([
        f'    """{_safe_text(report.name or report.file)}.',
        "",
        f"    Takes N x {' x '.join(map(str, c_in))} (channels first) and returns "
        f"N x {' x '.join(map(str, _torch_shape(report.output)))}.",
        "    cnncalc writes shapes channels last, n_H x n_W x n_C: its input "
        f"{_cnncalc_shape(report.input)} is {' x '.join(map(str, c_in))} here.",
        f"    cnncalc counts {t.params:,} parameters ({t.trainable:,} trainable), {t.buffers:,} buffers",
        f"    (batch-norm running mean and variance) and {t.macs:,} multiply-accumulates.",
        '    """',
    ])  # fmt: skip


def _torch_shape(shape: Shape) -> tuple[Any, ...]:
    return (shape[2], shape[0], shape[1]) if len(shape) == 3 else tuple(shape)


def _cnncalc_shape(shape: Shape) -> str:
    return " x ".join(str(d) for d in shape) if len(shape) != 1 else f"[{shape[0]}]"


def _forward_body(graph: Graph, attrs: dict[str, str], codes: list[_Code]) -> list[str]:
    """Straight-line code: a value read only by the next layer lives in `x`, others get names."""
    leaves = graph.leaves
    last = len(leaves) - 1
    readers: dict[str, list[int]] = defaultdict(list)
    for i, leaf in enumerate(leaves):
        for src in dict.fromkeys(leaf.inputs):
            readers[src].append(i)

    taken = set(attrs.values()) | _RESERVED_VARS
    renamed: dict[str, str] = {}  # layers whose attribute name is one of forward's own names
    for name, attr in attrs.items():
        if attr in _RESERVED_VARS:
            v = f"{attr}_out"
            while v in taken:
                v += "_"
            taken.add(v)
            renamed[name] = v

    def var(name: str, index: int) -> str:
        if name == graph.output:
            keep = index == last
        else:
            keep = readers.get(name, []) == [index + 1]
        if keep:
            return "x"
        if name == INPUT:
            return "x_in"
        return renamed.get(name, attrs[name])

    names = {INPUT: var(INPUT, -1)}
    body: list[str] = []
    if names[INPUT] != "x":
        body.append("        x_in = x  # the input, read by more than one layer")
    for i, (leaf, code) in enumerate(zip(leaves, codes, strict=True)):
        names[leaf.name] = var(leaf.name, i)
        args = [names[src] for src in leaf.inputs]
        shape = " x ".join(map(str, _torch_shape(leaf.output)))
        line = f"        {names[leaf.name]} = {code.call(args)}"
        if len(line) + len(shape) + 4 <= _WIDTH:
            body.append(f"{line}  # {shape}")
        elif len(line) <= _WIDTH or len(args) == 1:
            body += [f"        # {shape}", line]
        else:  # a merge of many long names: one input a line
            body += [f"        # {shape}", f"        {names[leaf.name]} = {code.call(args, True)}"]
    body.append(f"        return {names[graph.output]}")
    return body


# ---- one leaf ----------------------------------------------------------------------------------


def _pair(p: Sequence[Any]) -> str:
    return str(p[0]) if p[0] == p[1] else f"({p[0]}, {p[1]})"


def _kwargs(**items: Any) -> str:
    return "".join(f", {k}={v}" for k, v in items.items() if v is not None)


def _calls(attr: str, pre: str = "{}", activation: str | None = None) -> Callable[..., str]:
    """forward's expression: `pre` wraps the (single) input, the activation wraps the output."""
    post = _ACTIVATION_FUNCTIONS[activation] if activation else "{}"

    def call(args: list[str], one_a_line: bool = False) -> str:
        if len(args) == 1:
            inner = pre.format(args[0])
        elif one_a_line:
            inner = "".join(f"\n            {a}," for a in args) + "\n        "
        else:
            inner = ", ".join(args)
        return post.format(f"self.{attr}({inner})")

    return call


def _pad_call(pad: Sequence[Any], value: str | None = None) -> str:
    """F.pad around the input for (top, bottom, left, right); F.pad takes (left, right, top, bottom)."""
    top, bottom, left, right = pad
    extra = f", value={value}" if value else ""
    return f"F.pad({{}}, ({left}, {right}, {top}, {bottom}){extra})"


def _code(leaf: Leaf, inputs: list[Shape], attr: str) -> _Code:
    emit = _EMITTERS.get(type(leaf.layer).__name__)
    if emit is None:  # pragma: no cover - every kind in the registry has an emitter
        raise CnnError(f"{leaf.name}: export to PyTorch does not know '{leaf.kind}'", leaf.loc)
    return emit(leaf, inputs, attr)


def _conv(leaf: Leaf, inputs: list[Shape], attr: str) -> _Code:
    layer, c_in = leaf.layer, inputs[0][2]
    if type(layer).__name__ == "Depthwise":
        filters, groups = c_in * layer.multiplier, c_in
    else:
        filters, groups = layer.filters, layer.groups
    top, bottom, left, right = leaf.cost.padding or (0, 0, 0, 0)
    symmetric = top == bottom and left == right
    init = f"nn.Conv2d({c_in}, {filters}, kernel_size={_pair(layer.f)}" + _kwargs(
        stride=_pair(layer.s) if layer.s != (1, 1) else None,
        padding=_pair((top, left)) if symmetric and (top, left) != (0, 0) else None,
        dilation=_pair(layer.dilation) if layer.dilation != (1, 1) else None,
        groups=groups if groups != 1 else None,
        bias=None if layer.bias else False,
    ) + ")"
    pre = "{}" if symmetric else _pad_call((top, bottom, left, right))
    note = "" if symmetric else "asymmetric padding applied by F.pad in forward"
    return _Code(init, _calls(attr, pre, layer.activation), note=note)


def _deconv(leaf: Leaf, inputs: list[Shape], attr: str) -> _Code:
    """Native ConvTranspose2d when its symmetric padding and output_padding say it, else trimmed."""
    layer = leaf.layer
    h, w, c_in = inputs[0]
    explicit = layer.padding if isinstance(layer.padding, tuple) else (0, 0, 0, 0)
    cuts: list[tuple[int, int, int]] = []  # per axis: removed before, removed after, added at the end
    sizes = zip((h, w), layer.f, layer.s, layer.dilation, leaf.output[:2], strict=True)
    for axis, (n, f, s, d, out) in enumerate(sizes):
        full = (n - 1) * s + d * (f - 1) + 1  # ConvTranspose2d's output with no padding
        if layer.padding == "same":  # TensorFlow: out = n*s, removing max(k - s, 0), less before
            total = max(d * (f - 1) + 1 - s, 0)
            before, after = total // 2, total - total // 2
        else:  # `valid` is (0, 0, 0, 0)
            before, after = explicit[2 * axis], explicit[2 * axis + 1]
        cuts.append((before, after, out - (full - before - after)))
    axes = zip(cuts, layer.s, layer.dilation, strict=True)
    # PyTorch's padding removes the same from both sides; output_padding must be below s or d
    native = all(b == a and 0 <= e < max(s, d) for (b, a, e), s, d in axes)
    common = _kwargs(
        stride=_pair(layer.s) if layer.s != (1, 1) else None,
        dilation=_pair(layer.dilation) if layer.dilation != (1, 1) else None,
        bias=None if layer.bias else False,
    )
    head = f"{c_in}, {layer.filters}, kernel_size={_pair(layer.f)}"
    if native:
        pads, extras = (cuts[0][0], cuts[1][0]), (cuts[0][2], cuts[1][2])
        init = f"nn.ConvTranspose2d({head}{common}" + _kwargs(
            padding=_pair(pads) if pads != (0, 0) else None,
            output_padding=_pair(extras) if extras != (0, 0) else None,
        ) + ")"
        return _Code(init, _calls(attr, "{}", layer.activation))
    (bh, ah, eh), (bw, aw, ew) = cuts
    trim = (-bw, ew - aw, -bh, eh - ah)
    init = f"ConvTranspose2dTrimmed({head}{common}, trim={trim})"
    return _Code(init, _calls(attr, "{}", layer.activation), {"ConvTranspose2dTrimmed"},
                 "padding PyTorch cannot say natively: trimmed after")


def _local(leaf: Leaf, inputs: list[Shape], attr: str) -> _Code:
    layer = leaf.layer
    top, bottom, left, right = leaf.cost.padding or (0, 0, 0, 0)
    pad = (left, right, top, bottom)
    init = (
        f"LocallyConnected2d({inputs[0][2]}, {layer.filters}, {_pair(layer.f)}, {tuple(leaf.output[:2])}"
        + _kwargs(
            stride=_pair(layer.s) if layer.s != (1, 1) else None,
            padding=pad if any(pad) else None,
            bias=None if layer.bias else False,
        )
        + ")"
    )
    return _Code(init, _calls(attr, "{}", layer.activation), {"LocallyConnected2d"})


def _pool(leaf: Leaf, inputs: list[Shape], attr: str) -> _Code:
    """Native when padding is symmetric and at most f/2 (PyTorch's limit), else padded by F.pad.

    F.pad pads with -inf for max (padding never wins) and 0 for avg, and pads the end just enough
    for cnncalc's output size, so `ceil: true` needs no ceil_mode there.
    """
    layer = leaf.layer
    h, w, _ = inputs[0]
    s = layer.stride
    top, bottom, left, right = leaf.cost.padding or (0, 0, 0, 0)
    cls = "nn.MaxPool2d" if layer.mode == "max" else "nn.AvgPool2d"
    native = top == bottom and left == right and 2 * top <= layer.f[0] and 2 * left <= layer.f[1]
    stride = None if tuple(s) == tuple(layer.f) else _pair(s)
    if native:
        pads = (top, left) != (0, 0)
        init = f"{cls}({_pair(layer.f)}" + _kwargs(
            stride=stride,
            padding=_pair((top, left)) if pads else None,
            ceil_mode=True if layer.ceil else None,
            count_include_pad=False if layer.mode == "avg" and layer.padding == "same" and pads else None,
        ) + ")"
        return _Code(init, _calls(attr))
    out_h, out_w = leaf.output[0], leaf.output[1]
    # a negative end pad would trim rows no window reads; torch's F.pad cannot trim more than the
    # input holds (a 1-row input padded 2 at the top and -2 at the bottom), so pad 0 instead: the
    # floor-mode pool then stops at the same window, as (out - 1)s + f <= n + top
    bottom = max((out_h - 1) * s[0] + layer.f[0] - h - top, 0)
    right = max((out_w - 1) * s[1] + layer.f[1] - w - left, 0)
    init = f"{cls}({_pair(layer.f)}" + _kwargs(stride=stride) + ")"
    fill = 'float("-inf")' if layer.mode == "max" else None
    return _Code(init, _calls(attr, _pad_call((top, bottom, left, right), fill)),
                 note="padding applied by F.pad in forward")


def _global_pool(leaf: Leaf, inputs: list[Shape], attr: str) -> _Code:
    cls = "nn.AdaptiveAvgPool2d" if leaf.kind == "gap" else "nn.AdaptiveMaxPool2d"
    return _Code(f"{cls}(1)", _calls(attr))


def _adaptive_pool(leaf: Leaf, inputs: list[Shape], attr: str) -> _Code:
    layer = leaf.layer
    cls = "nn.AdaptiveAvgPool2d" if layer.mode == "avg" else "nn.AdaptiveMaxPool2d"
    return _Code(f"{cls}({_pair(layer.output)})", _calls(attr))


def _fc(leaf: Leaf, inputs: list[Shape], attr: str) -> _Code:
    layer = leaf.layer
    n_in = dims.product(inputs[0])
    init = f"nn.Linear({n_in}, {layer.units}" + _kwargs(bias=None if layer.bias else False) + ")"
    pre = "torch.flatten({}, 1)" if len(inputs[0]) != 1 else "{}"
    return _Code(init, _calls(attr, pre, layer.activation))


def _flatten(leaf: Leaf, inputs: list[Shape], attr: str) -> _Code:
    return _Code("nn.Flatten()", _calls(attr), note="C x H x W order; cnncalc counts only sizes")


def _bn(leaf: Leaf, inputs: list[Shape], attr: str) -> _Code:
    from .pytorch_kinds import partial_bn

    layer = leaf.layer
    partial = partial_bn(leaf, inputs, attr)
    if partial is not None:
        return partial
    cls = "nn.BatchNorm2d" if len(inputs[0]) == 3 else "nn.BatchNorm1d"
    init = f"{cls}({inputs[0][-1]}" + _kwargs(
        eps=layer.epsilon if layer.epsilon != 1e-5 else None,
        momentum=layer.momentum if layer.momentum != 0.1 else None,
        affine=None if layer.affine else False,
    ) + ")"
    return _Code(init, _calls(attr))


def _lrn(leaf: Leaf, inputs: list[Shape], attr: str) -> _Code:
    layer = leaf.layer
    lrn = f"nn.LocalResponseNorm({layer.size}, alpha={layer.alpha!r}, beta={layer.beta!r}, k={layer.k!r})"
    if len(inputs[0]) == 3:
        return _Code(lrn, _calls(attr))
    # torch's LRN wants N x C x ...: give a vector a spatial axis of 1 and take it away again
    return _Code(f"nn.Sequential(nn.Unflatten(1, ({inputs[0][0]}, 1)), {lrn}, nn.Flatten())", _calls(attr))


def _dropout(leaf: Leaf, inputs: list[Shape], attr: str) -> _Code:
    return _Code(f"nn.Dropout({leaf.layer.rate!r})", _calls(attr))


def _activation(leaf: Leaf, inputs: list[Shape], attr: str) -> _Code:
    layer = leaf.layer
    alpha = layer.alpha if layer.alpha is not None else _DEFAULT_ALPHA.get(layer.function)
    return _Code(_ACTIVATION_MODULES[layer.function].format(alpha=alpha), _calls(attr))


def _identity(leaf: Leaf, inputs: list[Shape], attr: str) -> _Code:
    role = getattr(leaf.layer, "role", None)
    return _Code("nn.Identity()", _calls(attr), note=f"stands for {role}" if role else "")


def _zeropad(leaf: Leaf, inputs: list[Shape], attr: str) -> _Code:
    top, bottom, left, right = leaf.layer.p
    return _Code(f"nn.ZeroPad2d(({left}, {right}, {top}, {bottom}))", _calls(attr))


_PAD_MODULES = {"reflect": "nn.ReflectionPad2d", "edge": "nn.ReplicationPad2d", "wrap": "nn.CircularPad2d",
                "constant": "nn.ZeroPad2d"}


def _pad(leaf: Leaf, inputs: list[Shape], attr: str) -> _Code:
    top, bottom, left, right = leaf.layer.p
    return _Code(f"{_PAD_MODULES[leaf.layer.mode]}(({left}, {right}, {top}, {bottom}))", _calls(attr))


def _upsample(leaf: Leaf, inputs: list[Shape], attr: str) -> _Code:
    layer = leaf.layer
    factor = layer.factor[0] if layer.factor[0] == layer.factor[1] else tuple(layer.factor)
    extra = ", align_corners=False" if layer.mode == "bilinear" else ""
    return _Code(f'nn.Upsample(scale_factor={factor}, mode="{layer.mode}"{extra})', _calls(attr))


def _crop(leaf: Leaf, inputs: list[Shape], attr: str) -> _Code:
    top, left = leaf.layer.offsets(inputs[0])
    h, w = leaf.layer.output
    return _Code(f"CenterCrop({top}, {left}, {h}, {w})", _calls(attr), {"CenterCrop"})


def _split(leaf: Leaf, inputs: list[Shape], attr: str) -> _Code:
    size = leaf.output[-1]
    start = leaf.layer.index * size
    return _Code(f"ChannelSlice({start}, {start + size})", _calls(attr), {"ChannelSlice"})


def _space_to_depth(leaf: Leaf, inputs: list[Shape], attr: str) -> _Code:
    return _Code(f"nn.PixelUnshuffle({leaf.layer.block})", _calls(attr),
                 note="channel order differs from Darknet's reorg; the sizes agree")


def _merge(leaf: Leaf, inputs: list[Shape], attr: str) -> _Code:
    activation = leaf.layer.activation
    if leaf.kind == "add" and activation:  # a module, as torchvision writes the ReLU after a sum
        module = _ACTIVATION_MODULES[activation].format(alpha=_DEFAULT_ALPHA.get(activation))
        return _Code(f"Add({module})", _calls(attr), {"Add"})
    cls = "Add" if leaf.kind == "add" else "Concat"
    return _Code(f"{cls}()", _calls(attr, "{}", activation), {cls})


_ELEMENTWISE = {"Multiply": "Multiply", "Maximum": "Maximum", "Shortcut": "DarknetShortcut"}


def _elementwise(leaf: Leaf, inputs: list[Shape], attr: str) -> _Code:
    cls = _ELEMENTWISE[type(leaf.layer).__name__]
    return _Code(f"{cls}()", _calls(attr, "{}", getattr(leaf.layer, "activation", None)), {cls})


def _scale(leaf: Leaf, inputs: list[Shape], attr: str) -> _Code:
    init = f"ChannelScale({inputs[0][-1]}" + _kwargs(bias=True if leaf.layer.bias else None) + ")"
    return _Code(init, _calls(attr), {"ChannelScale"})


def _attention(leaf: Leaf, inputs: list[Shape], attr: str) -> _Code:
    layer = leaf.layer
    return _Code(f"SelfAttention({layer.heads}, {layer.key_dim}, {layer.head_dim})", _calls(attr), {"SelfAttention"})


def _dfl(leaf: Leaf, inputs: list[Shape], attr: str) -> _Code:
    return _Code(f"DFL({leaf.layer.reg_max})", _calls(attr, "{}"), {"DFL"},
                 note="anchors in the order of its inputs")


def _prelu(leaf: Leaf, inputs: list[Shape], attr: str) -> _Code:
    count = 1 if leaf.layer.shared else inputs[0][-1]
    return _Code(f"nn.PReLU({count})", _calls(attr), note="one slope" if count == 1 else "")


def _instance_norm(leaf: Leaf, inputs: list[Shape], attr: str) -> _Code:
    layer = leaf.layer
    init = f"nn.InstanceNorm2d({inputs[0][-1]}" + _kwargs(
        eps=layer.epsilon if layer.epsilon != 1e-5 else None, affine=True if layer.affine else None) + ")"
    return _Code(init, _calls(attr))


def _placeholder(leaf: Leaf, inputs: list[Shape], attr: str) -> _Code:
    out = leaf.output
    shape = (out[2], out[0], out[1]) if len(out) == 3 else tuple(out)
    init = f"Placeholder({leaf.layer.params}, {leaf.layer.buffers}, {tuple(int(d) for d in shape)})"
    return _Code(init, _calls(attr), {"Placeholder"}, note=f"stands for {leaf.layer.type}")


def _channel_shuffle(leaf: Leaf, inputs: list[Shape], attr: str) -> _Code:
    return _Code(f"ChannelShuffle({leaf.layer.groups})", _calls(attr), {"ChannelShuffle"})


def _layer_norm(leaf: Leaf, inputs: list[Shape], attr: str) -> _Code:
    layer = leaf.layer
    cls = "LayerNorm2d" if len(inputs[0]) == 3 else "nn.LayerNorm"
    init = f"{cls}({inputs[0][-1]}" + _kwargs(
        eps=layer.epsilon if layer.epsilon != 1e-5 else None,
        elementwise_affine=None if layer.affine else False,
    ) + ")"
    return _Code(init, _calls(attr), {"LayerNorm2d"} if cls == "LayerNorm2d" else set())


def _layer_scale(leaf: Leaf, inputs: list[Shape], attr: str) -> _Code:
    init = f"LayerScale({inputs[0][-1]}" + _kwargs(init=leaf.layer.init if leaf.layer.init != 1e-6 else None) + ")"
    return _Code(init, _calls(attr), {"LayerScale"})


def _stochastic_depth(leaf: Leaf, inputs: list[Shape], attr: str) -> _Code:
    layer = leaf.layer
    mode = f', "{layer.mode}"' if layer.mode != "row" else ""
    return _Code(f"StochasticDepth({layer.rate!r}{mode})", _calls(attr), {"StochasticDepth"},
                 "the identity in eval mode")


def _slice(leaf: Leaf, inputs: list[Shape], attr: str) -> _Code:
    start, stop = leaf.layer.bounds(inputs[0][-1])
    return _Code(f"ChannelSlice({start}, {stop})", _calls(attr), {"ChannelSlice"})


_EMITTERS: dict[str, Callable[[Leaf, list[Shape], str], _Code]] = {
    "Conv": _conv,
    "Depthwise": _conv,
    "Deconv": _deconv,
    "Local": _local,
    "Pool": _pool,
    "GlobalAvgPool": _global_pool,
    "GlobalMaxPool": _global_pool,
    "AdaptivePool": _adaptive_pool,
    "FullyConnected": _fc,
    "Flatten": _flatten,
    "BatchNorm": _bn,
    "LocalResponseNorm": _lrn,
    "Dropout": _dropout,
    "Activation": _activation,
    "ChosenActivation": _activation,
    "Identity": _identity,
    "ZeroPad": _zeropad,
    "Upsample": _upsample,
    "Crop": _crop,
    "Split": _split,
    "SpaceToDepth": _space_to_depth,
    "Add": _merge,
    "Concat": _merge,
    "Multiply": _elementwise,
    "Maximum": _elementwise,
    "Shortcut": _elementwise,
    "Scale": _scale,
    "PReLU": _prelu,
    "ChannelShuffle": _channel_shuffle,
    "LayerNorm": _layer_norm,
    "LayerScale": _layer_scale,
    "StochasticDepth": _stochastic_depth,
    "ChannelSlice": _slice,
    "InstanceNorm": _instance_norm,
    "Operator": _placeholder,
    "Pad": _pad,
    "Attention": _attention,
    "DistributionFocalLoss": _dfl,
}

# the Keras reader's kinds (their emitters and helper modules live in pytorch_kinds.py)
from .pytorch_kinds import EMITTERS as _KERAS_EMITTERS  # noqa: E402
from .pytorch_kinds import HELPERS as _KERAS_HELPERS  # noqa: E402

_EMITTERS.update(_KERAS_EMITTERS)
_HELPERS.update(_KERAS_HELPERS)
