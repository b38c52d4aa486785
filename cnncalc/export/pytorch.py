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
from collections.abc import Sequence
from typing import Any

from ..errors import CnnError, Location
from ..escape import python_comment, python_docstring
from ..graph import INPUT, Graph, Leaf
from ..layers import Shape
from ..report import Report
from .pytorch_helpers import HELPERS as _BUILTIN_HELPERS
from .pytorch_keras import HELPERS as _KERAS_HELPERS
from .pytorch_kinds import Code, leaf_code

# helper modules a file may include, in the order they are written (the Keras reader's last)
HELPERS = {**_BUILTIN_HELPERS, **_KERAS_HELPERS}

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


def to_pytorch_source(report: Report) -> str:
    """The text of a Python file defining an `nn.Module` for the report's network."""
    graph = _concrete_graph(report)
    attrs = layer_attributes(graph.leaves)
    class_name = module_class_name(report)
    shapes = {INPUT: graph.input} | {leaf.name: leaf.output for leaf in graph.leaves}
    codes = [leaf_code(leaf, [shapes[i] for i in leaf.inputs], attrs[leaf.name]) for leaf in graph.leaves]
    rows = {row.name: row for row in report.rows}

    helpers = sorted(set().union(*(c.helpers for c in codes)), key=list(HELPERS).index)
    out: list[str] = [_file_docstring(report, class_name), ""]
    if "ConvTranspose2dTrimmed" in helpers:
        out += ["from typing import Any", ""]
    forward = _forward_body(graph, attrs, codes)
    uses_f = any("F." in line for line in forward) or any("F." in HELPERS[h] for h in helpers)
    out += ["import torch", *(["import torch.nn.functional as F"] if uses_f else []), "from torch import nn", ""]
    out += [HELPERS[h].rstrip() + "\n" for h in helpers]
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
    if name in HELPERS or name in _RESERVED_VARS or name in ("Any", "Net_"):
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


def _forward_body(graph: Graph, attrs: dict[str, str], codes: list[Code]) -> list[str]:
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
