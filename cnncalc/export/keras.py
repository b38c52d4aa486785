"""Report -> a Keras 3 script (`cnncalc export --to keras`): the functional API, written from
keras_plan.py's layers, building under any backend (nothing in it is backend-specific). Its
model.count_params() is cnncalc's total under `--convention keras` (learned + BN statistics),
and its output shape cnncalc's. Names reach the code as string literals (repr of the visible
name: escape.visible, as every writer) and comments through escape.python_comment: a layer's
notes (a stand-in for an operator, a stride rewritten) as a comment line above it."""

from __future__ import annotations

from ..escape import python_comment, python_docstring, visible
from ..report import Report
from .keras_helpers import HELPERS
from .keras_plan import keras_name, outputs, plan


def model_name(report: Report) -> str:
    return keras_name(visible(report.name)) or "model"


def to_keras_source(report: Report) -> str:
    layers = plan(report)
    variables = {"input": "x_in"}
    shared = {k.reuses for k in layers if k.reuses is not None}
    objects: dict[str, str] = {}  # a shared layer's object, called once per use
    body = []
    for i, k in enumerate(layers):
        var = f"x{i}"
        args = ", ".join([*k.args, f"name={visible(k.name)!r}"])
        ins = [variables[n] for n in k.inputs]
        call = ins[0] if len(ins) == 1 else "[" + ", ".join(ins) + "]"
        cls = k.cls if k.helper else f"layers.{k.cls}"
        body.extend("    # " + python_comment(note) for note in k.notes)
        if k.reuses is not None:
            body.append(f"    {var} = {objects[k.reuses]}({call})  # the same layer again: shared weights")
        elif k.name in shared:
            objects[k.name] = f"layer{i}"
            body.append(f"    layer{i} = {cls}({args})")
            body.append(f"    {var} = layer{i}({call})")
        else:
            body.append(f"    {var} = {cls}({args})({call})")
        if not k.trainable and k.reuses is None:
            body.append(f"    model_layers_frozen.append({visible(k.name)!r})")
        variables[k.name] = var
    shape = tuple(int(d) for d in report.input)
    ends = [variables[n] for n in outputs(layers)]
    out = ends[0] if len(ends) == 1 else "[" + ", ".join(ends) + "]"  # the network's output first
    total = report.totals.params + report.totals.buffers
    lines = [
        f'"""{python_docstring(visible(report.name))}: a Keras 3 model exported by cnncalc.',
        "",
        "Functional API, any backend (KERAS_BACKEND=jax, tensorflow or torch). Run it to print",
        f"model.summary(); cnncalc counts {total:,} params under --convention keras.",
        '"""',
        "",
        "import keras",
        "from keras import layers, ops",
        *[line for name in sorted({k.cls for k in layers if k.helper}) for line in ["", *HELPERS[name].split("\n")]],
        "",
        "def build_model() -> keras.Model:",
        "    model_layers_frozen = []  # cnncalc's trainable: false",
        f"    x_in = keras.Input(shape={shape!r}, name='input')",
        *body,
        f"    model = keras.Model(x_in, {out}, name={model_name(report)!r})",
        "    for name in model_layers_frozen:",
        "        model.get_layer(name).trainable = False",
        "    return model",
        "",
        "",
        'if __name__ == "__main__":',
        "    build_model().summary()",
        "",
    ]
    comment = "# " + python_comment(f"exported from {report.file}")
    return "\n".join([lines[0], *lines[1:6], comment, *lines[6:]])
