"""Loaders: real IDX files, corrupt/truncated files, the missing-dataset error, breast cancer split."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import numpy as np
import pytest

from edgequant.runtime.errors import DatasetError
from edgequant.train import datasets
from edgequant.train.datasets import IDX_FILES, load_dataset, read_idx

MNIST_TRAIN_LABEL_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]


def test_mnist_matches_published_checks(data_dir: Path) -> None:
    data = load_dataset("mnist", data_dir=data_dir)
    assert data.x_train.shape == (60000, 28, 28) and data.x_train.dtype == np.uint8
    assert data.x_test.shape == (10000, 28, 28)
    assert np.bincount(data.y_train).tolist() == MNIST_TRAIN_LABEL_COUNTS
    assert data.x_train.mean() == pytest.approx(33.318, abs=1e-3)


def test_fashion_has_6000_per_class(data_dir: Path) -> None:
    data = load_dataset("fashion-mnist", data_dir=data_dir)
    assert np.bincount(data.y_train).tolist() == [6000] * 10
    assert data.y_test.shape == (10000,)


def test_env_var_is_used_when_no_dir_is_given(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDGEQUANT_DATA", str(data_dir))
    assert load_dataset("fashion-mnist").source == str(data_dir / "fashion-mnist")


def _copy_set(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def test_truncated_gzip_is_a_clear_error(data_dir: Path, tmp_path: Path) -> None:
    folder = _copy_set(data_dir / "mnist", tmp_path / "mnist")
    target = folder / (IDX_FILES["test_images"] + ".gz")
    target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
    with pytest.raises(DatasetError, match="re-download"):
        load_dataset("mnist", data_dir=tmp_path)


def test_truncated_payload_is_a_clear_error(tmp_path: Path) -> None:
    header = (0x00000803).to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in (10, 28, 28))
    path = tmp_path / "short-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(header + bytes(28 * 28 * 9)))  # one image short
    with pytest.raises(DatasetError, match="truncated"):
        read_idx(path, ndim=3)


def test_wrong_magic_and_wrong_count(tmp_path: Path) -> None:
    path = tmp_path / "labels"
    path.write_bytes((0x00000803).to_bytes(4, "big") + (3).to_bytes(4, "big") + b"\x01\x02\x03")
    with pytest.raises(DatasetError, match="magic"):
        read_idx(path, ndim=1)
    path.write_bytes((0x00000801).to_bytes(4, "big") + (3).to_bytes(4, "big") + b"\x01\x02\x03")
    assert read_idx(path, ndim=1).tolist() == [1, 2, 3]
    with pytest.raises(DatasetError, match="number of items"):
        read_idx(path, ndim=1, count=4)


def test_missing_dataset_names_every_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(datasets, "KERAS_CACHE", tmp_path / "keras")
    monkeypatch.setattr(datasets, "DEBIAN_DATASETS", tmp_path / "debian")
    monkeypatch.setenv("EDGEQUANT_OFFLINE", "1")
    with pytest.raises(DatasetError) as info:
        load_dataset("fashion-mnist", data_dir=tmp_path / "nowhere")
    message = str(info.value)
    for place in ("nowhere", "keras", "debian", "Keras download", "EDGEQUANT_DATA"):
        assert place in message


def test_breast_cancer_split_is_stratified_and_fixed() -> None:
    a, b = load_dataset("breast-cancer"), load_dataset("breast-cancer")
    assert a.x_train.shape == (455, 30) and a.x_test.shape == (114, 30)
    np.testing.assert_array_equal(a.x_test, b.x_test)
    assert abs(a.y_train.mean() - a.y_test.mean()) < 0.01  # stratified: same benign share
