"""predict / eval / verify / info through the CLI, and the PNG decoder against Pillow."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from edgequant.runtime.cli import app
from edgequant.runtime.png import read_png
from edgequant.train.datasets import load_dataset

runner = CliRunner()


@pytest.fixture(scope="module")
def digits(data_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    data = load_dataset("mnist", data_dir=data_dir)
    return data.x_test[:6], data.y_test[:6]


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def test_predict_png_npy_csv_json(released: Path, digits, tmp_path: Path) -> None:
    x, y = digits
    png = tmp_path / "digit.png"
    Image.fromarray(x[0]).save(png)
    npy = tmp_path / "batch.npy"
    np.save(npy, x[1:4])
    csv = tmp_path / "rows.csv"
    np.savetxt(csv, x[4:6].reshape(2, -1), fmt="%d", delimiter=",")
    result = invoke("predict", released / "mnist", png, npy, csv, "--json", "--top", "3")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    labels = [p["label"] for p in payload["predictions"]]
    assert len(labels) == 6 and sum(int(lbl) == t for lbl, t in zip(labels, y, strict=True)) >= 5
    assert len(payload["predictions"][0]["top"]) == 3


def test_predict_human_output_and_invert(released: Path, digits, tmp_path: Path) -> None:
    png = tmp_path / "paper.png"
    Image.fromarray(255 - digits[0][0]).convert("RGB").save(png)  # black ink on white, RGB
    result = invoke("predict", released / "mnist", png, "--invert", "--format", "onnx")
    assert result.exit_code == 0, result.output
    assert f": {digits[1][0]} " in result.output


def test_predict_breast_cancer_csv_with_header(released: Path, tmp_path: Path) -> None:
    data = load_dataset("breast-cancer")
    csv = tmp_path / "patients.csv"
    header = ",".join(f"f{i}" for i in range(30))
    np.savetxt(csv, data.x_test[:3], delimiter=",", header=header, comments="")
    result = invoke("predict", released / "breast-cancer", csv, "--json")
    assert result.exit_code == 0, result.output
    assert {p["label"] for p in json.loads(result.stdout)["predictions"]} <= {"malignant", "benign"}


@pytest.mark.parametrize("make, message", [
    (lambda d: d / "missing.png", "does not exist"),
    (lambda d: d, "is a directory"),
    (lambda d: (d / "x.gif").write_bytes(b"GIF89a") and d / "x.gif", "unsupported input"),
    (lambda d: (d / "x.png").write_bytes(b"\x89PNG\r\n\x1a\nnope") and d / "x.png", "PNG"),
    (lambda d: (d / "x.png").write_bytes(b"not a png") and d / "x.png", "not a PNG"),
])
def test_predict_bad_inputs_are_one_line_exit_2(released: Path, tmp_path: Path, make, message: str) -> None:
    result = invoke("predict", released / "mnist", make(tmp_path))
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


def test_unreadable_input(released: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "secret.npy"
    np.save(path, np.zeros((28, 28), np.uint8))
    path.chmod(0)
    if os.geteuid() == 0:  # root reads anything; make the permission check see what a user would
        from edgequant.runtime import inputs

        monkeypatch.setattr(inputs, "_readable", lambda p: False)
    result = invoke("predict", released / "mnist", path)
    assert result.exit_code == 2 and "not readable" in result.output


def test_eval_matches_parity_json_exactly(released: Path) -> None:
    for name in ("breast-cancer", "mnist", "fashion-mnist"):
        result = invoke("eval", released / name, "--json")
        assert result.exit_code == 0, result.output
        rows = json.loads(result.stdout)["artifacts"]
        claimed = json.loads((released / name / "parity.json").read_text())["artifacts"]
        for fmt, row in rows.items():
            assert row["accuracy"] == claimed[fmt]["accuracy"], (name, fmt)
            assert row["matches_parity_json"] is True


def test_verify_and_info(released: Path) -> None:
    result = invoke("verify", released / "fashion-mnist", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["passed"] and len(payload["checks"]) == 1 + 2 * 4
    info = invoke("info", released / "fashion-mnist")
    assert info.exit_code == 0 and "int8: sha256" in info.output and "CONV_2D" in info.output


def test_verify_fails_on_tampered_golden(released: Path, tmp_path: Path) -> None:
    import shutil

    bundle = tmp_path / "mnist"
    shutil.copytree(released / "mnist", bundle)
    manifest = json.loads((bundle / "manifest.json").read_text())
    manifest["golden"]["outputs"]["int8"][0][0] += 0.5
    (bundle / "manifest.json").write_text(json.dumps(manifest))
    result = invoke("verify", bundle)
    assert result.exit_code == 1 and "FAIL" in result.output


@pytest.mark.parametrize("mode", ["L", "LA", "RGB", "RGBA", "P", "I;16", "1"])
def test_png_decoder_matches_pillow(tmp_path: Path, mode: str) -> None:
    rng = np.random.default_rng(0)
    base = rng.integers(0, 256, size=(9, 13, 4), dtype=np.uint8)
    base[:, :6] = base[:, :1]  # flat runs so the encoder picks several filter types
    image = Image.fromarray(base, "RGBA")
    image = image.convert("RGB").quantize(16) if mode == "P" else image.convert(mode)
    path = tmp_path / f"{mode.replace(';', '')}.png"
    image.save(path, optimize=True)
    with Image.open(path) as reference:
        expected = np.asarray(reference.convert("RGB") if mode == "P" else reference)
    if mode == "I;16":
        expected = (expected >> 8).astype(np.uint8)
    if mode == "1":
        expected = expected.astype(np.uint8) * 255
    np.testing.assert_array_equal(read_png(path), expected)
