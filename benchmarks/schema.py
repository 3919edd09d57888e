"""JSON Schema of `edgequant bench --json` output (schema "edgequant.bench/1"), documented in README."""

from __future__ import annotations

from typing import Any

_NUM = {"type": "number"}
_OPT_NUM = {"type": ["number", "null"]}
LATENCY = {"type": "object", "required": ["calls", "mean", "std", "min", "p50", "p90", "p95", "p99", "p999"],
           "properties": {"calls": {"type": "integer", "minimum": 1}, **{k: _NUM for k in
                                                                         ("mean", "std", "min", "p50", "p90", "p95",
                                                                          "p99", "p999")}}}
ROW = {
    "type": "object",
    "required": ["model", "format", "backend", "threads", "batch", "kind", "latency_s", "per_sample_p50_s",
                 "throughput_sps", "size_bytes", "accuracy", "first_inference_s", "warmup_mean_s"],
    "properties": {
        "model": {"type": "string"}, "format": {"type": "string"}, "backend": {"type": "string"},
        "threads": {"type": "integer", "minimum": 1}, "batch": {"type": "integer", "minimum": 1},
        "kind": {"enum": ["runtime", "bare", "numpy_loop", "keras_predict", "keras_call"]},
        "latency_s": LATENCY, "per_sample_p50_s": _NUM, "throughput_sps": _NUM,
        "size_bytes": {"type": ["integer", "null"]}, "accuracy": _OPT_NUM,
        "first_inference_s": _OPT_NUM, "warmup_mean_s": _OPT_NUM,
        "samples_s": {"type": "array", "items": _NUM},
    },
}
COLD = {"type": ["object", "null"], "required": ["import_s", "peak_rss_mb"],
        "properties": {"import_s": _NUM, "load_s": _NUM, "first_inference_s": _NUM, "total_s": _NUM,
                       "peak_rss_mb": _NUM, "tensorflow_imported": {"type": "boolean"}}}
RATIO = {"type": "object", "required": ["format", "threads", "batch", "overhead_vs_bare"],
         "properties": {k: _OPT_NUM for k in (
"overhead_vs_bare", "numpy_loop_overhead_vs_bare", "speedup_vs_keras_predict",
                                               "speedup_vs_keras_call",
                                               "int8_speedup_vs_f32", "litert_speedup_vs_onnxruntime")}}
BENCH_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "edgequant bench result",
    "type": "object",
    "required": ["schema", "created", "model", "bundle", "settings", "environment", "cold_start", "rows", "ratios",
                 "soak"],
    "properties": {
        "schema": {"const": "edgequant.bench/1"},
        "created": {"type": "string"},
        "model": {"type": "string"},
        "bundle": {"type": "string"},
        "settings": {"type": "object"},
        "environment": {"type": "object", "required": ["host", "cpu", "versions", "xnnpack"],
                        "properties": {"cpu": {"type": "object", "required": ["model", "flags", "cores"]}}},
        "cold_start": {"type": "object", "additionalProperties": COLD},
        "rows": {"type": "array", "items": ROW, "minItems": 1},
        "ratios": {"type": "array", "items": RATIO},
        "soak": {"type": "object"},
    },
}
