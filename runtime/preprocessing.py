"""How a raw input becomes the model's float tensor, as the manifest describes it.

Two kinds, both affine per element, which is what lets the runtime fold them
into the int8 input quantization:
  - ``scale``:       x * scale + offset          (images: scale 1/255)
  - ``standardize``: (x - mean[i]) / std[i]      (tabular features)
The trainer, the exporter's calibration and the parity gate all call this
module, so training and deployment can never disagree.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def affine_terms(pre: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Return (a, b) with tensor = raw * a + b, broadcastable over the raw sample shape."""
    kind = pre["kind"]
    if kind == "scale":
        return np.float64(pre["scale"]), np.float64(pre.get("offset", 0.0))
    if kind == "standardize":
        mean = np.asarray(pre["mean"], dtype=np.float64)
        std = np.asarray(pre["std"], dtype=np.float64)
        return 1.0 / std, -mean / std
    raise ValueError(f"unknown preprocessing kind {kind!r}")


def apply(pre: dict[str, Any], raw: np.ndarray) -> np.ndarray:
    """Raw input (uint8 image or float features) to the float32 model tensor."""
    a, b = affine_terms(pre)
    return (np.asarray(raw, dtype=np.float64) * a + b).astype(np.float32)


def fit_standardize(x_train: np.ndarray) -> dict[str, Any]:
    """Per-feature mean/std from the training part only (a std of 0 becomes 1)."""
    mean = x_train.mean(axis=0)
    std = x_train.std(axis=0)
    std = np.where(std == 0, 1.0, std)
    return {"kind": "standardize", "mean": mean.tolist(), "std": std.tolist()}


def image_scale() -> dict[str, Any]:
    """Pixels 0..255 to [0, 1]."""
    return {"kind": "scale", "scale": 1.0 / 255.0, "offset": 0.0}
