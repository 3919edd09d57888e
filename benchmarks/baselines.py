"""Baselines measured in the same run: the bare interpreter loop (in-process), and, in fresh
subprocesses so nothing leaks into the runtime's numbers, cold start, TensorFlow's import and
the Keras model itself.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np

from edgequant.runtime.model import Model
from edgequant.runtime.preprocessing import apply as preprocess


def model_tensor(model: Model, raw: np.ndarray) -> np.ndarray:
    """The input exactly as the model takes it (pre-quantized for int8), done outside the timed loop."""
    info = model.input_info
    tensor = preprocess(model.manifest.preprocessing, raw).reshape((-1, *model.manifest.input["tensor_shape"]))
    if info.scale is None:
        return tensor.astype(info.dtype)
    q = np.iinfo(info.dtype)
    return np.clip(np.rint(tensor / info.scale + info.zero_point), q.min, q.max).astype(info.dtype)


def bare_callable(model: Model, raw_batch: np.ndarray, threads: int | None) -> Any:
    """set_tensor / invoke / get_tensor (or session.run) on the same artifact, input already in the model's dtype."""
    tensor = model_tensor(model, raw_batch)
    invoke = _raw_invoker(model, threads, tensor.shape[0])
    return lambda: invoke(tensor)


def numpy_loop_callable(model: Model, raw_batch: np.ndarray, threads: int | None) -> Any:
    """The straightforward version of the runtime's job, for comparison: float preprocessing, quantize,
    set_tensor / invoke / get_tensor, dequantize and activation, each as plain numpy on every call."""
    pre, shape = model.manifest.preprocessing, (-1, *model.manifest.input["tensor_shape"])
    inp, out = model.input_info, model.output_info
    activation = model.artifact["output"]["activation"]
    run = _raw_invoker(model, threads, raw_batch.shape[0])

    def naive() -> np.ndarray:
        x = preprocess(pre, raw_batch).reshape(shape)
        if inp.scale is not None:
            q = np.iinfo(inp.dtype)
            x = np.clip(np.round(x / inp.scale + inp.zero_point), q.min, q.max).astype(inp.dtype)
        y = run(x).astype(np.float32)
        if out.scale is not None:
            y = (y - out.zero_point) * out.scale
        if activation == "sigmoid":
            y = 1 / (1 + np.exp(-y))
        elif activation == "softmax":
            y = np.exp(y - y.max(axis=-1, keepdims=True))
            y = y / y.sum(axis=-1, keepdims=True)
        return y

    return naive


def _raw_invoker(model: Model, threads: int | None, batch: int) -> Any:
    """A function model-dtype tensor -> raw output, on a private interpreter/session."""
    data = model.manifest.path_of(model.format.name).read_bytes()
    if model.format.kind == "tflite":
        import importlib

        interpreter = importlib.import_module(model.backend_module_name).Interpreter(model_content=data,
                                                                                     num_threads=threads)
        index_in, index_out = model.input_info.index, model.output_info.index
        if batch != 1 or model.input_info.shape[0] == -1:
            interpreter.resize_tensor_input(index_in, [batch, *model.input_info.shape[1:]], strict=True)
        interpreter.allocate_tensors()

        def invoke(x: np.ndarray) -> np.ndarray:
            interpreter.set_tensor(index_in, x)
            interpreter.invoke()
            return interpreter.get_tensor(index_out)

        return invoke
    import onnxruntime

    from edgequant.runtime.backends import ort_session

    session = ort_session(onnxruntime, data, threads)
    name, fetch = session.get_inputs()[0].name, [session.get_outputs()[0].name]
    return lambda x: session.run(fetch, {name: x})[0]


# ru_maxrss survives execve (a child of a big parent reports the parent's peak), so read VmHWM.
PEAK_RSS = r"""
def peak_rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
"""

COLD_START = PEAK_RSS + r"""
import json, sys, time
t0 = time.perf_counter()
import numpy as np
from edgequant.runtime import load
t1 = time.perf_counter()
model = load(sys.argv[1], format=sys.argv[2], threads=1)
t2 = time.perf_counter()
model.predict(np.zeros(model.raw_shape, dtype=model.raw_dtype))
t3 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "load_s": t2 - t1, "first_inference_s": t3 - t2, "total_s": t3 - t0,
                  "peak_rss_mb": peak_rss_mb(), "tensorflow_imported": "tensorflow" in sys.modules}))
"""

TF_IMPORT = PEAK_RSS + r"""
import json, time
t0 = time.perf_counter()
import tensorflow as tf
t1 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "peak_rss_mb": peak_rss_mb()}))
"""

KERAS = r"""
import json, os, sys, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import keras, tensorflow as tf
from edgequant.benchmarks.timing import summarize, time_calls
args = json.loads(sys.argv[1])
tf.config.threading.set_intra_op_parallelism_threads(args["threads"])
tf.config.threading.set_inter_op_parallelism_threads(1)
model = keras.models.load_model(args["model"])
out = {}
for batch, path in args["inputs"].items():
    x = np.load(path)
    out[batch] = {}
    for kind, fn in (("keras_predict", lambda: model.predict(x, verbose=0)),
                     ("keras_call", lambda: model(x, training=False))):
        for _ in range(3):
            fn()
        out[batch][kind] = summarize(time_calls(fn, runs=args["runs"], min_seconds=args["min_seconds"])).to_dict()
print(json.dumps(out))
"""

SOAK = PEAK_RSS + r"""
import json, sys, time
import numpy as np
from edgequant.runtime import load
def rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
args = json.loads(sys.argv[1])
model = load(args["bundle"], format=args["format"], threads=1)
x = np.load(args["input"])
n = len(x)
for i in range(args["warmup"]):
    model.predict(x[i % n])
before = rss_mb()
t0 = time.perf_counter()
for i in range(args["calls"]):
    model.predict(x[i % n])
seconds = time.perf_counter() - t0
after = rss_mb()
print(json.dumps({"format": args["format"], "backend": model.backend_module_name, "warmup_calls": args["warmup"],
                  "calls": args["calls"], "seconds": seconds, "rss_before_mb": before, "rss_after_mb": after,
                  "rss_growth_mb": after - before, "peak_rss_mb": peak_rss_mb()}))
"""


def _python_json(code: str, *args: str, timeout: float = 600) -> dict[str, Any] | None:
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def cold_start(bundle: Path, fmt: str) -> dict[str, Any] | None:
    """Import + load + allocate + first inference in a fresh process, with its peak RSS."""
    return _python_json(COLD_START, str(bundle), fmt)


def tensorflow_import() -> dict[str, Any] | None:
    """What importing TensorFlow alone costs, for comparison; None when it is not installed."""
    import importlib.util

    return _python_json(TF_IMPORT) if importlib.util.find_spec("tensorflow") else None


def keras_latency(keras_model: Path, tensors: dict[int, np.ndarray], *, threads: int, runs: int,
                  min_seconds: float, scratch: Path) -> dict[int, dict[str, Any]]:
    """The float Keras model through model.predict and a direct call, per batch, in one TF process."""
    scratch.mkdir(parents=True, exist_ok=True)
    inputs = {}
    for batch, tensor in tensors.items():
        inputs[batch] = str(scratch / f"keras-input-{batch}.npy")
        np.save(inputs[batch], tensor.astype(np.float32))
    args = {"model": str(keras_model), "inputs": inputs, "threads": threads, "runs": runs, "min_seconds": min_seconds}
    out = _python_json(KERAS, json.dumps(args)) or {}
    return {int(batch): stats for batch, stats in out.items()}


def soak(bundle: Path, fmt: str, raw: np.ndarray, *, calls: int, warmup: int, scratch: Path) -> dict[str, Any] | None:
    """RSS growth over ``calls`` single-sample predictions after ``warmup`` calls, in a fresh process."""
    scratch.mkdir(parents=True, exist_ok=True)
    path = scratch / "soak-input.npy"
    np.save(path, raw)
    args = {"bundle": str(bundle), "format": fmt, "input": str(path), "calls": calls, "warmup": warmup}
    return _python_json(SOAK, json.dumps(args), timeout=3600)
