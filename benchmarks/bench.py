"""``bench_bundle``: latency, throughput, memory, size and accuracy of a bundle's artifacts,
each beside its baselines (bare interpreter, Keras, TensorFlow import) measured in the same run.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from edgequant.benchmarks import baselines
from edgequant.benchmarks.env import fingerprint
from edgequant.benchmarks.timing import summarize, time_calls, warmup
from edgequant.runtime.checks import claimed_accuracy
from edgequant.runtime.manifest import load_manifest

SCHEMA = "edgequant.bench/1"
CDF_POINTS = 1000


@dataclass(frozen=True)
class Settings:
    formats: tuple[str, ...] | None = None   # None: every artifact in the bundle
    backend: str | None = None
    threads: tuple[int, ...] = (1,)
    batches: tuple[int, ...] = (1, 8, 32, 256)
    runs: int = 200
    warmup: int = 50
    min_seconds: float = 0.5
    keras_model: Path | None = None          # float Keras baseline (needs TensorFlow)
    cold_start: bool = True
    keep_samples: bool = False                # store raw per-call samples (for CDF plots)
    soak_calls: int = 0                       # >0: RSS growth over this many predictions, per backend
    soak_warmup: int = 1000


@dataclass
class BenchResult:
    model: str
    bundle: str
    settings: dict[str, Any]
    environment: dict[str, Any]
    rows: list[dict[str, Any]] = field(default_factory=list)
    cold_start: dict[str, Any] = field(default_factory=dict)
    ratios: list[dict[str, Any]] = field(default_factory=list)
    soak: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"schema": SCHEMA, "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                "model": self.model, "bundle": self.bundle, "settings": self.settings,
                "environment": self.environment, "cold_start": self.cold_start, "rows": self.rows,
                "ratios": self.ratios, "soak": self.soak}


def test_inputs(bundle: Path, batch: int) -> np.ndarray:
    """Real test samples when the dataset is reachable, else the manifest's golden inputs, tiled."""
    from edgequant.runtime.errors import DatasetError
    from edgequant.train.datasets import load_dataset

    manifest = load_manifest(bundle)
    try:
        x = load_dataset(manifest.data["dataset"]["name"], download=False).x_test
    except DatasetError:
        x = np.asarray(manifest.data["golden"]["inputs"])
    x = np.resize(x, (max(batch, 1), *x.shape[1:])).astype(manifest.input["raw_dtype"])
    return x


def _row(model_name: str, fmt: str, backend: str, threads: int, batch: int, kind: str, samples: np.ndarray,
         *, first: float | None, warm: float | None, size: int | None, accuracy: float | None,
         keep: bool) -> dict[str, Any]:
    stats = summarize(samples)
    row = {"model": model_name, "format": fmt, "backend": backend, "threads": threads, "batch": batch,
           "kind": kind, "first_inference_s": first, "warmup_mean_s": warm, "latency_s": stats.to_dict(),
           "per_sample_p50_s": stats.p50 / batch, "throughput_sps": batch / stats.mean,
           "size_bytes": size, "accuracy": accuracy}
    if keep and batch == 1 and kind == "runtime":
        # The latency CDF (batch 1) needs the distribution, not every call: 1,000 evenly spaced quantiles.
        row["samples_s"] = np.quantile(samples, np.linspace(0, 1, CDF_POINTS)).tolist()
    return row


def _measure(fn: Callable[[], object], s: Settings) -> tuple[float, float, np.ndarray]:
    first, warm = warmup(fn, s.warmup)
    return first, warm, time_calls(fn, runs=s.runs, min_seconds=s.min_seconds)


def _ratio(rows: list[dict[str, Any]], **match: Any) -> float | None:
    found = [r for r in rows if all(r.get(k) == v for k, v in match.items())]
    return found[0]["latency_s"]["p50"] if found else None


def compute_ratios(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every runtime row as ratios: over bare, vs Keras, int8 vs f32, LiteRT vs ONNX Runtime."""
    out = []
    for r in (r for r in rows if r["kind"] == "runtime"):
        key = {"threads": r["threads"], "batch": r["batch"]}
        p50 = r["latency_s"]["p50"]

        def over(value: float | None, mine: float = p50) -> float | None:
            return None if value is None else value / mine

        bare = _ratio(rows, kind="bare", format=r["format"], **key)
        naive = _ratio(rows, kind="numpy_loop", format=r["format"], **key)
        float_twin = {"int8": "f32", "onnx-int8": "onnx"}.get(r["format"])
        onnx_twin = {"int8": "onnx-int8", "f32": "onnx"}.get(r["format"])
        out.append({"format": r["format"], **key,
                    "overhead_vs_bare": None if bare is None else p50 / bare,
                    "numpy_loop_overhead_vs_bare": None if bare is None or naive is None else naive / bare,
                    "speedup_vs_keras_predict": over(_ratio(rows, kind="keras_predict", **key)),
                    "speedup_vs_keras_call": over(_ratio(rows, kind="keras_call", **key)),
                    "int8_speedup_vs_f32": over(_ratio(rows, kind="runtime", format=float_twin, **key))
                    if float_twin else None,
                    "litert_speedup_vs_onnxruntime": over(_ratio(rows, kind="runtime", format=onnx_twin, **key))
                    if onnx_twin else None})
    return out


def bench_bundle(bundle: Path, settings: Settings, *, progress: Callable[[str], None] | None = None) -> BenchResult:
    """Measure every (format, threads, batch) configuration of ``bundle`` and its baselines."""
    from edgequant.runtime.model import load

    step = progress or (lambda _msg: None)
    bundle = Path(bundle)
    manifest = load_manifest(bundle)
    formats = list(settings.formats or manifest.artifacts)
    accuracy = claimed_accuracy(bundle)
    result = BenchResult(manifest.name, str(bundle), {k: (str(v) if isinstance(v, Path) else v) for k, v in
                                                       settings.__dict__.items()}, fingerprint())
    inputs = {b: test_inputs(bundle, b) for b in settings.batches}
    for fmt in formats:
        for threads in settings.threads:
            model = load(bundle, format=fmt, backend=settings.backend, threads=threads)
            for batch in settings.batches:
                step(f"{manifest.name} {fmt} t{threads} b{batch}")
                raw = inputs[batch][0] if batch == 1 else inputs[batch]  # batch 1: one raw sample, as apps call it
                first, warm, samples = _measure(lambda m=model, x=raw: m.predict(x), settings)
                result.rows.append(_row(manifest.name, fmt, model.backend_module_name, threads, batch, "runtime",
                                        samples, first=first, warm=warm, size=model.size_bytes,
                                        accuracy=accuracy.get(fmt), keep=settings.keep_samples))
                for kind, make in (("bare", baselines.bare_callable), ("numpy_loop", baselines.numpy_loop_callable)):
                    first, warm, samples = _measure(make(model, inputs[batch], threads), settings)
                    result.rows.append(_row(manifest.name, fmt, model.backend_module_name, threads, batch, kind,
                                            samples, first=first, warm=warm, size=model.size_bytes, accuracy=None,
                                            keep=settings.keep_samples))
    if settings.keras_model is not None and Path(settings.keras_model).is_file():
        _keras_rows(result, bundle, settings, inputs, step)
    if settings.cold_start:
        for fmt in formats:
            step(f"{manifest.name} cold start {fmt}")
            result.cold_start[fmt] = baselines.cold_start(bundle, fmt)
        step("tensorflow import")
        result.cold_start["tensorflow_import"] = baselines.tensorflow_import()
    if settings.soak_calls:
        with tempfile.TemporaryDirectory(prefix="edgequant-soak-") as scratch:
            for fmt in (f for f in ("int8", "onnx-int8") if f in formats):  # one artifact per backend
                step(f"{manifest.name} soak {fmt}: {settings.soak_calls:,} calls")
                result.soak[fmt] = baselines.soak(bundle, fmt, inputs[max(settings.batches)],
                                                  calls=settings.soak_calls, warmup=settings.soak_warmup,
                                                  scratch=Path(scratch))
    result.ratios = compute_ratios(result.rows)
    return result


def _keras_rows(result: BenchResult, bundle: Path, settings: Settings, inputs: dict[int, np.ndarray],
                step: Callable[[str], None]) -> None:
    from edgequant.runtime.preprocessing import apply as preprocess

    manifest = load_manifest(bundle)
    tensors = {b: preprocess(manifest.preprocessing, x).reshape((-1, *manifest.input["tensor_shape"]))
               for b, x in inputs.items()}
    with tempfile.TemporaryDirectory(prefix="edgequant-bench-") as scratch:
        for threads in settings.threads:
            step(f"{manifest.name} keras baseline, {threads} thread(s)")
            stats = baselines.keras_latency(Path(settings.keras_model), tensors, threads=threads,
                                            runs=max(10, settings.runs // 10), min_seconds=settings.min_seconds,
                                            scratch=Path(scratch))
            for batch, kinds in stats.items():
                for kind, lat in kinds.items():
                    result.rows.append({"model": manifest.name, "format": "keras", "backend": "tensorflow",
                                        "threads": threads, "batch": batch, "kind": kind, "first_inference_s": None,
                                        "warmup_mean_s": None, "latency_s": lat,
                                        "per_sample_p50_s": lat["p50"] / batch, "throughput_sps": batch / lat["mean"],
                                        "size_bytes": None, "accuracy": None})
