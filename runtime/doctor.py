"""``edgequant doctor``: can this machine run bundles, and with which backends?

Each backend is probed in a child process, so a SIGILL (an ONNX Runtime build too new for the CPU)
or a segfault (tflite_runtime under numpy 2) becomes a line in the report, never a crash of doctor.
"""

from __future__ import annotations

import json
import os
import platform
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

PROBE_DIR = Path(__file__).resolve().parent / "probe"
ARM_FEATURES = ("asimd", "asimddp", "i8mm", "sve", "asimdhp")
X86_FEATURES = ("avx2", "fma", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8")
PROBES = {  # backend -> (module to import, probe model)
    "ai-edge-litert": ("ai_edge_litert.interpreter", "tiny.tflite"),
    "tflite-runtime": ("tflite_runtime.interpreter", "tiny.tflite"),
    "onnxruntime": ("onnxruntime", "tiny.onnx"),
}

PROBE = r"""
import importlib, json, sys
from importlib import metadata
import numpy as np
module_name, path, dist = sys.argv[1], sys.argv[2], sys.argv[3]
module = importlib.import_module(module_name)
x = np.arange(4, dtype=np.float32).reshape(1, 4)
data = open(path, "rb").read()
if path.endswith(".tflite"):
    it = module.Interpreter(model_content=data)
    it.allocate_tensors()
    it.set_tensor(it.get_input_details()[0]["index"], x)
    it.invoke()
    y = it.get_tensor(it.get_output_details()[0]["index"])
else:
    s = module.InferenceSession(data, providers=["CPUExecutionProvider"])
    y = s.run(None, {"x": x})[0]
print(json.dumps({"version": metadata.version(dist), "output_ok": bool(np.allclose(y, 2 * x + 1))}))
"""


INTERESTING_FLAGS = ARM_FEATURES + X86_FEATURES + ("avx", "sse4_2", "fphp")


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



def cpu_features() -> dict[str, Any]:
    info = cpu_info()
    wanted = ARM_FEATURES if info["machine"] in ("aarch64", "arm64", "armv7l", "armv6l") else X86_FEATURES
    flags = set(info["flags"])
    return {**info, "features": {f: f in flags for f in wanted}}


def probe_backend(name: str, *, timeout: float = 120) -> dict[str, Any]:
    """Import the backend and run its tiny model in a child process."""
    module, model = PROBES[name]
    try:
        proc = subprocess.run([sys.executable, "-c", PROBE, module, str(PROBE_DIR / model), name],
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"backend": name, "status": "hung", "detail": f"no answer in {timeout:.0f} s"}
    if proc.returncode < 0:
        sig = signal.Signals(-proc.returncode).name
        return {"backend": name, "status": "crashed", "detail": f"the probe died with {sig}"}
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["?"])[-1][:200]
        status = "missing" if "ModuleNotFoundError" in proc.stderr else "broken"
        return {"backend": name, "status": status, "detail": last}
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    ok = result["output_ok"]
    return {"backend": name, "status": "ok" if ok else "wrong-output", "version": result["version"],
            "detail": "imports and runs the probe model" if ok else "ran but computed a wrong answer"}


def diagnose() -> dict[str, Any]:
    import numpy as np

    machine = platform.machine()
    warnings = []
    if machine in ("armv7l", "armv6l"):
        warnings.append("32-bit ARM: ai-edge-litert and onnxruntime publish no wheels for it; "
                        "install a 64-bit OS (Raspberry Pi OS 64-bit) to run edgequant bundles")
    backends = [probe_backend(name) for name in PROBES]
    tflite_rt = next(b for b in backends if b["backend"] == "tflite-runtime")
    if tflite_rt["status"] not in ("ok", "missing"):
        warnings.append(f"tflite-runtime is installed but does not work with numpy {np.__version__} "
                        f"({tflite_rt['detail']}); uninstall it or use ai-edge-litert")
    usable = [b["backend"] for b in backends if b["status"] == "ok"]
    if not usable:
        warnings.append("no backend works: pip install ai-edge-litert onnxruntime")
    return {"machine": machine, "platform": platform.platform(), "cpu": cpu_features(),
            "python": platform.python_version(), "numpy": np.__version__, "backends": backends,
            "usable_backends": usable, "warnings": warnings, "ok": bool(usable)}
