"""Builds each Keras script `cnncalc export --to keras` wrote (paths on the command line) and
prints, as JSON, what Keras says of it: count_params(), trainable/non-trainable counts, the
output shape, and (for the paths given after --summary, a third of the time otherwise)
model.summary()'s text. Run by tests/test_keras_export.py in its own process."""

from __future__ import annotations

import importlib.util
import json
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "torch")
os.environ.setdefault("KERAS_TORCH_DEVICE", "meta")


def main(args: list[str]) -> None:
    out = {}
    cut = args.index("--summary") if "--summary" in args else len(args)
    summarized = set(args[cut + 1 :])
    for path in dict.fromkeys(args[:cut] + args[cut + 1 :]):  # a summarized path may be listed twice
        spec = importlib.util.spec_from_file_location("exported", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        model = module.build_model()
        lines: list[str] = []
        if path in summarized:
            model.summary(print_fn=lambda text, _lines=lines, **kw: _lines.append(text))
        n = lambda ws: sum(int(__import__("math").prod(w.shape)) for w in ws)  # noqa: E731
        out[path] = {"params": model.count_params(), "trainable": n(model.trainable_weights),
                     "non_trainable": n(model.non_trainable_weights),
                     "output": list(model.outputs[0].shape)[1:], "summary": "".join(lines)}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
