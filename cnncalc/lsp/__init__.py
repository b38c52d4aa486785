"""`cnncalc lsp`: shapes, costs and errors inside editors, over the Language Server Protocol.

The feature modules (document, hints, hover, completion, definition, actions) are pure: text and
a Report in, plain data out, so they are tested without an editor. Only `server.py` imports
pygls (the optional extra `cnncalc[lsp]`) and turns that data into protocol messages.
"""

from __future__ import annotations

PYGLS_MISSING = "the language server needs pygls: pip install 'cnncalc[lsp]'"


def pygls_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("pygls") is not None
