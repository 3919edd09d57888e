"""Build manifest.json (schema in README, "Bundle manifest") from exported artifacts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np

from edgequant.export.artifact import Artifact
from edgequant.runtime.backends import TensorInfo
from edgequant.runtime.formats import FORMATS
from edgequant.runtime.fsutil import atomic_write_json
from edgequant.runtime.manifest import MANIFEST_NAME, SCHEMA_VERSION
from edgequant.runtime.modelfile import sha256_bytes
from edgequant.train.registry import ModelSpec

GOLDEN_SAMPLES = 4


def _quant(info: TensorInfo) -> dict[str, Any] | None:
    if info.scale is None:
        return None
    return {"scale": info.scale, "zero_point": info.zero_point}


def _tensor(info: TensorInfo) -> dict[str, Any]:
    return {"name": info.name, "dtype": str(info.dtype), "shape": list(info.shape),
            "quantization": _quant(info)}


def basic_entry(artifact: Artifact, n_outputs: int) -> dict[str, Any]:
    """What the runtime needs to load a file: enough for the parity run in the staging folder."""
    fmt = FORMATS[artifact.format]
    data = artifact.path.read_bytes()
    return {
        "file": artifact.path.name, "format": fmt.kind, "quantized": fmt.quantized,
        "bytes": len(data), "sha256": sha256_bytes(data),
        "input": {},
        "output": {"shape": [-1, n_outputs], "kind": artifact.head, "activation": artifact.activation},
        "notes": artifact.notes,
    }


def full_entry(basic: dict[str, Any], input_info: TensorInfo, output_info: TensorInfo,
               ops: list[str]) -> dict[str, Any]:
    """Add the tensor names, dtypes, shapes and quantization the loaded artifact reports."""
    entry_in = _tensor(input_info)
    if entry_in["quantization"] is None and basic["notes"].get("input_quantization"):
        entry_in["quantization"] = basic["notes"]["input_quantization"]  # QDQ: inside the graph
    return {**basic, "input": entry_in, "output": {**_tensor(output_info), **{
        k: basic["output"][k] for k in ("kind", "activation")}}, "ops": sorted(set(ops))}


def build(spec: ModelSpec, preprocessing: dict[str, Any], entries: dict[str, dict[str, Any]], *,
          versions: dict[str, str], training: dict[str, Any]) -> dict[str, Any]:
    """The manifest without golden pairs and parity (added once they are measured)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "name": spec.name,
        "task": "classification",
        "labels": list(spec.labels),
        "input": {"raw_shape": list(spec.raw_shape), "raw_dtype": spec.raw_dtype,
                  "tensor_shape": list(spec.input_shape), "dtype": "float32", "layout": spec.layout},
        "preprocessing": preprocessing,
        "dataset": {"name": spec.dataset, "split": "test"},
        "artifacts": entries,
        "golden": None,
        "parity": None,
        "training": training,
        "versions": versions,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }


def golden(x_raw: np.ndarray, outputs: dict[str, np.ndarray]) -> dict[str, Any]:
    """A few raw inputs and each artifact's probabilities for them, so a device can check itself."""
    return {"inputs": x_raw[:GOLDEN_SAMPLES].tolist(),
            "outputs": {fmt: probs[:GOLDEN_SAMPLES].astype(float).tolist() for fmt, probs in outputs.items()},
            "atol": 1e-5}


def write(bundle_dir: Path, manifest: dict[str, Any]) -> Path:
    return atomic_write_json(bundle_dir / MANIFEST_NAME, manifest)
