"""The environment fingerprint stored with every benchmark result."""

from __future__ import annotations

import os
import platform
import socket
import sys
from importlib import metadata
from typing import Any

INTERESTING_FLAGS = ("avx", "avx2", "fma", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8", "sse4_2",
                     "asimd", "asimddp", "i8mm", "sve", "fphp", "asimdhp")


def cpu_info() -> dict[str, Any]:
    """CPU model and the SIMD flags that decide int8/float kernel speed (x86 and ARM names)."""
    model, flags = platform.processor() or platform.machine(), set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip().lower()
                if key in ("model name", "cpu model", "hardware") and model in ("", platform.machine()):
                    model = value.strip()
                elif key in ("flags", "features"):
                    flags.update(value.split())
                elif key == "cpu part" and model in ("", platform.machine()):
                    model = f"{platform.machine()} part {value.strip()}"
    except OSError:
        pass
    return {"model": model, "flags": sorted(f for f in flags if f in INTERESTING_FLAGS),
            "cores": os.cpu_count(), "machine": platform.machine()}


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
