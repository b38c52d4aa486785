"""What pyproject.toml cannot say by itself: the bundled networks, kept in `architectures/` at the
top of the checkout, ship inside the wheel as `cnncalc.architectures`. The code packages are
discovered, never listed."""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["cnncalc", "cnncalc.*"]), "cnncalc.architectures"],
    package_dir={"cnncalc.architectures": "architectures"},
    package_data={"cnncalc.architectures": ["*.yaml"]},
)
