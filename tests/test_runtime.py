"""The embeddable runtime API: formats, shapes, validation, chunking, threads, and no TensorFlow."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from edgequant.runtime import load
from edgequant.runtime.errors import FormatError, InputError, IntegrityError, ManifestError
from edgequant.runtime.formats import FORMATS
from edgequant.runtime.runners import MAX_CHUNK, run_chunked
from edgequant.train.datasets import load_dataset


@pytest.fixture(scope="module")
def fashion_test(data_dir: Path):
    data = load_dataset("fashion-mnist", data_dir=data_dir)
    return data.x_test[:256], data.y_test[:256]


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_single_and_batch_agree(released: Path, fashion_test, fmt: str) -> None:
    x, _ = fashion_test
    model = load(released / "fashion-mnist", format=fmt, threads=1)
    batch = model.predict(x[:8])
    assert batch.shape == (8, 10) and batch.dtype == np.float32
    # A softmax head: sums are 1, up to the 1/256 output step when the int8 head itself is kept.
    np.testing.assert_allclose(batch.sum(axis=1), 1.0, atol=1e-3 if not FORMATS[fmt].quantized else 0.03)
    for i in range(8):
        np.testing.assert_allclose(model.predict(x[i]), batch[i], atol=1e-6)
    assert model.classify(x[0]) in model.labels
    assert model.classify(x[:3]) == [model.labels[i] for i in batch[:3].argmax(1)]


def test_int8_matches_float_on_real_images(released: Path, fashion_test) -> None:
    x, y = fashion_test
    int8 = load(released / "fashion-mnist", format="int8").predict(x).argmax(1)
    f32 = load(released / "fashion-mnist", format="f32").predict(x).argmax(1)
    assert np.mean(int8 == f32) >= 0.97 and np.mean(int8 == y) >= 0.85


def test_breast_cancer_accepts_float64_rows(released: Path) -> None:
    pytest.importorskip("sklearn", reason="the breast-cancer data ships with scikit-learn ([train] extra)")
    data = load_dataset("breast-cancer")
    model = load(released / "breast-cancer", format="int8")
    probs = model.predict(data.x_test)  # float64 is cast to float32, as documented
    assert probs.shape == (114, 2)
    assert np.mean(probs.argmax(1) == data.y_test) > 0.9
    np.testing.assert_allclose(model.predict(data.x_test[0].tolist()), probs[0], atol=1e-6)


@pytest.mark.parametrize("bad, match", [
    (np.zeros((27, 28), np.uint8), "wrong shape"),
    (np.zeros((2, 28, 28, 1), np.uint8), "wrong shape"),
    (np.zeros((0, 28, 28), np.uint8), "empty batch"),
    (np.zeros((28, 28), np.float32), "wrong dtype"),
    (np.full((28, 28), 300, np.int32), "out of range"),
    (np.zeros((28, 28), bool), "wrong dtype"),
    ([[1, 2], [3]], "not"),
])
def test_image_input_errors(released: Path, bad, match: str) -> None:
    model = load(released / "mnist")
    with pytest.raises(InputError, match=match) as info:
        model.predict(bad)
    assert "expected" in str(info.value) and "got" in str(info.value)


def test_integer_pixels_in_range_are_accepted(released: Path, fashion_test) -> None:
    model = load(released / "mnist")
    x = fashion_test[0][:4]
    np.testing.assert_array_equal(model.predict(x.astype(np.int64)), model.predict(x))


@pytest.mark.parametrize("value, match", [(np.nan, "NaN or Inf"), (np.inf, "NaN or Inf"), (-np.inf, "NaN or Inf"),
                                          (1e37, "too large"), (-1e37, "too large")])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])  # float32 takes the single-sample hot path
@pytest.mark.parametrize("fmt", ["int8", "f32"])
def test_feature_input_errors(released: Path, value: float, match: str, dtype: type, fmt: str) -> None:
    model = load(released / "breast-cancer", format=fmt)
    row = np.ones(30, dtype=dtype)
    row[3] = value
    with pytest.raises(InputError, match=match):
        model.predict(row)
    with pytest.raises(InputError, match=match):
        model.predict(row[None])


def test_unknown_format_suggests(released: Path) -> None:
    with pytest.raises(FormatError, match="did you mean 'onnx-int8'"):
        load(released / "mnist", format="onnx_int8")
    with pytest.raises(FormatError, match="cannot run"):
        load(released / "mnist", format="int8", backend="onnxruntime")


def test_checksum_is_checked_and_can_be_skipped(released: Path, tmp_path: Path) -> None:
    import shutil

    bundle = tmp_path / "mnist"
    shutil.copytree(released / "mnist", bundle)
    path = bundle / "model.f32.tflite"
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF  # flip a byte in the trailing data: the file stays loadable
    path.write_bytes(bytes(data))
    with pytest.raises(IntegrityError, match="checksum"):
        load(bundle, format="f32")
    load(bundle, format="f32", verify=False)


def test_missing_bundle_and_manifest(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="does not exist"):
        load(tmp_path / "nope")
    with pytest.raises(ManifestError, match="manifest.json"):
        load(tmp_path)


def test_run_chunked_respects_fixed_batch() -> None:
    seen = []

    def invoke(t: np.ndarray) -> np.ndarray:
        seen.append(t.shape[0])
        return t * 2

    x = np.arange(10.0)[:, None]
    np.testing.assert_array_equal(run_chunked(invoke, x, 4), x * 2)
    assert seen == [4, 4, 4]  # the last chunk is padded to the fixed batch
    seen.clear()
    big = np.zeros((MAX_CHUNK * 2 + 1, 1))
    assert run_chunked(invoke, big, None).shape == big.shape and seen == [MAX_CHUNK, MAX_CHUNK, 1]


def test_large_batch_is_split_and_matches(released: Path, data_dir: Path) -> None:
    x = load_dataset("mnist", data_dir=data_dir).x_test[: MAX_CHUNK + 300]
    model = load(released / "mnist")
    np.testing.assert_array_equal(model.predict(x)[-300:], model.predict(x[-300:]))


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_threads_give_serial_results(released: Path, fashion_test, fmt: str) -> None:
    x, _ = fashion_test
    model = load(released / "mnist", format=fmt)
    serial = np.stack([model.predict(x[i % len(x)]) for i in range(500)])
    results: dict[int, np.ndarray] = {}

    def worker(k: int) -> None:
        results[k] = np.stack([model.predict(x[i % len(x)]) for i in range(500)])

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k in range(8):
        np.testing.assert_array_equal(results[k], serial)


NO_TF_SCRIPT = """
import sys, json, numpy as np
from edgequant.runtime import load
m = load(sys.argv[1], format=sys.argv[2])
p = m.predict(np.zeros((28, 28), np.uint8))
print(json.dumps({"tf": "tensorflow" in sys.modules, "keras": "keras" in sys.modules, "n": len(p)}))
"""


@pytest.mark.parametrize("fmt", ["int8", "onnx-int8"])
def test_runtime_never_imports_tensorflow(released: Path, fmt: str) -> None:
    out = subprocess.run([sys.executable, "-c", NO_TF_SCRIPT, str(released / "mnist"), fmt],
                         capture_output=True, text=True, check=True).stdout
    assert json.loads(out.strip().splitlines()[-1]) == {"tf": False, "keras": False, "n": 10}


@pytest.mark.parametrize("command", ["predict", "bench", "eval", "verify", "info"])
def test_cli_help_never_imports_tensorflow(command: str) -> None:
    code = ("import sys; from edgequant.runtime.cli import app\n"
            f"try:\n    app([{command!r}, '--help'])\nexcept SystemExit:\n    pass\n"
            "print('TF' if 'tensorflow' in sys.modules else 'CLEAN')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "CLEAN"


def test_raw_output_is_the_int8_codes(released: Path, fashion_test) -> None:
    x = fashion_test[0][:4]
    model = load(released / "mnist", format="int8")
    raw = model.raw_output(x)
    assert raw.dtype == np.int8 and raw.shape == (4, 10)
    q = model.output_info
    logits = (raw.astype(np.float64) - q.zero_point) * q.scale
    np.testing.assert_allclose(model.predict(x), 1 / (1 + np.exp(-logits)), atol=1e-6)  # sigmoid, repaired head
