"""``verify`` and ``eval``: what a device (or CI) runs to trust a bundle, without TensorFlow."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from edgequant.runtime.errors import EdgequantError
from edgequant.runtime.manifest import load_manifest


@dataclass
class Check:
    artifact: str
    check: str
    ok: bool
    detail: str


def verify_bundle(bundle_dir: str | os.PathLike, *, backend: str | None = None) -> list[Check]:
    """Schema, checksums, load, and golden outputs for every artifact. Manifest errors raise."""
    from edgequant.runtime.model import load

    manifest = load_manifest(bundle_dir)
    checks = [Check("-", "manifest schema", True, f"schema v{manifest.data['schema_version']}")]
    golden = manifest.data.get("golden") or {}
    inputs = np.asarray(golden.get("inputs", []), dtype=manifest.input["raw_dtype"])
    atol = float(golden.get("atol", 1e-5))
    for fmt in manifest.artifacts:
        try:
            model = load(bundle_dir, format=fmt, backend=backend, strict=True)
        except EdgequantError as exc:
            checks.append(Check(fmt, "checksum + load", False, exc.one_line()))
            continue
        checks.append(Check(fmt, "checksum + load", True, f"{model.size_bytes:,} B via {model.backend_module_name}"))
        expected = golden.get("outputs", {}).get(fmt)
        if expected is None or not len(inputs):
            checks.append(Check(fmt, "golden outputs", False, "the manifest has no golden pairs"))
            continue
        diff = float(np.max(np.abs(model.predict(inputs) - np.asarray(expected))))
        checks.append(Check(fmt, "golden outputs", diff <= atol, f"max |diff| {diff:.2e} (atol {atol:.0e})"))
    return checks


def claimed_accuracy(bundle_dir: Path) -> dict[str, float]:
    """Accuracy per artifact as the export's parity.json recorded it."""
    path = Path(bundle_dir) / "parity.json"
    if not path.is_file():
        return {}
    data = json.loads(path.read_text())
    return {fmt: a["accuracy"] for fmt, a in data.get("artifacts", {}).items()}


def evaluate_bundle(bundle_dir: str | os.PathLike, *, formats: list[str] | None = None,
                    data_dir: str | os.PathLike | None = None, threads: int | None = None,
                    limit: int | None = None) -> dict[str, Any]:
    """Accuracy of each artifact on the bundle's test set, agreement with the float TFLite artifact."""
    from edgequant.runtime.model import load
    from edgequant.train.datasets import load_dataset

    manifest = load_manifest(bundle_dir)
    data = load_dataset(manifest.data["dataset"]["name"], data_dir=data_dir, download=False)
    x, y = data.x_test[:limit], data.y_test[:limit]
    formats = formats or list(manifest.artifacts)
    claimed = claimed_accuracy(Path(bundle_dir))
    preds = {fmt: load(bundle_dir, format=fmt, threads=threads).predict(x).argmax(axis=1) for fmt in formats}
    reference = preds.get("f32")
    if reference is None and "f32" in manifest.artifacts:
        reference = load(bundle_dir, format="f32", threads=threads).predict(x).argmax(axis=1)
    rows = {}
    for fmt, pred in preds.items():
        accuracy = float(np.mean(pred == y))
        rows[fmt] = {"accuracy": accuracy, "samples": int(len(y)),
                     "agreement_with_f32": None if reference is None else float(np.mean(pred == reference)),
                     "parity_json_accuracy": claimed.get(fmt),
                     "matches_parity_json": None if fmt not in claimed or limit else claimed[fmt] == accuracy}
    return {"bundle": str(bundle_dir), "model": manifest.name, "dataset": data.name,
            "dataset_source": data.source, "artifacts": rows}


def checks_as_dicts(checks: list[Check]) -> list[dict[str, Any]]:
    return [asdict(c) for c in checks]
