"""The pipeline on text already read: YAML -> located spec -> resolved tree -> graph -> report. No I/O."""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from . import graph, progress, report, source, spec, tree


@contextmanager
def _no_gc() -> Iterator[None]:
    """The pipeline builds many small acyclic objects; the cyclic collector only slows it
    (half the time of a 100,000-layer network), so it pauses while the pipeline runs."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load_root(
    text: str, filename: str, input_override: str | None = None, sets: Mapping[str, Any] | None = None
) -> source.Node:
    """The located tree of any architecture file: cnncalc YAML, Darknet .cfg, Caffe .prototxt or
    an Ultralytics model YAML (whose scale `--set scale=s` picks)."""
    from . import importers

    fmt = importers.detect(text, filename)
    if fmt is None:
        return source.load(text, filename)
    scale = (sets or {}).get("scale")
    return importers.load(text, filename, fmt, input_override, None if scale is None else str(scale))


def analyze_text(
    text: str,
    filename: str,
    sets: Mapping[str, Any] | None = None,
    input_override: str | None = None,
    dtype: str = "float32",
) -> report.Report:
    with _no_gc():
        root = load_root(text, filename, input_override, sets)
        return analyze_node(root, filename, sets, input_override, dtype)


def analyze_node(
    root: source.Node, filename: str, sets: Mapping[str, Any] | None = None,
    input_override: str | None = None, dtype: str = "float32",
) -> report.Report:
    """Same, for a tree an importer built (Darknet, Caffe) or the one-line calculator."""
    with _no_gc():
        try:
            arch = spec.parse(root, sets, input_override)
            network = tree.resolve_network(arch)
            built = graph.build(network)
            return report.analyze(arch, built, filename, dtype)
        finally:
            progress.finish("layers")
