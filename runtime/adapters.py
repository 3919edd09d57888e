"""Fold preprocessing + quantization into the input, and dequantization + activation into the output.

Built once per model, so a prediction does as little Python/numpy work as possible:
  - uint8 images into a uint8/int8 model: a 256-entry lookup table, or nothing at all when the
    model's input quantization already equals the preprocessing (scale 1/255, zero point 0);
  - int8 outputs: a 256-entry table maps each code straight to its probability (sigmoid), to
    exp() (softmax, then one normalisation), or to its dequantized value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from edgequant.runtime import preprocessing
from edgequant.runtime.backends import TensorInfo
from edgequant.runtime.errors import InputError

InputAdapter = Callable[[np.ndarray], np.ndarray] | None
OutputAdapter = Callable[[np.ndarray], np.ndarray]


def _qrange(dtype: np.dtype) -> tuple[int, int]:
    info = np.iinfo(dtype)
    return int(info.min), int(info.max)


def input_adapter(pre: dict[str, Any], raw_dtype: str, tensor: TensorInfo) -> InputAdapter:
    """A function raw batch -> model input tensor (not yet reshaped), or None when raw bytes go in as-is."""
    a, b = preprocessing.affine_terms(pre)
    quantized = tensor.scale is not None
    if raw_dtype == "uint8" and np.ndim(a) == 0:
        codes = np.arange(256, dtype=np.float64) * a + b
        if quantized:
            lo, hi = _qrange(tensor.dtype)
            lut = np.clip(np.rint(codes / tensor.scale + tensor.zero_point), lo, hi).astype(tensor.dtype)
            if tensor.dtype == np.uint8 and np.array_equal(lut, np.arange(256)):
                return None  # the model's own input quantization is the preprocessing
        else:
            lut = codes.astype(tensor.dtype)
        return lut.take
    if quantized:
        lo, hi = _qrange(tensor.dtype)
        scale_q = (np.asarray(a) / tensor.scale).astype(np.float32)
        shift_q = (np.asarray(b) / tensor.scale + tensor.zero_point).astype(np.float32)

        def quantize(x: np.ndarray) -> np.ndarray:
            return np.clip(np.rint(x * scale_q + shift_q), lo, hi).astype(tensor.dtype)

        return quantize
    a32, b32 = np.asarray(a, dtype=np.float32), np.asarray(b, dtype=np.float32)

    def standardize(x: np.ndarray) -> np.ndarray:
        return (x * a32 + b32).astype(tensor.dtype, copy=False)

    return standardize


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


_reduce_add = np.add.reduce  # the ufunc directly: ndarray.sum adds a Python-level hop
FLOAT32_TINY = float(np.finfo(np.float32).tiny)


def _softmax_from_table(exp_table: np.ndarray, dequant: np.ndarray, signed: bool) -> OutputAdapter:
    """Softmax via a table of exp(value - max value): one lookup, one sum, one divide.

    Entries that would be float32 subnormals are stored as 0 (subnormal arithmetic is ~10x
    slower). A row whose entries are all 0 (every logit far below the table's maximum) falls
    back to an exact softmax of its dequantized values.
    """
    take = exp_table.take

    def softmax(y: np.ndarray) -> np.ndarray:
        codes = y.view(np.uint8) if signed else y
        e = take(codes)
        if e.shape[0] == 1:  # the common single-sample call: a scalar sum is cheapest
            total = _reduce_add(e, axis=None)
            if total > 0:
                e /= total
                return e
            return _softmax(dequant.take(codes))
        totals = _reduce_add(e, axis=1, keepdims=True)
        empty = totals[:, 0] == 0
        if empty.any():
            e[empty] = _softmax(dequant.take(codes[empty]))
            totals[empty] = 1.0
        e /= totals
        return e

    return softmax


def _softmax_one_from_table(exp_table: np.ndarray, batch_softmax: OutputAdapter) -> OutputAdapter:
    """One row, in plain Python: after an invoke evicts numpy's hot code from the cache, a few list
    operations on ~10 values beat three numpy calls (measured: ~0.5 us of a ~4 us overhead)."""
    table = exp_table.astype(np.float64).tolist()  # indexed by the raw byte, like exp_table

    def softmax_one(y: np.ndarray) -> np.ndarray:
        values = [table[b] for b in y.tobytes()]
        total = sum(values)
        if total > 0:
            return np.array(values, dtype=np.float32) * np.float32(1.0 / total)
        return batch_softmax(y)[0]

    return softmax_one


def output_adapters(activation: str, tensor: TensorInfo) -> tuple[OutputAdapter, OutputAdapter]:
    """(batch, one row): functions from the model's raw output to float32 probabilities.

    The batch one maps (N, C) -> (N, C); the one-row one maps (1, C) -> (C,).
    """
    if activation == "softmax" and tensor.scale is not None:
        values = _code_values(tensor)
        exp_table = _exp_table(values)
        batch = _softmax_from_table(exp_table, values.astype(np.float32), tensor.dtype == np.int8)
        if tensor.shape[-1] <= 64:
            return batch, _softmax_one_from_table(exp_table, batch)
    else:
        batch = _output_adapter(activation, tensor)
    return batch, lambda y: batch(y)[0]


def _code_values(tensor: TensorInfo) -> np.ndarray:
    """The real value of every int8/uint8 code, indexed by the code's raw byte (float64)."""
    codes = np.arange(256, dtype=np.uint8).view(np.int8) if tensor.dtype == np.int8 else np.arange(256)
    return (codes.astype(np.float64) - tensor.zero_point) * tensor.scale


def _exp_table(values: np.ndarray) -> np.ndarray:
    """exp(value - max value) per code; entries that would be float32 subnormals are stored as 0."""
    table = np.exp(values - values.max())  # relative to the largest code: never overflows
    table[table < FLOAT32_TINY] = 0.0
    return table.astype(np.float32)


def _output_adapter(activation: str, tensor: TensorInfo) -> OutputAdapter:
    """Float outputs (activation in numpy, NaN/Inf refused) or a quantized sigmoid/identity table."""
    if tensor.scale is None:
        activate = {"sigmoid": _sigmoid, "softmax": _softmax}.get(activation, lambda v: v)

        def finite(y: np.ndarray) -> np.ndarray:
            probs = activate(y.astype(np.float32, copy=False))
            if not np.isfinite(probs).all():  # a float model overflowed inside: never hand back NaN
                rows = int(np.count_nonzero(~np.isfinite(probs).all(axis=-1)))
                raise InputError("the model produced NaN/Inf for this input", expected="inputs on the scale "
                                 "the model was trained on", got=f"non-finite outputs for {rows} sample(s)",
                                 fix="check the feature units; values this large overflow float32 inside the model")
            return probs

        return finite
    values = _code_values(tensor)
    table = (_sigmoid(values) if activation == "sigmoid" else values).astype(np.float32)
    take = table.take
    return (lambda y: take(y.view(np.uint8))) if tensor.dtype == np.int8 else take
