"""Export one trained model into a bundle: four artifacts, parity gate, repair, manifest last.

Everything is built in a staging folder beside the target. Only a bundle that
passes the gate replaces the old one, by renaming folders, so a failed or
killed export never touches the previous good bundle.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from edgequant.export import manifest_writer, onnx, onnx_int8, parity, tflite
from edgequant.export.artifact import Artifact, ExportSource
from edgequant.export.heads import HEAD_ACTIVATIONS, TIE_RATE_LIMIT, head_activation, logits_model
from edgequant.runtime.errors import ExportError, ParityError
from edgequant.runtime.fsutil import atomic_write_bytes, atomic_write_json, atomic_write_text, remove_stray_temps
from edgequant.train.datasets import Dataset, load_dataset
from edgequant.train.registry import ModelSpec
from edgequant.train.trainer import library_versions, to_tensor

Exporter = Callable[..., Artifact]
# Order matters only for reading: float references first.
EXPORTERS: dict[str, Exporter] = {
    "f32": tflite.export_f32,
    "onnx": onnx.export,
    "int8": tflite.export_int8,
    "onnx-int8": onnx_int8.export,
}
REPAIRABLE = ("int8", "onnx-int8")


@dataclass
class ExportResult:
    bundle_dir: Path
    report: parity.ParityReport
    seconds: float


def load_run(run_dir: Path) -> tuple[Any, dict[str, Any]]:
    """The trained Keras model and its metrics.json from ``edgequant train``."""
    metrics_path, model_path = run_dir / "metrics.json", run_dir / "model.keras"
    if not metrics_path.is_file() or not model_path.is_file():
        raise ExportError(f"no trained model in {run_dir}", expected="model.keras and metrics.json",
                          got="a missing or incomplete run folder",
                          fix=f"run `edgequant train {run_dir.name}` first, or pass --runs DIR")
    import keras

    return keras.models.load_model(model_path), json.loads(metrics_path.read_text())


def calibration_sample(spec: ModelSpec, pre: dict[str, Any], data: Dataset, *, size: int,
                       seed: int) -> np.ndarray:
    """A seeded random sample of training inputs, preprocessed exactly as in training."""
    rng = np.random.default_rng(seed)
    idx = rng.choice(len(data.x_train), size=min(size, len(data.x_train)), replace=False)
    return to_tensor(spec, pre, data.x_train[np.sort(idx)])


def staging_dir(target: Path) -> Path:
    return target.parent / f".{target.name}.staging-{os.getpid()}"


def recover(target: Path) -> list[Path]:
    """Clean up after a killed export: drop stale staging folders and temp files, restore a bundle
    left mid-swap."""
    removed = remove_stray_temps(target.parent) + remove_stray_temps(target)
    for stale in target.parent.glob(f".{target.name}.staging-*"):
        shutil.rmtree(stale, ignore_errors=True)
        removed.append(stale)
    olds = sorted(target.parent.glob(f".{target.name}.old-*"), key=lambda p: p.stat().st_mtime)
    if olds and not target.exists():
        os.replace(olds.pop(), target)  # the swap was interrupted between its two renames
    for old in olds:
        shutil.rmtree(old, ignore_errors=True)
        removed.append(old)
    return removed


def swap_in(staging: Path, target: Path) -> None:
    """Replace ``target`` with ``staging`` by two renames; the old bundle is deleted only after."""
    old = target.parent / f".{target.name}.old-{os.getpid()}"
    if target.exists():
        os.replace(target, old)
    os.replace(staging, target)
    shutil.rmtree(old, ignore_errors=True)


class _Exporter:
    """State for one export: data, reference outputs, staging folder."""

    def __init__(self, spec: ModelSpec, model: Any, pre: dict[str, Any], data: Dataset, staging: Path,
                 calibration: np.ndarray, gate: parity.Gate, training: dict[str, Any]) -> None:
        self.spec, self.pre, self.data, self.staging = spec, pre, data, staging
        self.calibration, self.gate, self.training = calibration, gate, training
        self.activation = head_activation(model)
        self.reference = model.predict(to_tensor(spec, pre, data.x_test), verbose=0, batch_size=1024)
        self.sources = {"probabilities": ExportSource(model, spec.input_shape, spec.raw_dtype,
                                                      "probabilities", self.activation)}
        if self.activation in HEAD_ACTIVATIONS:
            self.sources["logits"] = ExportSource(logits_model(model), spec.input_shape, spec.raw_dtype,
                                                  "logits", self.activation)
        self.artifacts: dict[str, Artifact] = {}
        self.versions = library_versions()  # read once: the manifest is rewritten after every check

    def export(self, fmt: str, head: str) -> Artifact:
        artifact = EXPORTERS[fmt](self.sources[head], self.staging, calibration=self.calibration)
        self.artifacts[fmt] = artifact
        return artifact

    def write_manifest(self, *, final: bool = False, **extra: Any) -> dict[str, Any]:
        """Write manifest.json into the staging folder; ``final`` adds tensor details, golden and parity."""
        from edgequant.runtime import load

        n_labels = len(self.spec.labels)
        entries = {fmt: manifest_writer.basic_entry(art, n_labels) for fmt, art in self.artifacts.items()}
        manifest = manifest_writer.build(self.spec, self.pre, entries, versions=self.versions,
                                         training=self.training)
        manifest_writer.write(self.staging, manifest)
        if final:
            outputs = {}
            for fmt, entry in entries.items():
                model = load(self.staging, format=fmt)
                entries[fmt] = manifest_writer.full_entry(entry, model.input_info, model.output_info, model.ops)
                outputs[fmt] = model.predict(self.data.x_test[:manifest_writer.GOLDEN_SAMPLES])
            manifest["golden"] = manifest_writer.golden(self.data.x_test, outputs)
            manifest.update(extra)
            manifest_writer.write(self.staging, manifest)
        return manifest

    def check(self, fmt: str) -> parity.ArtifactParity:
        self.write_manifest()
        return parity.evaluate(self.staging, fmt, self.data.x_test, self.data.y_test, self.reference, self.gate)

    def export_checked(self, fmt: str) -> parity.ArtifactParity:
        """Export ``fmt``; for an int8 artifact whose head ties (or misses the gate), try logits instead
        and keep whichever is better, recording the attempt either way."""
        self.export(fmt, "probabilities")
        naive = self.check(fmt)
        saturating = naive.tie_rate > TIE_RATE_LIMIT
        if fmt not in REPAIRABLE or "logits" not in self.sources or (naive.passed and not saturating):
            return naive
        naive_artifact = self.artifacts[fmt]
        naive_bytes = naive_artifact.path.read_bytes()
        self.export(fmt, "logits")
        repaired = self.check(fmt)
        applied = repair_helps(naive, repaired)
        why = (f"The naive {self.activation} head's top scores tie on {naive.tie_rate * 100:.2f}% of test samples."
               if saturating else f"The naive head failed the gate ({'; '.join(naive.failures)}).")
        record = {"applied": applied, "activation": self.activation,
                  "naive_accuracy": naive.accuracy, "naive_agreement": naive.agreement,
                  "naive_tie_rate": naive.tie_rate, "naive_failures": naive.failures,
                  "logits_accuracy": repaired.accuracy, "logits_agreement": repaired.agreement,
                  "logits_tie_rate": repaired.tie_rate}
        if applied:
            record["reason"] = (why + " Its quantized outputs step by 1/256, so confident scores collapse onto "
                                "the same code; logits keep them apart.")
            repaired.repair = record
            return repaired
        # The logits tie just as often: the ties come from the logits' own quantization step, which a
        # float activation cannot undo. Keep the model's own head; say so in the report.
        atomic_write_bytes(naive_artifact.path, naive_bytes)
        self.artifacts[fmt] = naive_artifact
        record["reason"] = (why + f" Exporting logits did not help (agreement {repaired.agreement * 100:.2f}%, "
                            f"ties {repaired.tie_rate * 100:.2f}%): the ties come from the logits' quantization "
                            "step, not from the head, so the model's own head was kept.")
        naive.repair = record
        return naive


def repair_helps(naive: parity.ArtifactParity, repaired: parity.ArtifactParity) -> bool:
    """Keep the logits export only if it passes and beats the naive head on agreement or ties."""
    if not repaired.passed:
        return False
    if not naive.passed:
        return True
    return repaired.agreement > naive.agreement or repaired.tie_rate < naive.tie_rate * 0.5


def export_bundle(spec: ModelSpec, *, run_dir: Path, out_dir: Path, calibration_size: int = 500,
                  seed: int = 0, gate: parity.Gate | None = None, data_dir: str | os.PathLike | None = None,
                  on_step: Callable[[str], None] | None = None) -> ExportResult:
    """Export ``spec`` from ``run_dir`` into the bundle ``out_dir``; raise ParityError if the gate fails."""
    started = time.perf_counter()
    gate = gate or parity.Gate()
    step = on_step or (lambda _msg: None)
    model, metrics = load_run(run_dir)
    pre = metrics["preprocessing"]
    data = load_dataset(spec.dataset, data_dir=data_dir)
    calibration = calibration_sample(spec, pre, data, size=calibration_size, seed=seed)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    recover(out_dir)
    staging = staging_dir(out_dir)
    staging.mkdir()
    training = {k: metrics.get(k) for k in ("epochs", "seed", "limit", "test_accuracy", "train_samples",
                                            "accuracy_floor", "meets_floor", "published", "wall_time_s")}
    cv = metrics.get("cross_validation")
    training["cross_validation_mean"] = cv["mean"] if cv else None
    training["cv_floor"] = spec.cv_floor
    try:
        job = _Exporter(spec, model, pre, data, staging, calibration, gate, training)
        report = parity.ParityReport(spec.name, int(len(data.y_test)),
                                     float(np.mean(job.reference.argmax(1) == data.y_test)), gate,
                                     {"samples": int(len(calibration)), "seed": seed})
        for fmt in EXPORTERS:
            step(f"{spec.name}: {fmt}")
            report.artifacts[fmt] = job.export_checked(fmt)
        atomic_write_json(staging / "parity.json", report.to_dict())
        atomic_write_text(staging / "parity.md", parity.to_markdown(report))
        if not report.passed:
            error = ParityError(f"{spec.name} failed the parity gate", expected="every artifact within the gate",
                              got="; ".join(report.failures()),
                              fix="see the report above; retrain, or loosen the gate with --max-drop/"
                                  "--min-agreement if the loss is acceptable. The previous bundle is unchanged")
            error.report = report
            raise error
        step(f"{spec.name}: manifest")
        job.write_manifest(final=True, parity=_parity_summary(report))
        swap_in(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return ExportResult(out_dir, report, time.perf_counter() - started)


def _parity_summary(report: parity.ParityReport) -> dict[str, Any]:
    return {"passed": report.passed, "reference_accuracy": report.reference_accuracy,
            "test_samples": report.test_samples, "gate": report.to_dict()["gate"],
            "artifacts": {fmt: {"accuracy": a.accuracy, "agreement": a.agreement,
                                "max_abs_prob_diff": a.max_abs_prob_diff,
                                "repaired": bool(a.repair and a.repair["applied"])}
                          for fmt, a in report.artifacts.items()}}
