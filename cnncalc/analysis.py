"""The pipeline on text already read: YAML -> located spec -> graph -> report. No I/O."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import graph, report, source, spec


def analyze_text(
    text: str,
    filename: str,
    sets: Mapping[str, Any] | None = None,
    input_override: str | None = None,
    dtype: str = "float32",
) -> report.Report:
    root = source.load(text, filename)
    arch = spec.parse(root, sets, input_override)
    return report.analyze(arch, graph.build(arch), filename, dtype)


def analyze_node(
    root: source.Node, filename: str, sets: Mapping[str, Any] | None = None,
    input_override: str | None = None, dtype: str = "float32",
) -> report.Report:
    """Same, for a tree an importer built (Darknet, Caffe) or the one-line calculator."""
    arch = spec.parse(root, sets, input_override)
    return report.analyze(arch, graph.build(arch), filename, dtype)
