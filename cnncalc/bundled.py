"""The architectures shipped with cnncalc, found by name (`lenet5`).

Plain `os.path`: the command line reads a bundled network on every run, and pathlib (with the
urllib and ipaddress it imports) would cost more start-up time than the rest of this module.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

_HERE = os.path.dirname(os.path.realpath(__file__))


def folder() -> str:
    """Inside an installed wheel they sit in the package; in a checkout, beside it."""
    for candidate in (os.path.join(_HERE, "architectures"), os.path.join(os.path.dirname(_HERE), "architectures")):
        if os.path.isdir(candidate):
            return candidate
    return os.path.join(_HERE, "architectures")


def directory() -> Path:
    from pathlib import Path

    return Path(folder())


# `cnncalc list` groups the zoo by family, in this order; a name is in the first family whose
# prefix it starts with (a file added without a family is listed under "Other").
FAMILIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Course examples", ("lenet5", "popquiz", "naive_5x5", "bottleneck_5x5", "inception3a")),
    ("AlexNet", ("alexnet",)),
    ("VGG", ("vgg",)),
    ("GoogLeNet / Inception", ("googlenet", "inception_v3")),
    ("ResNet", ("resnet",)),
    ("ResNeXt / Wide ResNet", ("resnext", "wide_resnet")),
    ("DenseNet", ("densenet",)),
    ("SqueezeNet", ("squeezenet",)),
    ("MobileNet", ("mobilenet",)),
    ("ShuffleNet", ("shufflenet",)),
    ("MnasNet", ("mnasnet",)),
    ("EfficientNet", ("efficientnet",)),
    ("RegNet", ("regnet",)),
    ("ConvNeXt", ("convnext",)),
    ("Segmentation", ("fcn_", "unet")),
)


def family(name: str) -> str:
    for title, prefixes in FAMILIES:
        if name.startswith(prefixes):
            return title
    return "Other"


def names() -> list[str]:
    here = folder()
    try:
        files = os.listdir(here)
    except OSError:
        return []
    return sorted(f[:-5] for f in files if f.endswith(".yaml") and not f.startswith(".")
                  and os.path.isfile(os.path.join(here, f)))


def file(name: str) -> str | None:
    """The file of a bundled network, or None. A bundled name is one of the shipped names, never
    a path: `../x` or `/tmp/secret` must not reach a file outside the folder."""
    if not name.isidentifier():
        return None
    # one stat, whatever the size of the zoo: the folder is neither listed nor read
    found = os.path.join(folder(), f"{name}.yaml")
    return found if os.path.isfile(found) else None


def path(name: str) -> Path | None:
    found = file(name)
    if found is None:
        return None
    from pathlib import Path

    return Path(found)
