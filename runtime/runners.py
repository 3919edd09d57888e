"""Backend runners: feed a ready tensor batch, get the raw output batch. Thread-safe.

LiteRT interpreters are not thread-safe, so each thread gets its own (made from
the same verified bytes), sized per batch. ONNX Runtime sessions are, so one is shared.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from edgequant.runtime import backends

MAX_CHUNK = 1024          # larger batches are split, bounding activation memory
SIZES_KEPT_PER_THREAD = 4  # interpreters kept per thread, one per recently used batch size


def run_chunked(invoke: Any, tensor: np.ndarray, fixed_batch: int | None) -> np.ndarray:
    """Call ``invoke`` on chunks the model accepts: its fixed batch (last chunk padded) or <= MAX_CHUNK."""
    n = tensor.shape[0]
    if n == fixed_batch or (fixed_batch is None and n <= MAX_CHUNK):
        return invoke(tensor)
    chunk = fixed_batch or MAX_CHUNK
    outs = []
    for start in range(0, n, chunk):
        part = tensor[start:start + chunk]
        if fixed_batch and part.shape[0] < chunk:
            pad = np.zeros((chunk - part.shape[0], *part.shape[1:]), dtype=part.dtype)
            outs.append(invoke(np.concatenate([part, pad]))[: part.shape[0]])
        else:
            outs.append(invoke(part))
    return np.concatenate(outs)


class LiteRTRunner:
    def __init__(self, module: Any, model: bytes, threads: int | None) -> None:
        self._module = module
        self._model = model
        self._threads = threads
        self._local = threading.local()
        probe = backends.litert_interpreter(module, model, threads)
        probe.allocate_tensors()
        self.input = backends.litert_tensor_info(probe.get_input_details()[0])
        self.output = backends.litert_tensor_info(probe.get_output_details()[0])
        self.ops = [op["op_name"] for op in probe._get_ops_details()]
        self._input_index, self._output_index = self.input.index, self.output.index
        batch = self.input.shape[0]
        self.fixed_batch = batch if batch > 0 else None
        self._local.sized = {1 if self.fixed_batch is None else self.fixed_batch: probe}

    def _interpreter(self, batch: int) -> Any:
        sized = getattr(self._local, "sized", None)
        if sized is None:
            sized = self._local.sized = {}
        interpreter = sized.get(batch)
        if interpreter is None:
            interpreter = backends.litert_interpreter(self._module, self._model, self._threads)
            if batch != self.input.shape[0]:
                interpreter.resize_tensor_input(self.input.index, [batch, *self.input.shape[1:]], strict=True)
            interpreter.allocate_tensors()
            if len(sized) >= SIZES_KEPT_PER_THREAD:
                sized.pop(next(iter(sized)))
            sized[batch] = interpreter
        return interpreter

    def run(self, tensor: np.ndarray) -> np.ndarray:
        return run_chunked(self._invoke, tensor, self.fixed_batch)

    def run_one(self, tensor: np.ndarray) -> np.ndarray:
        """One sample, shape (1, ...): the hot path of edge apps, with no chunking logic."""
        interpreter = getattr(self._local, "one", None)
        if interpreter is None:
            if self.fixed_batch not in (None, 1):
                return self.run(tensor)
            interpreter = self._local.one = self._interpreter(1)
        interpreter.set_tensor(self._input_index, tensor)
        interpreter.invoke()
        return interpreter.get_tensor(self._output_index)

    def _invoke(self, tensor: np.ndarray) -> np.ndarray:
        interpreter = self._interpreter(tensor.shape[0])
        interpreter.set_tensor(self.input.index, tensor)
        interpreter.invoke()
        return interpreter.get_tensor(self.output.index)


class OrtRunner:
    def __init__(self, module: Any, model: bytes | str, threads: int | None) -> None:
        self.session = backends.ort_session(module, model, threads)
        self.input = backends.ort_tensor_info(self.session.get_inputs()[0], 0)
        self.output = backends.ort_tensor_info(self.session.get_outputs()[0], 0)
        graph_batch = self.input.shape[0]
        self.fixed_batch = graph_batch if graph_batch > 0 else None
        self.ops: list[str] = []
        self._feed = self.input.name
        self._fetch = [self.output.name]

    def run(self, tensor: np.ndarray) -> np.ndarray:
        return run_chunked(self._invoke, tensor, self.fixed_batch)

    def _invoke(self, tensor: np.ndarray) -> np.ndarray:
        return self.session.run(self._fetch, {self._feed: tensor})[0]

    def run_one(self, tensor: np.ndarray) -> np.ndarray:
        return self.run(tensor) if self.fixed_batch not in (None, 1) else self._invoke(tensor)


def make_runner(kind: str, module: Any, model: bytes | str, threads: int | None) -> LiteRTRunner | OrtRunner:
    return LiteRTRunner(module, model, threads) if kind == "tflite" else OrtRunner(module, model, threads)
