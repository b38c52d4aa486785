"""cnncalc: shapes, parameters and multiply costs of convolutional networks, from YAML."""

__version__ = "0.1.0"
