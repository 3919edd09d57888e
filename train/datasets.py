"""Offline-first dataset loaders: one IDX loader for MNIST and Fashion-MNIST, plus breast cancer.

numpy only at import time, so the TensorFlow-free runtime can evaluate bundles
with the same loaders the trainer used.

Search order for the image sets (first hit wins):
  1. an explicit ``data_dir`` argument, else the ``EDGEQUANT_DATA`` environment variable;
  2. Keras' cache, ``~/.keras/datasets``;
  3. Debian's ``/usr/share/datasets/<name>/``;
  4. a download through Keras (only when Keras is installed and the machine is online).
"""

from __future__ import annotations

import gzip
import os
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edgequant.runtime.errors import DatasetError

IDX_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
IDX_COUNTS = {"train": 60000, "test": 10000}
_IDX_MAGIC = {1: 0x00000801, 3: 0x00000803}  # unsigned-byte IDX, by number of dimensions
KERAS_CACHE = Path.home() / ".keras" / "datasets"
DEBIAN_DATASETS = Path("/usr/share/datasets")
BREAST_CANCER_SPLIT_SEED = 42


@dataclass(frozen=True)
class Dataset:
    """Raw (unpreprocessed) arrays: uint8 images, or float64 feature rows."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str


def read_idx(path: Path, *, ndim: int, count: int | None = None) -> np.ndarray:
    """Parse one (optionally gzipped) unsigned-byte IDX file and validate its header."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as exc:  # BadGzipFile is an OSError; a cut gzip stream is EOFError
        raise DatasetError(f"cannot read {path}", expected="a readable gzip IDX file",
                           got=f"{type(exc).__name__}: {exc}",
                           fix="re-download the file; it is truncated or corrupt") from exc
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DatasetError(f"{path} is too short", expected=f">= {header} header bytes",
                           got=f"{len(raw)} bytes", fix="re-download the file")
    magic = struct.unpack(">I", raw[:4])[0]
    if magic != _IDX_MAGIC[ndim]:
        raise DatasetError(f"{path} has a wrong IDX magic number", expected=hex(_IDX_MAGIC[ndim]),
                           got=hex(magic), fix="check that the file is the right IDX file")
    dims = struct.unpack(f">{ndim}I", raw[4:header])
    if count is not None and dims[0] != count:
        raise DatasetError(f"{path} holds the wrong number of items", expected=str(count),
                           got=str(dims[0]), fix="re-download the file")
    body = np.frombuffer(raw, dtype=np.uint8, offset=header)
    if body.size != int(np.prod(dims)):
        raise DatasetError(f"{path} is truncated", expected=f"{int(np.prod(dims))} data bytes",
                           got=f"{body.size}", fix="re-download the file")
    return body.reshape(dims)


def _idx_dir_has_files(folder: Path) -> bool:
    return all(_find_idx_file(folder, stem) is not None for stem in IDX_FILES.values())


def _find_idx_file(folder: Path, stem: str) -> Path | None:
    for candidate in (folder / f"{stem}.gz", folder / stem):
        if candidate.is_file():
            return candidate
    return None


def _load_idx_folder(name: str, folder: Path) -> Dataset:
    def part(key: str, ndim: int, split: str) -> np.ndarray:
        path = _find_idx_file(folder, IDX_FILES[key])
        assert path is not None  # guarded by _idx_dir_has_files
        return read_idx(path, ndim=ndim, count=IDX_COUNTS[split])

    return Dataset(name, part("train_images", 3, "train"), part("train_labels", 1, "train"),
                   part("test_images", 3, "test"), part("test_labels", 1, "test"), str(folder))


def candidate_dirs(name: str, data_dir: str | os.PathLike | None = None) -> list[Path]:
    """The folders searched for ``name``, in order (explicit, env, Keras cache, Debian)."""
    roots: list[Path] = []
    explicit = data_dir if data_dir is not None else os.environ.get("EDGEQUANT_DATA")
    if explicit:
        roots += [Path(explicit) / name, Path(explicit)]
    roots += [KERAS_CACHE / name, DEBIAN_DATASETS / name]
    return roots


def _keras_cached_npz(name: str) -> Dataset | None:
    npz = KERAS_CACHE / f"{name}.npz"  # keras.datasets.mnist caches one npz, not IDX files
    if not npz.is_file():
        return None
    with np.load(npz) as f:
        return Dataset(name, f["x_train"], f["y_train"], f["x_test"], f["y_test"], str(npz))


def _keras_download(name: str) -> Dataset:
    if os.environ.get("EDGEQUANT_OFFLINE"):
        raise RuntimeError("EDGEQUANT_OFFLINE is set")
    import keras  # only here: the runtime never needs it

    module = {"mnist": keras.datasets.mnist, "fashion-mnist": keras.datasets.fashion_mnist}[name]
    (x_train, y_train), (x_test, y_test) = module.load_data()
    return Dataset(name, x_train, y_train, x_test, y_test, "keras download")


def load_idx_dataset(name: str, *, data_dir: str | os.PathLike | None = None, download: bool = True) -> Dataset:
    """Load MNIST or Fashion-MNIST (uint8 images, uint8 labels) from the first place that has it.

    ``download=False`` skips the Keras fallback: the runtime (eval, bench) must never import TensorFlow.
    """
    looked = candidate_dirs(name, data_dir)
    for folder in looked:
        if folder.is_dir() and _idx_dir_has_files(folder):
            return _load_idx_folder(name, folder)
    cached = _keras_cached_npz(name) if name == "mnist" else None
    if cached is not None:
        return cached
    try:
        if not download:
            raise RuntimeError("download disabled")
        return _keras_download(name)
    except Exception as exc:  # offline, Keras missing, blocked: all mean "not found here"
        places = ", ".join(str(p) for p in looked) + f", {KERAS_CACHE / (name + '.npz')}"
        places += ", Keras download" if download else " (download not attempted)"
        raise DatasetError(
            f"dataset '{name}' not found",
            expected=f"the four IDX files ({', '.join(s + '.gz' for s in IDX_FILES.values())})",
            got=f"nothing usable in: {places} ({type(exc).__name__})",
            fix=f"pass --data-dir DIR or set EDGEQUANT_DATA=DIR where DIR/{name}/ holds those files",
        ) from None


def load_breast_cancer(*, seed: int = BREAST_CANCER_SPLIT_SEED, **_: object) -> Dataset:
    """sklearn's bundled Wisconsin data, split 80/20 stratified with a fixed seed."""
    try:
        from sklearn.datasets import load_breast_cancer as sk_load
        from sklearn.model_selection import train_test_split
    except ImportError:
        raise DatasetError("the breast-cancer dataset ships with scikit-learn",
                           expected="scikit-learn installed", got="no sklearn module",
                           fix="pip install 'edgequant[train]' (or pip install scikit-learn)") from None
    x, y = sk_load(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.2, stratify=y, random_state=seed)
    return Dataset("breast-cancer", x_train, y_train.astype(np.int64), x_test,
                   y_test.astype(np.int64), "scikit-learn")


LOADERS = {
    "mnist": lambda **kw: load_idx_dataset("mnist", **kw),
    "fashion-mnist": lambda **kw: load_idx_dataset("fashion-mnist", **kw),
    "breast-cancer": load_breast_cancer,
}


def load_dataset(name: str, *, data_dir: str | os.PathLike | None = None, download: bool = True) -> Dataset:
    """Load a dataset by its registry name (``download=False``: never fall back to Keras)."""
    if name not in LOADERS:
        raise DatasetError(f"unknown dataset '{name}'", expected=" or ".join(LOADERS), got=name)
    return LOADERS[name](data_dir=data_dir, download=download)
