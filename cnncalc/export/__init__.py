"""Writers of a network as code for other frameworks (`cnncalc export FILE --to pytorch`)."""

from .pytorch import build_module, layer_attributes, to_pytorch_source

__all__ = ["build_module", "layer_attributes", "to_pytorch_source"]
