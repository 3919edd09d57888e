"""Thin wrappers over LiteRT and ONNX Runtime: make a session from checked bytes, describe its tensors.

Backends are imported only when a model of their kind is loaded.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from edgequant.runtime.errors import BackendUnavailableError
from edgequant.runtime.formats import Backend


@dataclass(frozen=True)
class TensorInfo:
    name: str
    index: int
    dtype: np.dtype
    shape: tuple[int, ...]      # -1 where the dimension is dynamic
    scale: float | None         # quantization; None for float tensors
    zero_point: int | None


def import_backend(backend: Backend) -> tuple[str, Any]:
    """Import the first working module for ``backend``; raise with the pip command if none does."""
    failures = []
    for module_name in backend.modules:
        try:
            module = importlib.import_module(module_name)
        except Exception as exc:  # tflite_runtime raises AttributeError/ImportError under numpy 2
            failures.append(f"{module_name}: {type(exc).__name__}")
            continue
        return module_name, module
    raise BackendUnavailableError(f"backend '{backend.name}' is not available", expected=" or ".join(
        backend.modules), got="; ".join(failures), fix=backend.pip)


def litert_interpreter(module: Any, model: bytes, threads: int | None) -> Any:
    """A LiteRT interpreter from bytes (model_content runs the FlatBuffer verifier; model_path does not)."""
    return module.Interpreter(model_content=model, num_threads=threads)


def litert_tensor_info(detail: dict[str, Any]) -> TensorInfo:
    scale, zero_point = detail["quantization"]
    quantized = scale != 0.0
    shape = tuple(int(d) for d in detail.get("shape_signature", detail["shape"]))
    return TensorInfo(detail["name"], int(detail["index"]), np.dtype(detail["dtype"]), shape,
                      float(scale) if quantized else None, int(zero_point) if quantized else None)


def ort_session(module: Any, model: bytes | str, threads: int | None) -> Any:
    """An ONNX Runtime CPU session; ``threads`` sets intra-op threads (None: ORT's default)."""
    options = module.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return module.InferenceSession(model, sess_options=options, providers=["CPUExecutionProvider"])


_ORT_TYPES = {"tensor(float)": np.float32, "tensor(double)": np.float64, "tensor(int8)": np.int8,
              "tensor(uint8)": np.uint8, "tensor(int64)": np.int64}


def ort_tensor_info(arg: Any, index: int) -> TensorInfo:
    shape = tuple(d if isinstance(d, int) else -1 for d in arg.shape)
    return TensorInfo(arg.name, index, np.dtype(_ORT_TYPES.get(arg.type, np.float32)), shape, None, None)


def backend_version(module_name: str, module: Any) -> str:
    if module_name.startswith("ai_edge_litert"):
        from importlib import metadata

        return metadata.version("ai-edge-litert")
    root = importlib.import_module(module_name.split(".")[0])
    return str(getattr(root, "__version__", "unknown"))
