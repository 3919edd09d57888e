"""Short training runs of every model: outputs, metrics, floors, determinism."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from edgequant.train.registry import REGISTRY

SHORT_FLOORS = {"breast-cancer": 0.90, "mnist": 0.90, "fashion-mnist": 0.70}
OUTPUTS = ("model.keras", "metrics.json", "report.md", "curves.png", "confusion.png", "eda.png")


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_short_run_writes_everything(short_runs: Path, name: str) -> None:
    run = short_runs / name
    for output in OUTPUTS:
        assert (run / output).is_file() and (run / output).stat().st_size > 0, output
    assert (run / "curves.png").read_bytes().startswith(b"\x89PNG")
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["test_accuracy"] >= SHORT_FLOORS[name]
    assert metrics["test_samples"] == {"breast-cancer": 114}.get(name, 10000)
    cm = np.array(metrics["confusion_matrix"])
    assert cm.sum() == metrics["test_samples"]
    assert np.trace(cm) / cm.sum() == pytest.approx(metrics["test_accuracy"])
    assert len(metrics["per_class"]["f1"]) == len(REGISTRY[name].labels)
    assert "tensorflow-cpu" in metrics["versions"] or "tensorflow" in metrics["versions"]
    report = (run / "report.md").read_text()
    assert "precision    recall  f1-score   support" in report and "| test index |" in report


def test_same_seed_same_model(tmp_path: Path) -> None:
    from edgequant.train.trainer import train_model

    spec = REGISTRY["breast-cancer"]
    runs = [train_model(spec, out_dir=tmp_path / str(i), epochs=3, seed=7, cross_validation=False)
            for i in range(2)]
    assert runs[0].metrics["history"] == runs[1].metrics["history"]
    other = train_model(spec, out_dir=tmp_path / "other", epochs=3, seed=8, cross_validation=False)
    assert other.metrics["history"] != runs[0].metrics["history"]


def test_breast_cancer_cross_validation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from edgequant.train import trainer

    monkeypatch.setattr(trainer, "CV_REPEATS", 1)
    result = trainer.train_model(REGISTRY["breast-cancer"], out_dir=tmp_path, epochs=5, seed=0)
    cv = result.metrics["cross_validation"]
    assert cv["folds"] == 5 and len(cv["scores"]) == 5
    assert 0.8 < cv["mean"] <= 1.0
    assert "CV" in (tmp_path / "report.md").read_text()
