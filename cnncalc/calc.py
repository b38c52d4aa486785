"""The one-line calculator: a quiz question typed on the command line -> the same Node tree a
YAML file gives, so `cnncalc calc` runs the very pipeline `summarize` and `explain` run.

    cnncalc calc 600x600x3 "conv 10 f=3 s=2 x4" "fc 1"
    cnncalc calc 32x32x3 conv:filters=6,f=5
    cnncalc calc 28x28x192 "conv 16 f=1 -> conv 32 f=5 same"

Syntax (the `calc` command's help repeats it, with examples):
- the first word is the input, n_H x n_W x n_C (`600x600x3`) or a number of units (`3072`);
- then one layer per argument (or several in one argument, split by `->` or `;`);
- a layer is `KIND [MAIN] [key=value]... [xN]`, or `KIND:MAIN,key=value,...`;
- MAIN is the kind's main number (filters of conv, units of fc, f of pool, ...);
- bare words: `same`/`valid` (padding), an activation name (`relu`), `max`/`avg` (pool mode),
  `ceil`, `nobias`, `frozen`; `xN` (or `*N`) repeats the layer N times;
- `3x5` is an [h, w] pair; `1,2,1,2` a list; short keys `p` (padding), `k` (f), `d` (dilation),
  `r` (repeat) and the file format's own keys and aliases (`stride`, `kernel_size`, ...).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from .errors import CnnError, Location
from .layers import ACTIVATIONS, KIND_ALIASES, KINDS
from .source import Node, node
from .suggest import did_you_mean

FILE = "calc"

# The number a quiz question states first, per kind.
_MAIN = {
    "conv": "filters", "deconv": "filters", "local": "filters", "fc": "units", "pool": "f",
    "depthwise": "f", "dropout": "rate", "zeropad": "p", "upsample": "factor",
    "adaptive_pool": "output", "crop": "output", "split": "groups", "space_to_depth": "block",
}  # fmt: skip
_SECOND = {"conv": "f", "deconv": "f", "local": "f", "pool": "s", "split": "index"}
_SHORT_KEYS = {"p": "padding", "pad": "padding", "k": "f", "kernel": "f", "d": "dilation", "r": "repeat",
               "n": "filters", "in": "from"}  # fmt: skip
_REPEAT = re.compile(r"[x×*](\d+)")
_PAIR = re.compile(r"\d+(?:[x×]\d+)+")
_SIZE = re.compile(r"\w+(?:\s*[x×X]\s*\w+)*")
_SPLIT = re.compile(r"\s*(?:->|→|;)\s*")


class _Token:
    def __init__(self, text: str, col: int) -> None:
        self.text, self.col = text, col

    @property
    def loc(self) -> Location:
        return Location(FILE, 1, self.col)


def parse(args: Sequence[str]) -> Node:
    """`["600x600x3", "conv 10 f=3 s=2 x4", "fc 1"]` -> the Node tree of an architecture file."""
    pieces = _layer_texts(args)
    if not pieces or pieces[0].col > len(args[0]):  # nothing, or a blank first argument
        raise CnnError("give an input size, such as 600x600x3, then layers", Location(FILE))
    first = pieces[0]
    size = _SIZE.match(first.text)
    end = size.end() if size else len(first.text.split(None, 1)[0])
    input_tok = _Token(first.text[:end], first.col)
    rest = first.text[end:]
    if rest.strip():  # "600x600x3 conv 10" in one argument
        pieces[0] = _Token(rest.strip(), first.col + end + len(rest) - len(rest.lstrip()))
    else:
        pieces = pieces[1:]
    if not pieces:
        raise CnnError("no layers after the input size", input_tok.loc)
    layers = [_layer(p) for p in pieces]
    title = " → ".join([input_tok.text, *(p.text for p in pieces)])
    loc = Location(FILE)
    root = {
        "name": node(title, loc),
        "input": node(input_tok.text, input_tok.loc),
        "layers": Node(layers, loc),
    }
    return Node(root, loc, {"name": loc, "input": input_tok.loc, "layers": loc})


def _layer_texts(args: Sequence[str]) -> list[_Token]:
    """Each argument, split at `->` and `;`, with its column in the command line."""
    out = []
    col = 1
    for arg in args:
        pos = 0
        for part in _SPLIT.split(arg):
            at = arg.find(part, pos) if part else pos
            pos = at + len(part)
            if part.strip():
                lead = len(part) - len(part.lstrip())
                out.append(_Token(part.strip(), col + at + lead))
        col += len(arg) + 1
    return out


def _words(piece: _Token) -> tuple[_Token, list[_Token]]:
    """The kind and its argument words: `conv 10 f=3` or `conv:10,f=3`."""
    text = piece.text
    head = re.match(r"[A-Za-z_][A-Za-z0-9_]*", text)
    if head is None:
        raise CnnError(f"a layer starts with its type (conv, pool, fc, ...), got '{text}'", piece.loc)
    kind = _Token(head.group(0), piece.col)
    rest, offset = text[head.end() :], head.end()
    words: list[_Token] = []
    if rest.startswith(":"):
        pos = 1
        for item in rest[1:].split(","):
            lead = len(item) - len(item.lstrip())
            if item.strip():
                words.append(_Token(item.strip(), piece.col + offset + pos + lead))
            pos += len(item) + 1
        return kind, _join_lists(words, colon=True)
    for m in re.finditer(r"\S+", rest):
        words.append(_Token(m.group(0), piece.col + offset + m.start()))
    return kind, _join_lists(words, colon=False)


def _join_lists(words: list[_Token], colon: bool) -> list[_Token]:
    """In `conv:p=1,2,f=3` a bare number after `key=` continues that key's list."""
    if not colon:
        return words
    out: list[_Token] = []
    for w in words:
        prev = out[-1].text if out else ""
        continues = "=" in prev and (re.fullmatch(r"\d+", w.text) or prev.split("=", 1)[0] == "from")
        if continues and not _is_bare(w.text):
            out[-1] = _Token(f"{prev},{w.text}", out[-1].col)
        else:
            out.append(w)
    return out


def _is_bare(text: str) -> bool:
    return text.lower() in _BARE or text.lower() in ACTIVATIONS or bool(_REPEAT.fullmatch(text))


_BARE = {
    "same": ("padding", "same"), "valid": ("padding", "valid"), "max": ("mode", "max"),
    "avg": ("mode", "avg"), "ceil": ("ceil", True), "nobias": ("bias", False),
    "frozen": ("trainable", False),
}  # fmt: skip


def _layer(piece: _Token) -> Node:
    kind_tok, words = _words(piece)
    kind = kind_tok.text.lower()
    base = KIND_ALIASES[kind][0] if kind in KIND_ALIASES else kind
    if base in ("residual", "parallel"):  # a body of layers does not fit on one line
        raise CnnError(f"{base} needs a file: calc takes single layers and chains; "
                       "merges take from= (such as add from=a,b)", kind_tok.loc)
    if base not in KINDS:
        known = [*KINDS, *KIND_ALIASES]
        raise CnnError(f"unknown layer type '{kind_tok.text}'{did_you_mean(kind, known)}", kind_tok.loc)
    cls = KINDS[base].cls
    main = _MAIN.get(base) or cls.MAIN_ARG
    positional = [k for k in (main, _SECOND.get(base)) if k]
    args: dict[str, Node] = {}
    locs: dict[str, Location] = {}

    def put(key: str, value: Any, tok: _Token) -> None:
        if key in args:
            raise CnnError(f"'{key}' is given twice in '{piece.text}'", tok.loc)
        args[key], locs[key] = node(value, tok.loc), tok.loc

    for w in words:
        text = w.text
        low = text.lower()
        if "=" in text:
            key, _, raw = text.partition("=")
            key = _SHORT_KEYS.get(key.strip().lower(), key.strip())
            put(key, _value(raw.strip(), key), w)
        elif _REPEAT.fullmatch(low):
            put("repeat", int(_REPEAT.fullmatch(low).group(1)), w)  # type: ignore[union-attr]
        elif low in _BARE:
            put(*_BARE[low], w)
        elif low in ACTIVATIONS and "activation" in cls.ARGS:
            put("activation", low, w)
        elif re.fullmatch(r"[\d.,x×]+", low) and positional:
            put(positional.pop(0), _value(text, ""), w)
        else:
            extra = f"; {kind} takes {', '.join(positional)} as a bare number" if positional else ""
            raise CnnError(
                f"cannot read '{text}' in '{piece.text}': write key=value (such as f=3){extra}", w.loc
            )
    return Node({kind_tok.text: Node(args, kind_tok.loc, locs)}, kind_tok.loc, {kind_tok.text: kind_tok.loc})


def _value(raw: str, key: str) -> Any:
    """`3` -> 3, `3x5` -> [3, 5], `1,2` -> [1, 2], `0.5`, `true`, `same`, `a,b` (names)."""
    if not raw:
        return None
    if _PAIR.fullmatch(raw):
        return [int(v) for v in re.split(r"[x×]", raw)]
    if "," in raw:
        return [_scalar(v.strip()) for v in raw.split(",") if v.strip()]
    return _scalar(raw)


def _scalar(raw: str) -> Any:
    low = raw.lower()
    if low in ("true", "yes"):
        return True
    if low in ("false", "no"):
        return False
    try:
        return int(raw.replace("_", ""))
    except ValueError:
        pass
    try:
        return float(raw)
    except ValueError:
        return raw
