"""Train one registered model and write its run folder (model, metrics, report, plots)."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from edgequant.runtime import preprocessing
from edgequant.runtime.fsutil import atomic_write_json
from edgequant.runtime.metrics import classification_summary
from edgequant.train.datasets import Dataset, load_dataset
from edgequant.train.registry import DEFAULT_SEED, ModelSpec

CV_FOLDS = 5
CV_REPEATS = 2


@dataclass
class TrainResult:
    out_dir: Path
    metrics: dict[str, Any]


def library_versions() -> dict[str, str]:
    """Versions that decide a run's numbers, recorded in every metrics.json and manifest."""
    from importlib import metadata

    versions = {}
    for dist in ("edgequant", "tensorflow-cpu", "tensorflow", "keras", "numpy", "scikit-learn",
                 "tf2onnx", "onnx", "onnxruntime", "ai-edge-litert"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return versions


def seed_everything(seed: int) -> None:
    """Same seed, same weights: seeds Python, numpy and TF and makes TF ops deterministic."""
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def to_tensor(spec: ModelSpec, pre: dict[str, Any], raw: np.ndarray) -> np.ndarray:
    """Raw samples to the float tensor the Keras model takes."""
    return preprocessing.apply(pre, raw).reshape((-1, *spec.input_shape))


def _compiled(spec: ModelSpec) -> Any:
    model = spec.build()
    model.compile(optimizer=spec.train.optimizer, loss=spec.train.loss, metrics=["accuracy"])
    return model


def _progress_callback(progress: Any, task: Any) -> Any:
    import keras

    class EpochProgress(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            logs = logs or {}
            shown = " ".join(f"{k}={v:.4f}" for k, v in logs.items() if "accuracy" in k)
            progress.update(task, advance=1, description=f"{progress.tasks[task].fields['name']} {shown}")

    return EpochProgress()


def _fit(spec: ModelSpec, x: np.ndarray, y: np.ndarray, *, epochs: int, callbacks: list) -> tuple[Any, dict]:
    model = _compiled(spec)
    history = model.fit(x, y, epochs=epochs, batch_size=spec.train.batch_size,
                        validation_split=spec.train.validation_split, verbose=0, callbacks=callbacks)
    return model, {k: [float(v) for v in vals] for k, vals in history.history.items()}


def cross_validate(spec: ModelSpec, data: Dataset, *, epochs: int, seed: int) -> dict[str, Any]:
    """Repeated stratified k-fold on the training part; the scaler is refit inside every fold."""
    from sklearn.model_selection import RepeatedStratifiedKFold

    folds = RepeatedStratifiedKFold(n_splits=CV_FOLDS, n_repeats=CV_REPEATS, random_state=seed)
    scores = []
    for train_idx, val_idx in folds.split(data.x_train, data.y_train):
        pre = spec.fit_preprocessing(data.x_train[train_idx])
        model, _ = _fit(spec, to_tensor(spec, pre, data.x_train[train_idx]), data.y_train[train_idx],
                        epochs=epochs, callbacks=[])
        # A direct call: model.predict retraces for every new fold model and floods the log with warnings.
        probs = np.asarray(model(to_tensor(spec, pre, data.x_train[val_idx]), training=False))
        scores.append(float(np.mean(np.argmax(probs, axis=1) == data.y_train[val_idx])))
    return {"folds": CV_FOLDS, "repeats": CV_REPEATS, "scores": scores,
            "mean": float(np.mean(scores)), "std": float(np.std(scores))}


def train_model(spec: ModelSpec, *, out_dir: str | os.PathLike, epochs: int | None = None, seed: int = DEFAULT_SEED,
                data_dir: str | os.PathLike | None = None, limit: int | None = None,
                cross_validation: bool = True, progress: Any = None) -> TrainResult:
    """Train ``spec`` and write model.keras, metrics.json, report.md and the plots into ``out_dir``."""
    from edgequant.train import reports

    started = time.perf_counter()
    data = load_dataset(spec.dataset, data_dir=data_dir)
    x_train_raw, y_train = data.x_train, data.y_train
    if limit:
        x_train_raw, y_train = x_train_raw[:limit], y_train[:limit]
    epochs = epochs or spec.train.epochs
    seed_everything(seed)
    pre = spec.fit_preprocessing(x_train_raw)

    callbacks = []
    if progress is not None:
        task = progress.add_task(spec.name, total=epochs, name=spec.name)
        callbacks.append(_progress_callback(progress, task))
    model, history = _fit(spec, to_tensor(spec, pre, x_train_raw), y_train, epochs=epochs, callbacks=callbacks)
    probs = model.predict(to_tensor(spec, pre, data.x_test), verbose=0)
    summary = classification_summary(data.y_test, probs)

    cv = None
    if cross_validation and spec.cv_floor is not None:
        cv = cross_validate(spec, data, epochs=epochs, seed=seed)

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tmp_model = out / ".model.keras.tmp.keras"  # Keras insists on the .keras suffix
    model.save(tmp_model)
    os.replace(tmp_model, out / "model.keras")
    metrics = {
        "model": spec.name, "dataset": spec.dataset, "dataset_source": data.source,
        "test_samples": int(len(data.y_test)), "train_samples": int(len(y_train)),
        "test_accuracy": summary["accuracy"], "accuracy_floor": spec.accuracy_floor,
        "meets_floor": summary["accuracy"] >= spec.accuracy_floor,
        "published": {"accuracy": spec.published.accuracy, "what": spec.published.what,
                      "source": spec.published.source},
        "per_class": summary["per_class"], "confusion_matrix": summary["confusion_matrix"],
        "labels": list(spec.labels), "history": history, "epochs": epochs, "seed": seed,
        "limit": limit, "cross_validation": cv, "preprocessing": pre,
        "parameters": int(model.count_params()), "versions": library_versions(),
        "wall_time_s": round(time.perf_counter() - started, 2),
    }
    if cv is not None:
        metrics["meets_cv_floor"] = cv["mean"] >= spec.cv_floor
    reports.write_all(out, spec, data, probs, metrics)
    atomic_write_json(out / "metrics.json", metrics)  # last: a run with metrics.json is complete
    return TrainResult(out, metrics)
