"""Renderers: a Report -> text. Chosen by name. The terminal tables are drawn by `plain_table`;
rich is imported only where one must fold or shrink (and by `keras_summary`, Keras' own layout)."""

from __future__ import annotations

FORMATS = ("table", "json", "csv", "markdown")
