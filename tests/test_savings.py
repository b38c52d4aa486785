"""Savings of 1x1 bottlenecks and depthwise-separable pairs, through `summarize --savings` and
`explain`. Numbers are the course's 5x5 example (worked by hand below) and PyTorch's own counts."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from cnncalc.analysis import analyze_text
from cnncalc.cli import main
from cnncalc.savings import find


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "net.yaml"
    path.write_text(textwrap.dedent(text))
    return str(path)


def test_the_course_5x5_bottleneck() -> None:
    code, out, _ = run("summarize", "bottleneck_5x5", "--savings")
    assert code == 0
    # plain: 28*28*32 outputs x 5*5*192 = 120,422,400; bottleneck: 28*28*16 x 192 = 2,408,448
    # plus 28*28*32 x 5*5*16 = 10,035,200: 12,443,648; 120,422,400 / 12,443,648 = 9.677
    assert (
        "conv1 -> conv2: 1 x 1 bottleneck to 16 channels, then 5 x 5, instead of a plain "
        "5 x 5 conv, 192 -> 32 channels" in out
    )
    assert "MACs:   plain 120,422,400 vs 2,408,448 + 10,035,200 = 12,443,648 (9.7x fewer)" in out
    # (5*5*192 + 1)*32 = 153,632 against (192 + 1)*16 + (5*5*16 + 1)*32 = 3,088 + 12,832 = 15,920
    assert "params: plain 153,632 vs 3,088 + 12,832 = 15,920 (9.7x fewer)" in out


def test_the_plain_conv_is_what_naive_5x5_costs() -> None:
    naive = analyze_text(*_bundled("naive_5x5"))
    (saving,) = find(analyze_text(*_bundled("bottleneck_5x5")))
    assert saving.plain_macs == naive.totals.macs
    assert saving.plain_params == naive.totals.params


def _bundled(name: str) -> tuple[str, str]:
    from cnncalc import bundled

    path = bundled.path(name)
    assert path is not None
    return path.read_text(), name


def test_against_pytorch() -> None:
    torch = pytest.importorskip("torch")
    nn = torch.nn
    x = torch.zeros(1, 192, 28, 28)

    def cost(*convs: object) -> tuple[int, int]:
        params = macs = 0
        y = x
        for conv in convs:
            y = conv(y)
            params += sum(p.numel() for p in conv.parameters())
            macs += y.numel() * conv.weight[0].numel()  # each output: one filter's weights
        return params, macs

    with torch.no_grad():
        plain = cost(nn.Conv2d(192, 32, 5, padding=2))
        pair = cost(nn.Conv2d(192, 16, 1), nn.Conv2d(16, 32, 5, padding=2))
    (saving,) = find(analyze_text(*_bundled("bottleneck_5x5")))
    assert (saving.plain_params, saving.plain_macs) == plain
    assert (saving.params, saving.macs) == pair


def test_depthwise_separable_through_bn_and_relu(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    f = write(
        tmp_path,
        """\
        input: [112, 112, 32]
        layers:
          - depthwise: {f: 3, padding: 1}
          - bn
          - relu
          - conv: {filters: 64, f: 1}
    """,
    )
    code, out, _ = run("summarize", f, "--savings")
    assert code == 0
    # plain 3x3 conv 32 -> 64: 112*112*64 x 3*3*32 = 231,211,008; depthwise 112*112*32 x 9 =
    # 3,612,672, pointwise 112*112*64 x 32 = 25,690,112: 29,302,784 (7.9x fewer)
    assert (
        "depthwise1 -> conv1: 3 x 3 depthwise, then 1 x 1 to 64 channels, instead of a plain "
        "3 x 3 conv, 32 -> 64 channels" in out
    )
    assert "MACs:   plain 231,211,008 vs 3,612,672 + 25,690,112 = 29,302,784 (7.9x fewer)" in out
    nn = torch.nn
    plain = nn.Conv2d(32, 64, 3, padding=1)
    dw, pw = nn.Conv2d(32, 32, 3, padding=1, groups=32), nn.Conv2d(32, 64, 1)
    count = [sum(p.numel() for p in m.parameters()) for m in (plain, dw, pw)]
    # (9*32 + 1)*64 = 18,496 vs (9 + 1)*32 = 320 and (32 + 1)*64 = 2,112
    assert (
        f"params: plain {count[0]:,} vs {count[1]:,} + {count[2]:,} = {count[1] + count[2]:,} (7.6x fewer)"
        in out
    )


def test_explain_shows_the_saving_on_the_second_layer() -> None:
    code, out, _ = run("explain", "bottleneck_5x5", "conv2", "--ascii")
    assert code == 0
    assert (
        "saving (bottleneck) = conv1 -> conv2 (1 x 1 bottleneck to 16 channels, then 5 x 5) replaces "
        "a plain 5 x 5 conv, 192 -> 32 channels" in out
    )
    assert "(28 x 28 x 32) x (5 x 5 x 192) = 120,422,400" in out
    assert "12,443,648; 9.7x fewer" in out


def test_inception_module_branches() -> None:
    savings = find(analyze_text(*_bundled("inception3a")))
    pairs = {(s.first, s.second): s for s in savings}
    # the 5x5 branch is the course's example: 192 -> 16 -> 32 on 28x28
    five = pairs[("inception3a.b3.conv1", "inception3a.b3.conv2")]
    assert (five.plain_macs, five.macs) == (120_422_400, 12_443_648)
    # the 3x3 branch: 192 -> 96 -> 128: plain 28*28*128 x 9*192 = 173,408,256
    three = pairs[("inception3a.b2.conv1", "inception3a.b2.conv2")]
    assert three.plain_macs == 28 * 28 * 128 * 9 * 192 == 173_408_256
    assert len(savings) == 2  # the 1x1 branch and the pool branch have no pair


@pytest.mark.parametrize(
    "layers",
    [
        # a 1x1 that widens (16 -> 64) is no bottleneck
        "- conv: {filters: 64, f: 1}\n  - conv: {filters: 32, f: 3}",
        # the 1x1's output is also read elsewhere
        "- conv: {filters: 4, f: 1, name: a}\n  - conv: {filters: 8, f: 3}\n"
        "  - conv: {filters: 8, f: 3, from: a}",
        # a 1x1 then a pool, not a conv
        "- conv: {filters: 4, f: 1}\n  - pool: {f: 2}",
        # a depthwise followed by a 3x3, not a 1x1
        "- depthwise: {f: 3}\n  - conv: {filters: 8, f: 3}",
    ],
)
def test_no_pair(tmp_path: Path, layers: str) -> None:
    f = write(tmp_path, f"input: [16, 16, 16]\nlayers:\n  {layers}\n")
    code, out, _ = run("summarize", f, "--savings")
    assert code == 0
    assert "no 1x1 bottleneck or depthwise-separable pair found" in out


def test_json_stays_json_with_savings_on_stderr() -> None:
    result = CliRunner().invoke(main, ["summarize", "bottleneck_5x5", "--savings", "--format", "json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["totals"]["macs"] == 12_443_648
    assert "120,422,400" in result.stderr


def test_a_terminal_width_breaks_long_savings_lines() -> None:
    from cnncalc import bundled
    from cnncalc.savings import text

    report = analyze_text(bundled.path("inception3a").read_text(), "inception3a")
    wide, narrow = text(report), text(report, 80)
    assert all(len(line) <= 80 for line in narrow.splitlines())
    assert narrow.split() == wide.split()
    # b3: plain 5x5 on 192 channels, 28*28*32 * 5*5*192 = 120,422,400 against
    # 28*28*16*192 + 28*28*32*5*5*16 = 2,408,448 + 10,035,200; the factor stays whole on its line
    assert ("    MACs:   plain 120,422,400 vs 2,408,448 + 10,035,200 = 12,443,648\n"
            "        (9.7x fewer)\n") in narrow
