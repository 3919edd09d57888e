"""Export: every format, the manifest contract, the gate failing loudly, the repair, atomicity."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from edgequant.export import bundle as bundle_module
from edgequant.export.bundle import export_bundle
from edgequant.export.parity import Gate
from edgequant.runtime import load
from edgequant.runtime.checks import verify_bundle
from edgequant.runtime.errors import ExportError, ParityError
from edgequant.runtime.formats import FORMATS
from edgequant.runtime.manifest import load_manifest
from edgequant.train.registry import REGISTRY


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_format_exports_and_loads(short_bundles: Path, name: str) -> None:
    bundle = short_bundles / name
    manifest = load_manifest(bundle)
    assert set(manifest.artifacts) == set(FORMATS)
    for fmt, entry in manifest.artifacts.items():
        data = (bundle / entry["file"]).read_bytes()
        assert entry["bytes"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        model = load(bundle, format=fmt)
        probs = model.predict(np.asarray(manifest.data["golden"]["inputs"], dtype=manifest.input["raw_dtype"]))
        np.testing.assert_allclose(probs, manifest.data["golden"]["outputs"][fmt], atol=1e-5)
    assert manifest.artifacts["int8"]["input"]["dtype"] in ("uint8", "int8")
    assert manifest.artifacts["int8"]["output"]["dtype"] == "int8"
    assert all(c.ok for c in verify_bundle(bundle))


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_parity_files_agree_with_manifest(short_bundles: Path, name: str) -> None:
    bundle = short_bundles / name
    report = json.loads((bundle / "parity.json").read_text())
    manifest = load_manifest(bundle).data
    assert report["passed"] and manifest["parity"]["passed"]
    assert report["test_samples"] == {"breast-cancer": 114}.get(name, 10000)
    for fmt, art in report["artifacts"].items():
        assert art["agreement"] >= 0.99 and art["accuracy_delta"] >= -0.005
        assert manifest["parity"]["artifacts"][fmt]["accuracy"] == art["accuracy"]
    assert "Quantization diagnostics" in (bundle / "parity.md").read_text()
    assert manifest["versions"]["tf2onnx"] and manifest["created"]


def test_sigmoid_head_is_repaired(short_bundles: Path) -> None:
    report = json.loads((short_bundles / "mnist" / "parity.json").read_text())
    for fmt in ("int8", "onnx-int8"):
        art = report["artifacts"][fmt]
        assert art["repair"]["applied"] and art["head"] == "logits"
        assert art["repair"]["naive_tie_rate"] > art["tie_rate"]
        assert "sigmoid" in art["repair"]["reason"]
    entry = load_manifest(short_bundles / "mnist").artifacts["int8"]
    assert entry["output"]["kind"] == "logits" and entry["output"]["activation"] == "sigmoid"


def _parity(agreement: float, ties: float, failures: list[str] | None = None):
    from edgequant.export.parity import ArtifactParity

    return ArtifactParity("int8", 0.9, 0.0, agreement, 0.1, [], [], ties, 1, "x", failures or [])


def test_repair_is_kept_only_when_it_helps() -> None:
    from edgequant.export.bundle import repair_helps

    assert repair_helps(_parity(0.96, 0.09, ["agreement"]), _parity(0.998, 0.003))  # the MNIST sigmoid case
    assert not repair_helps(_parity(0.9927, 0.0138), _parity(0.9927, 0.0138))  # softmax: same ties either way
    assert not repair_helps(_parity(0.96, 0.09, ["agreement"]), _parity(0.97, 0.01, ["agreement"]))


def test_zero_calibration_fails_the_gate_and_keeps_the_old_bundle(short_runs: Path, short_bundles: Path,
                                                                  tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "fashion-mnist"
    shutil.copytree(short_bundles / "fashion-mnist", target)
    before = {p.name: p.read_bytes() for p in target.iterdir()}

    def zeros(spec, pre, data, *, size, seed):  # a broken calibration set: every input black
        return np.zeros((size, *spec.input_shape), dtype=np.float32) * pre["scale"]

    monkeypatch.setattr(bundle_module, "calibration_sample", zeros)
    with pytest.raises(ParityError) as info:
        export_bundle(REGISTRY["fashion-mnist"], run_dir=short_runs / "fashion-mnist", out_dir=target,
                      calibration_size=50)
    message = str(info.value)
    assert "int8" in message and ("agreement" in message or "accuracy drop" in message)
    assert not info.value.report.passed
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before
    assert all(c.ok for c in verify_bundle(target))
    assert not list(tmp_path.glob(".fashion-mnist.*"))  # staging removed


def test_interrupted_export_keeps_the_old_bundle(short_runs: Path, short_bundles: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "breast-cancer"
    shutil.copytree(short_bundles / "breast-cancer", target)
    before = {p.name: p.read_bytes() for p in target.iterdir()}

    def boom(*args, **kwargs):
        raise KeyboardInterrupt  # what Ctrl-C mid-export looks like

    monkeypatch.setitem(bundle_module.EXPORTERS, "onnx-int8", boom)
    with pytest.raises(KeyboardInterrupt):
        export_bundle(REGISTRY["breast-cancer"], run_dir=short_runs / "breast-cancer", out_dir=target)
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before
    assert not list(tmp_path.glob(".breast-cancer.*"))


def test_recover_cleans_stale_staging_and_restores_a_half_swapped_bundle(short_bundles: Path,
                                                                         tmp_path: Path) -> None:
    target = tmp_path / "mnist"
    (tmp_path / ".mnist.staging-999").mkdir()
    stray = tmp_path / ".edgequant-tmp-abc"  # an atomic write killed before its rename
    stray.write_text("partial")
    shutil.copytree(short_bundles / "mnist", tmp_path / ".mnist.old-998")  # killed between the renames
    bundle_module.recover(target)
    assert not (tmp_path / ".mnist.staging-999").exists() and not stray.exists()
    assert all(c.ok for c in verify_bundle(target))


def test_missing_run_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="edgequant train mnist"):
        export_bundle(REGISTRY["mnist"], run_dir=tmp_path / "mnist", out_dir=tmp_path / "out")


def test_strict_gate_names_artifact_and_metric(short_runs: Path, tmp_path: Path) -> None:
    with pytest.raises(ParityError) as info:
        export_bundle(REGISTRY["mnist"], run_dir=short_runs / "mnist", out_dir=tmp_path / "mnist",
                      gate=Gate(max_accuracy_drop=0.0, min_agreement=1.0, float_atol=1e-12), calibration_size=100)
    message = str(info.value)
    assert "int8: top-1 agreement" in message and "max |delta probability|" in message
    assert not (tmp_path / "mnist").exists()
