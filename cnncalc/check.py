"""Grade an answer sheet: layer names (and `totals`) -> the keys of `expect`, as students write them.

    conv1:
      output: 28 x 28 x 6        # also 28x28x6, [28, 28, 6], (28, 28, 6); [10] or 10 for units
      params: "2,416"            # also 2416, 2_416
    totals:
      params: ~62K               # approximate: also 62K, "about 62K", {approx: 62K}

An approximate answer is right when the true value rounds to it at the precision written:
`2.4M` accepts 2,350,000 to 2,450,000 (half a unit of the last digit given either way).
Grading fills plain data; `render/check_text.py` writes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from . import explain as ex
from .errors import CnnError, Location
from .exits import Exit
from .mistakes import diagnose
from .report import Report, Row, _totals
from .source import Node, load
from .spec import EXPECT_KEYS, parse_shape_value
from .suggest import did_you_mean, nearest

TOTALS = "totals"
KEY_ALIASES = {
    "parameters": "params", "param": "params", "shape": "output", "output_shape": "output",
    "mac": "macs", "multiplications": "macs", "mults": "macs", "activation": "activations",
    "activation_size": "activations", "trainable_params": "trainable", "buffer": "buffers",
}  # fmt: skip
_SCALE = {"": 1, "k": 10**3, "m": 10**6, "g": 10**9, "b": 10**9}
_APPROX = re.compile(
    r"(?P<mark>~|≈|about|approx\.?|approximately|roughly|circa|ca\.)?\s*"
    r"(?P<num>\d+(?:\.\d+)?)\s*(?P<suffix>[kKmMgGbB]?)",
)
_EXACT = re.compile(r"\d{1,3}(?:[,_ ]\d{3})+|\d+")


@dataclass(frozen=True, slots=True)
class Approx:
    """An approximate count: right when |true - value| <= half (the precision written, halved)."""

    value: Decimal
    half: Decimal

    @property
    def low(self) -> Decimal:
        return self.value - self.half

    @property
    def high(self) -> Decimal:
        return self.value + self.half

    def holds(self, actual: int) -> bool:
        return self.low <= actual <= self.high


@dataclass(frozen=True, slots=True)
class Item:
    """One answer graded: what was written, what it means, the true value and its working."""

    subject: str
    key: str
    written: str
    answer: Any  # int, tuple (a shape) or Approx
    actual: Any
    right: bool
    working: tuple[str, ...]  # the formula lines with values put in
    loc: Location
    mistake: str = ""  # the known slip that gives this wrong answer, with the right step


@dataclass(slots=True)
class Grading:
    file: str
    answers: str
    items: list[Item]

    @property
    def score(self) -> int:
        return sum(item.right for item in self.items)

    @property
    def return_code(self) -> Exit:
        return Exit.OK if self.score == len(self.items) else Exit.FAILED


# ---- reading answers ------------------------------------------------------------------------


def parse_count(value: Any, loc: Location) -> int | Approx:
    """48120, "48,120", "48 120" exactly; "2.4M", "~2.4M", "about 2.4M", {approx: 2.4M} approximately."""
    if isinstance(value, dict):
        if set(value) != {"approx"}:
            raise CnnError("an approximate answer is {approx: VALUE}, such as {approx: 2.4M}", loc)
        return _approx(str(value["approx"]), loc, marked=True)
    if isinstance(value, bool):
        raise CnnError(f"expected a number, got {str(value).lower()}", loc)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise CnnError(f"a count is a whole number; write {value:g} as ~{value:g} if it is approximate", loc)
    if isinstance(value, str):
        text = value.strip()
        if _EXACT.fullmatch(text):
            return int(re.sub(r"[,_ ]", "", text))
        return _approx(text, loc, marked=False)
    raise CnnError(f'expected a number such as 48120, "48,120" or ~2.4M, got {value!r}', loc)


def _approx(text: str, loc: Location, marked: bool) -> int | Approx:
    m = _APPROX.fullmatch(text.strip().replace(",", ""))
    if m is None:
        raise CnnError(f"cannot read '{text}' as a number (such as 48120, \"48,120\", 2.4M or ~2.4M)", loc)
    digits, suffix = m.group("num"), m.group("suffix").lower()
    if not (marked or m.group("mark") or suffix):  # a plain number is exact, as a YAML float is
        if Decimal(digits) == Decimal(digits).to_integral_value():
            return int(Decimal(digits))
        grouped = re.fullmatch(r"\d{1,3}(?:\.\d{3})+", text.strip())
        hint = f", or {text.strip().replace('.', ',')} if the '.' separates thousands" if grouped else ""
        raise CnnError(f"a count is a whole number; write {text.strip()} as ~{text.strip()} if it is approximate{hint}",
                       loc)
    scale = Decimal(_SCALE[suffix])
    number = Decimal(digits)
    if "." in digits:
        unit = Decimal(1).scaleb(-len(digits.split(".")[1]))
    elif suffix:  # "120M": to the unit written
        unit = Decimal(1)
    else:  # "~2400000": the last non-zero digit sets the precision
        stripped = digits.rstrip("0") or "0"
        unit = Decimal(1).scaleb(len(digits) - len(stripped))
    return Approx(number * scale, unit * scale / 2)


def parse_answer(key: str, item: Node) -> Any:
    value = item.plain()
    if key == "output":
        if isinstance(value, str):
            value = value.replace("×", "x")
        return parse_shape_value(value, item.loc)
    return parse_count(value, item.loc)


# ---- grading -----------------------------------------------------------------------------------


def grade(report: Report, text: str, answers_file: str) -> Grading:
    root = load(text, answers_file)
    if not root.is_map:
        raise CnnError(
            "an answer sheet maps layer names (and 'totals') to answers such as {params: 156}", root.loc
        )
    rows = {r.name: r for r in report.rows}
    groups = report.graph.groups if report.graph is not None else {}
    exp = {layer.name: layer for layer in ex.explain(report).layers}
    items = []
    for subject, body in root.value.items():
        sloc = root.key_locs[subject]
        subject = str(subject)
        if subject not in rows and subject not in groups and subject != TOTALS:
            known = [*rows, *groups, TOTALS]
            close = nearest(subject, known, 3)
            listed = ", ".join(close) if close else ", ".join(list(rows)[:8])
            # `conv1:{params: 156}` is one key, 'conv1:{params', to YAML
            space = "; YAML needs a space after ':'" if ":" in subject else ""
            raise CnnError(
                f"no layer named '{subject}' in {report.file} "
                f"({'nearest' if close else 'layers are'}: {listed}){space}",
                sloc,
            )
        if not body.is_map:
            raise CnnError(
                f"answers for '{subject}' are a mapping such as {{output: 28x28x6, params: 456}}", body.loc
            )
        for raw_key, item in body.value.items():
            kloc = body.key_locs[raw_key]
            key = KEY_ALIASES.get(str(raw_key).lower(), str(raw_key).lower())
            if key not in EXPECT_KEYS:
                raise CnnError(
                    f"unknown answer '{raw_key}'{did_you_mean(key, [*EXPECT_KEYS, *KEY_ALIASES])}"
                    f" (answers are {', '.join(EXPECT_KEYS)})",
                    kloc,
                )
            answer = parse_answer(key, item)
            actual, working = _truth(report, subject, key, rows, groups, exp)
            _require_number(actual, f"{subject} {key}", kloc)
            right = _right(answer, actual)
            mistake = "" if right else diagnose(report, rows.get(subject), key, answer)
            items.append(Item(subject, key, _written(item), answer, actual, right, working, kloc, mistake))
    return Grading(report.file, answers_file, items)


def _require_number(actual: Any, what: str, loc: Location) -> None:
    """A value that depends on symbolic input sizes cannot grade a number (it was marked wrong)."""
    values = actual if isinstance(actual, tuple) else (actual,)
    if all(isinstance(v, int) for v in values):
        return
    names = sorted({str(n) for v in values for n in getattr(v, "free_symbols", ())})
    shown = ex.shape(actual) if isinstance(actual, tuple) else ex.count(actual)
    raise CnnError(
        f"{what} is {shown}, which depends on {', '.join(names) or 'symbolic sizes'}: give the sizes with "
        "--input (such as --input 224x224x3) or --set to check this answer",
        loc,
    )


def _written(item: Node) -> str:
    v = item.plain()
    if isinstance(v, list):
        return "[" + ", ".join(str(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {x}" for k, x in v.items()) + "}"
    return str(v)


def _right(answer: Any, actual: Any) -> bool:
    if isinstance(answer, Approx):
        return isinstance(actual, int) and answer.holds(actual)
    if isinstance(answer, tuple):
        return tuple(actual) == answer
    return answer == actual


def _truth(
    report: Report,
    subject: str,
    key: str,
    rows: dict[str, Row],
    groups: dict[str, Any],
    exp: dict[str, ex.LayerSteps],
) -> tuple[Any, tuple[str, ...]]:
    """The true value and the formula lines that give it."""
    from .render.explain_text import line

    if subject == TOTALS or subject in groups and subject not in rows:
        members = (
            report.rows
            if subject == TOTALS
            else [r for r in report.rows if r.leaf is not None and subject in r.leaf.groups]
        )
        if key == "output":
            last = members[-1]
            return tuple(last.output), (f"the output of the last layer, {last.name}",)
        sums = _totals(members, 4)
        actual = sums.get(key)
        what = "the network" if subject == TOTALS else subject
        if key == "trainable":
            return actual, (f"parameters of {what} that are not frozen",)
        return actual, (line(ex.total_step(report, key, members)),)
    row = rows[subject]
    actual = row.output if key == "output" else getattr(row, key)
    layer = exp[subject]
    lookup = {"trainable": "params"}.get(key, key)
    steps = layer.for_key(lookup)
    if key == "trainable":
        steps = layer.for_key("trainable") or steps
    if key == "buffers" and not steps:
        return actual, ("no running statistics: only bn layers have buffers",)
    return (tuple(actual) if key == "output" else actual), tuple(line(s) for s in steps)
