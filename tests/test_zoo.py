"""The zoo against torchvision's own weight metadata, and the commands that present it.

`num_params` and `_ops` come from the weights' `meta` in torchvision/models/NAME.py (the file is
named per row), as torchvision 0.15 and later write them (with `_file_size`); found with the
workplace's search tool in copies of those files. The stored pytorch/vision commit 07a929e8 has
an earlier rounding of the same figures to 1 decimal, checked below too. `_ops` is torchvision's
"GFLOPS" column, which counts one multiply-add as one operation (ResNet-50: 4.089, our
4,089,184,256 MACs), rounded to 3 decimals by `round(x, 3)` and printed without trailing zeros
(ResNeXt-50's 4.23 is 4.230, ShuffleNetV2 x0.5's 0.04 is 0.040): a count is right when it rounds
to it. It is measured in eval mode, so auxiliary classifiers that only run in training are not
in it (Inception v3, GoogLeNet), while the segmentation weights' auxiliary head, which runs in
eval too, is. CPU budget: about 3 s (50 analyses, 5 CLI runs).
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest
from click.testing import CliRunner

from cnncalc import bundled
from cnncalc.analysis import analyze_text
from cnncalc.cli import main
from cnncalc.report import Report

# name, num_params, _ops (G MACs), the file they were read in, and what torchvision's weights
# hold that the default constructor (our file) does not: (params, MACs) to add
TV = "torchvision/models/"
METADATA: list[tuple[str, int, str, str, tuple[int, int]]] = [
    ("alexnet", 61_100_840, "0.714", TV + "alexnet.py", (0, 0)),
    ("vgg11", 132_863_336, "7.609", TV + "vgg.py", (0, 0)),
    ("vgg11_bn", 132_868_840, "7.609", TV + "vgg.py", (0, 0)),
    ("vgg13", 133_047_848, "11.308", TV + "vgg.py", (0, 0)),
    ("vgg13_bn", 133_053_736, "11.308", TV + "vgg.py", (0, 0)),
    ("vgg16", 138_357_544, "15.47", TV + "vgg.py", (0, 0)),
    ("vgg16_bn", 138_365_992, "15.47", TV + "vgg.py", (0, 0)),
    ("vgg19", 143_667_240, "19.632", TV + "vgg.py", (0, 0)),
    ("vgg19_bn", 143_678_248, "19.632", TV + "vgg.py", (0, 0)),
    ("resnet18", 11_689_512, "1.814", TV + "resnet.py", (0, 0)),
    ("resnet34", 21_797_672, "3.664", TV + "resnet.py", (0, 0)),
    ("resnet50", 25_557_032, "4.089", TV + "resnet.py", (0, 0)),
    ("resnet101", 44_549_160, "7.801", TV + "resnet.py", (0, 0)),
    ("resnet152", 60_192_808, "11.514", TV + "resnet.py", (0, 0)),
    ("resnext50_32x4d", 25_028_904, "4.23", TV + "resnet.py", (0, 0)),
    ("resnext101_32x8d", 88_791_336, "16.414", TV + "resnet.py", (0, 0)),
    ("wide_resnet50_2", 68_883_240, "11.398", TV + "resnet.py", (0, 0)),
    ("densenet121", 7_978_856, "2.834", TV + "densenet.py", (0, 0)),
    ("densenet161", 28_681_000, "7.728", TV + "densenet.py", (0, 0)),
    ("densenet169", 14_149_480, "3.36", TV + "densenet.py", (0, 0)),
    ("densenet201", 20_013_928, "4.291", TV + "densenet.py", (0, 0)),
    ("squeezenet1_0", 1_248_424, "0.819", TV + "squeezenet.py", (0, 0)),
    ("squeezenet1_1", 1_235_496, "0.349", TV + "squeezenet.py", (0, 0)),
    ("mobilenet_v2", 3_504_872, "0.301", TV + "mobilenetv2.py", (0, 0)),
    ("mobilenet_v3_large", 5_483_032, "0.217", TV + "mobilenetv3.py", (0, 0)),
    ("mobilenet_v3_small", 2_542_856, "0.057", TV + "mobilenetv3.py", (0, 0)),
    ("mnasnet1_0", 4_383_312, "0.314", TV + "mnasnet.py", (0, 0)),
    ("efficientnet_b0", 5_288_548, "0.386", TV + "efficientnet.py", (0, 0)),
    ("efficientnet_b1", 7_794_184, "0.687", TV + "efficientnet.py", (0, 0)),
    ("efficientnet_b2", 9_109_994, "1.088", TV + "efficientnet.py", (0, 0)),
    ("efficientnet_b3", 12_233_232, "1.827", TV + "efficientnet.py", (0, 0)),
    ("efficientnet_v2_s", 21_458_488, "8.366", TV + "efficientnet.py", (0, 0)),
    ("shufflenet_v2_x0_5", 1_366_792, "0.04", TV + "shufflenetv2.py", (0, 0)),
    ("shufflenet_v2_x1_0", 2_278_604, "0.145", TV + "shufflenetv2.py", (0, 0)),
    ("regnet_x_400mf", 5_495_976, "0.414", TV + "regnet.py", (0, 0)),
    ("regnet_y_400mf", 4_344_144, "0.402", TV + "regnet.py", (0, 0)),
    ("convnext_tiny", 28_589_128, "4.456", TV + "convnext.py", (0, 0)),
    # FCNHead(1024, 21) on layer3 (65 x 65 x 1024 at 520): 3*3*1024*256 + 2*256 + 256*21 + 21
    # parameters; 65*65*(9*1024*256 + 256*21) multiply-adds
    ("fcn_resnet50", 35_322_218, "152.717", TV + "segmentation/fcn.py",
     (9 * 1024 * 256 + 2 * 256 + 256 * 21 + 21, 65 * 65 * (9 * 1024 * 256 + 256 * 21))),
]

# The auxiliary classifiers: in inception_v3's num_params (its weights keep them), in neither of
# googlenet's (its weights drop them), in no _ops (eval mode). Their rows, by name prefix.
AUXILIARY = {"inception_v3": ("aux_logits.",), "googlenet_torchvision": ("aux1.", "aux2.")}
WITH_AUX = [
    ("inception_v3", 27_161_264, "5.713", TV + "inception.py", True),
    ("googlenet_torchvision", 6_624_904, "1.498", TV + "googlenet.py", False),
]


@cache
def report(name: str) -> Report:
    path = bundled.path(name)
    assert path is not None, f"{name} is not bundled"
    return analyze_text(path.read_text(), name)


def rounds_to(macs: int, ops: str) -> bool:
    """torchvision's round(macs / 1e9, 3), as it prints it."""
    return round(macs / 1e9, 3) == float(ops)


@pytest.mark.parametrize(("name", "num_params", "ops", "source", "extra"), METADATA, ids=[m[0] for m in METADATA])
def test_params_and_macs_equal_torchvisions_metadata(name: str, num_params: int, ops: str, source: str,
                                                     extra: tuple[int, int]) -> None:
    t = report(name).totals
    assert t.params + extra[0] == num_params, source
    assert rounds_to(t.macs + extra[1], ops), f"{t.macs + extra[1]:,} MACs do not round to {ops} ({source})"


@pytest.mark.parametrize(("name", "num_params", "ops", "source", "aux_in_params"), WITH_AUX,
                         ids=[w[0] for w in WITH_AUX])
def test_networks_with_auxiliary_classifiers(name: str, num_params: int, ops: str, source: str,
                                             aux_in_params: bool) -> None:
    rows = report(name).rows
    aux = [r for r in rows if r.name.startswith(AUXILIARY[name])]
    assert aux and all(r.macs >= 0 for r in aux)
    params = sum(r.params for r in rows) - (0 if aux_in_params else sum(r.params for r in aux))
    assert params == num_params, source
    assert rounds_to(sum(r.macs for r in rows) - sum(r.macs for r in aux), ops), source


# pytorch/vision at 07a929e8b851242b1c75c9016ee06a8e502961d8, torchvision/models/resnet.py: the
# first `_ops`, rounded to 1 decimal (ResNet50_Weights: "num_params": 25557032, "_ops": 4.1)
RESNET_07A929E = {"resnet18": "1.8", "resnet34": "3.7", "resnet50": "4.1", "resnet101": "7.8", "resnet152": "11.5",
                  "resnext50_32x4d": "4.2", "resnext101_32x8d": "16.4", "wide_resnet50_2": "11.4"}


@pytest.mark.parametrize("name", sorted(RESNET_07A929E))
def test_resnets_against_the_earlier_one_decimal_ops(name: str) -> None:
    assert round(report(name).totals.macs / 1e9, 1) == float(RESNET_07A929E[name])


def test_mobilenet_v1_equals_the_paper_and_keras() -> None:
    # Howard et al. 2017, Table 8 (1.0 MobileNet-224): 569 million mult-adds, 4.2 million params;
    # keras.applications.MobileNet().summary(): 4,253,864 params, of them 21,888 non-trainable
    # (the batch norms' moving mean and variance: 2 x (32 + 13 x 2 layers' channels))
    t = report("mobilenet_v1").totals
    assert round(t.macs / 1e6) == 569 and round(t.params / 1e5) == 42
    assert t.params + t.buffers == 4_253_864 and t.buffers == 21_888


def test_every_bundled_file_keeps_its_expect_and_reference() -> None:
    for name in bundled.names():
        path = bundled.path(name)
        assert path is not None
        text = path.read_text()
        assert "\nreference:" in text and "\nexpect:" in text and "  params:" in text, name


def test_validate_checks_the_whole_zoo() -> None:
    result = run("validate", str(bundled.directory()), "--format", "json")
    assert result.exit_code == 0, result.output
    assert f"{len(bundled.names())} files checked, 0 failed" in run("validate", str(bundled.directory())).output
    assert len(bundled.names()) >= 50


def test_a_bundled_name_resolves_without_listing_the_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: Any) -> None:
        raise AssertionError("the folder was listed")

    monkeypatch.setattr(bundled.os, "listdir", refuse)
    assert bundled.file("resnet50") is not None
    assert bundled.file("no_such_net") is None and bundled.file("../resnet50") is None


# ---- list and compare -------------------------------------------------------------------------


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


def test_list_groups_by_family_smallest_first() -> None:
    out = run("list").output
    blocks = out.split("\n\n")
    heads = [b.splitlines()[0] for b in blocks[:-1]]
    assert heads == [title for title, _ in bundled.FAMILIES]
    mobile = next(b for b in blocks if b.startswith("MobileNet\n")).splitlines()[1:]
    # params: v3-small 2,542,856 < v2 3,504,872 < v1 4,231,976 < v3-large 5,483,032
    assert [line.split()[0] for line in mobile] == ["mobilenet_v3_small", "mobilenet_v2", "mobilenet_v1",
                                                    "mobilenet_v3_large"]
    assert "299x299x3" in next(line for line in out.splitlines() if line.startswith("  inception_v3 "))


def test_list_sorted_by_macs_and_filtered() -> None:
    items = json.loads(run("list", "--format", "json", "--sort", "macs").output)["networks"]
    macs = [i["macs"] for i in items]
    assert macs == sorted(macs) and len(items) == len(bundled.names())
    assert all(i["family"] != "Other" for i in items)
    shuffle = json.loads(run("list", "--format", "json", "--family", "shuffle").output)["networks"]
    assert [i["name"] for i in shuffle] == ["shufflenet_v2_x0_5", "shufflenet_v2_x1_0"]
    bad = run("list", "--family", "transformer")
    assert bad.exit_code == 2 and "no family holds 'transformer'" in bad.output


def test_compare_three_zoo_networks_at_another_size() -> None:
    result = run("compare", "mobilenet_v3_large", "shufflenet_v2_x1_0", "efficientnet_b0", "--input", "320x320x3")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()  # the data; the expectations' notes go to stderr
    macs = next(line for line in lines if line.strip().startswith("MACs")).split()[1:]
    # at 320 every spatial size is (320/224)^2 = 2.04 times larger; conv MACs scale with it, so
    # MobileNetV3-Large's 216,589,760 grows to 437,840,000 (its 1x1 SE and fc layers do not)
    expect = [analyze_text(bundled.path(n).read_text(), n, None, "320x320x3").totals.macs  # type: ignore[union-attr]
              for n in ("mobilenet_v3_large", "shufflenet_v2_x1_0", "efficientnet_b0")]
    assert [int(m.replace(",", "")) for m in macs] == expect
    assert 2 < expect[0] / report("mobilenet_v3_large").totals.macs < 2.05
    ratio = lines[lines.index(next(line for line in lines if line.strip().startswith("MACs"))) + 1].split()
    assert ratio == [f"{expect[1] / expect[0]:.3f}x", f"{expect[2] / expect[0]:.3f}x"]
    assert "different architectures" in result.stdout and "error" not in result.stderr
    # what-if: each file's expectations are notes, "not checked at this input", never failures
    assert "not checked at this input" in result.stderr
    assert len(lines) < 40  # totals, not the 600 layer names none of them share
