"""The environment fingerprint stored with every benchmark result."""

from __future__ import annotations

import os
import platform
import socket
import sys
from importlib import metadata
from typing import Any

from edgequant.runtime.doctor import cpu_info


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in ("edgequant", "numpy", "ai-edge-litert", "tflite-runtime", "onnxruntime", "tensorflow-cpu"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return out


def fingerprint(*, xnnpack: bool = True) -> dict[str, Any]:
    """Everything needed to tell whether two result files are comparable."""
    return {"host": socket.gethostname(), "platform": platform.platform(), "cpu": cpu_info(),
            "versions": versions(), "python_executable": sys.executable, "xnnpack": xnnpack,
            "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE")}
