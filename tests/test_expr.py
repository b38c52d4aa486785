"""cnncalc.expr: `$name` and `${expr}`: integer arithmetic only, never `eval`."""

from __future__ import annotations

import pytest

from cnncalc.errors import CnnError
from cnncalc.expr import MAX_NESTING, evaluate, substitute

ENV = {"w": 64, "s": 2, "name": "abc", "flag": True}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("w * 2", 128),
        ("w/2", 32),  # 64 / 2 divides exactly
        ("w // 3", 21),  # 64 // 3 = 21 (rounds down)
        ("w % 5", 4),  # 64 = 12*5 + 4
        ("-(w + 1) * 2", -130),
        ("(w - 4) // s + 1", 31),  # the conv rule: (64 - 4)//2 + 1
        ("2 + 3 * 4", 14),  # precedence
        ("(2 + 3) * 4", 20),
        ("20 - 5 - 3", 12),  # left to right
        ("64 / 4 / 2", 8),
        ("--3", 3),
        ("  7  ", 7),
    ],
)
def test_integer_arithmetic(text: str, value: int) -> None:
    result = evaluate(text, ENV)
    assert result == value and isinstance(result, int)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("w.real", "unexpected '.' in expression 'w.real': attribute access and decimals are not allowed"),
        ("1.5", "unexpected '.' in expression '1.5': attribute access and decimals are not allowed"),
        ("abs(w)", "'abs(' in expression 'abs(w)': calls are not allowed"),
        ("w[0]", "unexpected '[' in expression 'w[0]': subscripts are not allowed"),
        ("'a'", "unexpected ''' in expression ''a'': strings are not allowed"),
        ('"a" + w', "strings are not allowed"),
        ("w ** 2", "'**' in expression 'w ** 2': exponents are not allowed"),
        ("lambda: 1", "unexpected ':' in expression 'lambda: 1'"),
        ("__import__('os')", "not allowed"),
        ("w if w else 2", "unexpected 'if' in expression 'w if w else 2'"),
        ("w < 2", "unexpected '<'"),
        ("w, 1", "unexpected ','"),
        ("w / 3", "64 / 3 is not a whole number in 'w / 3' (use // to round down)"),
        ("w / 0", "division by zero in expression 'w / 0'"),
        ("w % (s - 2)", "division by zero"),
        ("x", "unknown name 'x'"),
        ("wx", "unknown name 'wx' (did you mean 'w'?)"),
        ("name", "'name' is 'abc', not an integer, in 'name'"),
        ("flag", "'flag' is True, not an integer, in 'flag'"),
        ("", "empty expression"),
        ("(w", "missing ')' in expression '(w'"),
        ("w)", "unexpected ')' in expression 'w)'"),
        ("w +", "expression 'w +' ends too early"),
        ("9" * 25, "value larger than 1e+18"),
        ("1000000000 * 1000000000 * 10", "value larger than 1e+18"),
        ("(" * (MAX_NESTING + 5) + "1" + ")" * (MAX_NESTING + 5), f"nested deeper than {MAX_NESTING} levels"),
        ("x" * 501, "expression longer than 500 characters"),
    ],
)
def test_refused(text: str, message: str) -> None:
    with pytest.raises(CnnError) as info:
        evaluate(text, ENV)
    assert message in info.value.message


@pytest.mark.parametrize(
    ("text", "value"),
    [("$w", 64), ("${w * 2}", 128), ("${ w // s }", 32), ("plain", "plain"), ("$name", "abc")],
)
def test_substitute(text: str, value: object) -> None:
    assert substitute(text, ENV) == value


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("${w", "unterminated expression '${w': expected '}' at the end"),
        ("$w+1", "'$w+1' is not a reference: write $name or ${expression}"),
        ("$nope", "unknown name 'nope'"),
    ],
)
def test_substitute_refused(text: str, message: str) -> None:
    with pytest.raises(CnnError) as info:
        substitute(text, ENV)
    assert info.value.message == message


def test_never_evaluates_python(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("eval/exec called")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    assert evaluate("(w - 4) // s + 1", ENV) == 31
