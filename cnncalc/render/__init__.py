"""Renderers: a Report -> text. Chosen by name; only `table` imports rich."""

from __future__ import annotations

FORMATS = ("table", "json", "csv", "markdown")
