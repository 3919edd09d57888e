"""Input checks at the API boundary, with explicit casting rules.

Casting rules (raw input as the manifest's ``input.raw_dtype`` describes it):
  - uint8 raw (images): uint8 passes; other integer arrays pass if every value is in 0..255;
    floats, bools and anything else are refused (pass raw pixels; the runtime scales them).
  - float32 raw (features): float32 passes; float16/float64 and integers are cast to float32;
    NaN, +-Inf, and values so large that preprocessing would overflow float32 are refused.
A single sample has the raw shape; a batch has one more leading dimension, of size >= 1.
"""

from __future__ import annotations

import numpy as np

from edgequant.runtime.errors import InputError

FLOAT32_MAX = float(np.finfo(np.float32).max)


def _shape_text(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def check_shape(x: np.ndarray, raw_shape: tuple[int, ...]) -> bool:
    """Return True for a single sample, False for a batch; raise InputError otherwise."""
    if x.shape == raw_shape:
        return True
    if x.ndim == len(raw_shape) + 1 and x.shape[1:] == raw_shape:
        if x.shape[0] == 0:
            raise InputError("empty batch", expected=f"at least one sample of shape {_shape_text(raw_shape)}",
                             got=f"shape {_shape_text(x.shape)}", fix="pass one or more samples")
        return False
    raise InputError("input has the wrong shape",
                     expected=f"{_shape_text(raw_shape)} or (N, {_shape_text(raw_shape)[1:]}",
                     got=f"shape {_shape_text(x.shape)}",
                     fix="reshape the input to one sample or a batch of samples")


def check_uint8(x: np.ndarray) -> np.ndarray:
    if x.dtype == np.uint8:
        return x
    if x.dtype.kind in "iu":
        lo, hi = int(x.min()), int(x.max())
        if lo < 0 or hi > 255:
            raise InputError("pixel values out of range", expected="integers in 0..255",
                             got=f"values in {lo}..{hi}", fix="pass raw 8-bit pixels")
        return x.astype(np.uint8)
    raise InputError("input has the wrong dtype", expected="uint8 pixels 0..255 (or integers in range)",
                     got=str(x.dtype), fix="pass raw pixels, e.g. (x * 255).round().astype(np.uint8) if you "
                     "scaled them; the runtime applies the bundle's preprocessing itself")


def check_float(x: np.ndarray, limit: float = FLOAT32_MAX) -> np.ndarray:
    """Finite numbers whose magnitude stays within ``limit`` (so preprocessing cannot overflow float32)."""
    if x.dtype.kind not in "fiu":
        raise InputError("input has the wrong dtype", expected="float32 (float16/float64 and integers are cast)",
                         got=str(x.dtype), fix="pass a numeric array")
    if x.dtype.kind == "f":
        bad = np.count_nonzero(~np.isfinite(x))
        if bad:
            raise InputError("input contains NaN or Inf", expected="finite numbers",
                             got=f"{bad} non-finite values", fix="clean or impute the features before predicting")
    if x.size and max(-float(x.min()), float(x.max())) > limit:
        raise InputError("input values are too large", expected=f"|x| <= {limit:.3g} (beyond it the "
                         "preprocessing overflows float32)", got=f"max |x| = {float(np.abs(x).max()):.3g}",
                         fix="check the feature units")
    return x.astype(np.float32, copy=False)


def safe_float_limit(pre: dict) -> float:
    """The largest |raw value| whose preprocessed value (x * a + b) still fits in float32, with 2x headroom."""
    from edgequant.runtime.preprocessing import affine_terms

    a, b = affine_terms(pre)
    a, b = np.abs(np.asarray(a, dtype=np.float64)), np.abs(np.asarray(b, dtype=np.float64))
    return float(np.min((FLOAT32_MAX / 2 - b) / np.maximum(a, 1e-300)))


DTYPE_CHECKS = {"uint8": check_uint8, "float32": check_float}


def as_array(x: object) -> np.ndarray:
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError) as exc:
        raise InputError("input is not an array", expected="a numeric array",
                         got=f"{type(x).__name__} ({exc})", fix="pass a numpy array or nested lists") from None
    if arr.dtype == object:
        raise InputError("input is not a numeric array", expected="a numeric array",
                         got="ragged or object data", fix="pass samples of equal shape")
    return arr
