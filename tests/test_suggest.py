"""'did you mean': difflib's answers for ordinary names, bounded work for huge ones (issue 13)."""

from __future__ import annotations

import difflib
import random
import string
import time

import pytest

from cnncalc import suggest
from cnncalc.suggest import did_you_mean, nearest

KINDS = ["conv", "depthwise", "deconv", "pool", "gap", "fc", "bn", "relu", "relu6", "concat", "add"]


@pytest.mark.parametrize("name, choices, n, expected", [
    ("conb", KINDS, 1, ["conv"]),
    ("rleu", KINDS, 3, ["relu", "relu6"]),
    ("deptwise", KINDS, 1, ["depthwise"]),
    ("xyz", KINDS, 1, []),
    ("conv1", ["conv_1", "conv2", "conv10", "pool1"], 3, ["conv_1", "conv10", "conv2"]),  # ties: larger first
])  # fmt: skip
def test_ordinary_typos(name: str, choices: list[str], n: int, expected: list[str]) -> None:
    assert nearest(name, choices, n) == expected == difflib.get_close_matches(name, choices, n)


def test_ordinary_names_give_difflibs_answer_exactly() -> None:
    rng = random.Random(13)
    letters = string.ascii_lowercase + "_0123456789"
    for _ in range(300):
        choices = ["".join(rng.choices(letters, k=rng.randint(1, 30))) for _ in range(rng.randint(1, 60))]
        word = list(rng.choice(choices))
        word[rng.randrange(len(word))] = rng.choice(letters)  # one letter wrong
        name = "".join(word)
        n = rng.randint(1, 3)
        assert nearest(name, choices, n) == difflib.get_close_matches(name, choices, n, cutoff=0.6)


def test_did_you_mean_phrase() -> None:
    assert did_you_mean("conb", KINDS) == " (did you mean 'conv'?)"
    assert did_you_mean("zzzz", KINDS) == ""


def long_name(i: int) -> str:
    stem = f"backbone_stage_{i % 7}_block_{i % 13}_branch_main_conv_pointwise_expand_"
    return stem * 50 + f"layer_{i:05d}"  # ~3,400 characters, as in issue 13's 14 MB file


def test_long_names_find_the_typo_in_bounded_work(monkeypatch: pytest.MonkeyPatch) -> None:
    names = [long_name(i) for i in range(2000)]
    typo = names[1998][:-3] + "x" + names[1998][-2:]
    compared: list[int] = []
    ratio = difflib.SequenceMatcher.ratio

    def counting_ratio(self: difflib.SequenceMatcher) -> float:
        compared.append(len(self.a) * len(self.b))
        return ratio(self)

    monkeypatch.setattr(difflib.SequenceMatcher, "ratio", counting_ratio)
    start = time.perf_counter()
    found = nearest(typo, names, 3)
    elapsed = time.perf_counter() - start
    assert found[0] == names[1998]
    assert len(compared) <= suggest.MAX_RATIOS
    assert max(compared) <= (2 * suggest.KEEP) ** 2
    assert elapsed < 2.0  # difflib over the whole names took ~3 s here


def test_many_choices_compute_few_ratios() -> None:
    choices = [f"layer_{i}" for i in range(50_000)] + ["a" * 200]
    start = time.perf_counter()
    assert nearest("layer_4999x", choices, 2) == ["layer_4999", "layer_49999"]
    assert time.perf_counter() - start < 3.0
    assert nearest("a" * 199 + "b", choices) == ["a" * 200]
