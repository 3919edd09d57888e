"""edgequant.runtime: load and run edgequant bundles without TensorFlow.

    from edgequant.runtime import load
    model = load("models/mnist", format="int8")
    probs = model.predict(image_uint8_28x28)
"""

from __future__ import annotations

from importlib import metadata as _metadata
from typing import Any

try:
    __version__ = _metadata.version("edgequant")
except _metadata.PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0+source"

__all__ = ["load", "Model", "__version__"]


def __getattr__(name: str) -> Any:
    # Lazy: importing the package costs nothing until a model is loaded.
    if name in ("load", "Model"):
        from edgequant.runtime import model

        return getattr(model, name)
    raise AttributeError(name)
