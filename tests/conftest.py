"""Shared fixtures: real datasets from EDGEQUANT_DATA, short training runs and bundles built once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
MODELS = REPO / "models"
# Short settings: enough for every model to learn something, quick on 2 cores.
SHORT = {
    "breast-cancer": {"epochs": 20, "limit": None},
    "mnist": {"epochs": 1, "limit": 12000},
    "fashion-mnist": {"epochs": 1, "limit": 6000},
}

if "EDGEQUANT_DATA" not in os.environ:
    os.environ["EDGEQUANT_DATA"] = str(REPO.parent / "shared" / "datasets")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ["EDGEQUANT_OFFLINE"] = "1"  # tests must never download


@pytest.fixture(scope="session")
def data_dir() -> Path:
    path = Path(os.environ["EDGEQUANT_DATA"])
    if not (path / "mnist").is_dir():
        pytest.fail(f"EDGEQUANT_DATA={path} does not hold mnist/ and fashion-mnist/ IDX files")
    return path


@pytest.fixture(scope="session")
def short_runs(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Path:
    """runs/<name>/ for all three models, trained briefly."""
    from edgequant.train.registry import REGISTRY
    from edgequant.train.trainer import train_model

    root = tmp_path_factory.mktemp("runs")
    for name, spec in REGISTRY.items():
        train_model(spec, out_dir=root / name, seed=0, cross_validation=False, **SHORT[name])
    return root


@pytest.fixture(scope="session")
def short_bundles(tmp_path_factory: pytest.TempPathFactory, short_runs: Path) -> Path:
    """models/<name>/ exported from the short runs through the default parity gate."""
    from edgequant.export.bundle import export_bundle
    from edgequant.train.registry import REGISTRY

    root = tmp_path_factory.mktemp("models")
    for name, spec in REGISTRY.items():
        export_bundle(spec, run_dir=short_runs / name, out_dir=root / name, calibration_size=200)
    return root


@pytest.fixture(scope="session")
def released() -> Path:
    """The committed bundles in models/."""
    if not (MODELS / "mnist" / "manifest.json").is_file():
        pytest.fail("models/ has no released bundles; run `edgequant pipeline` (or train + export)")
    return MODELS
