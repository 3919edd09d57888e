"""Runs inside the emulated Cortex-A72 guest (see aarch64.py): doctor, verify, and every artifact's
predictions on the test slices. Results go to the serial console as one base64 JSON block.

Standard library + the runtime only: this file is copied into the guest and run by its python3.
"""

from __future__ import annotations

import base64
import io
import json
import os
import platform
import subprocess
import sys
import time
import zlib

BEGIN, END = "=====EDGEQUANT-RESULT-BEGIN=====", "=====EDGEQUANT-RESULT-END====="


def cli_json(*args: str) -> dict:
    proc = subprocess.run([sys.executable, "-m", "edgequant.runtime.cli", *args, "--json"], capture_output=True,
                          text=True)
    try:
        return {"exit_code": proc.returncode, **json.loads(proc.stdout)}
    except json.JSONDecodeError:
        return {"exit_code": proc.returncode, "stdout": proc.stdout[-2000:], "stderr": proc.stderr[-2000:]}


def main() -> None:
    started = time.perf_counter()
    import numpy as np

    from edgequant.runtime import load
    from edgequant.runtime.manifest import load_manifest

    root = sys.argv[1]
    with open("/proc/cpuinfo") as f:
        features = sorted({flag for line in f if line.lower().startswith("features")
                           for flag in line.split(":", 1)[1].split()})
    out: dict = {"machine": platform.machine(), "python": platform.python_version(), "numpy": np.__version__,
                 "cpuinfo_features": features,
                 "doctor": cli_json("doctor"), "bundles": {}}
    arrays = {}
    for name in sorted(os.listdir(f"{root}/models")):
        bundle = f"{root}/models/{name}"
        slice_ = np.load(f"{root}/slices/{name}.npy")
        entry = {"verify": cli_json("verify", bundle), "artifacts": {}}
        for fmt in load_manifest(bundle).artifacts:
            t = time.perf_counter()
            model = load(bundle, format=fmt)
            probs = model.predict(slice_)
            entry["artifacts"][fmt] = {"backend": model.backend_module_name, "version": model.backend_version,
                                       "seconds": time.perf_counter() - t}
            arrays[f"{name}/{fmt}/probs"] = probs
            if model.input_info.scale is not None:  # raw int8 codes: the bit-exact comparison
                arrays[f"{name}/{fmt}/raw"] = model.raw_output(slice_)
        out["bundles"][name] = entry
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    out["arrays_npz_b64"] = base64.b64encode(zlib.compress(buf.getvalue(), 6)).decode()
    out["guest_seconds"] = time.perf_counter() - started
    text = base64.b64encode(json.dumps(out).encode()).decode()
    print(BEGIN, flush=True)
    for i in range(0, len(text), 76):
        print(text[i:i + 76], flush=True)
    print(END, flush=True)


if __name__ == "__main__":
    main()
