"""Read CLI inputs (PNG/JPEG images, .npy arrays, CSV rows) into raw arrays the model takes."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np

from edgequant.runtime.errors import InputError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg"}
SUFFIXES = IMAGE_SUFFIXES | {".npy", ".csv"}


def _readable(path: Path) -> bool:
    return os.access(path, os.R_OK)


def check_readable(path: Path) -> None:
    """Missing, directory and unreadable paths each get their own message."""
    if not path.exists():
        raise InputError(f"input {path} does not exist", expected="an existing file", got="no such path",
                         fix="check the path")
    if path.is_dir():
        raise InputError(f"input {path} is a directory", expected="a file", got="a directory",
                         fix="pass the files inside it, e.g. DIR/*.png")
    if not _readable(path):
        raise InputError(f"input {path} is not readable", expected="read permission", got="permission denied",
                         fix=f"chmod +r {path}")


def to_gray(image: np.ndarray) -> np.ndarray:
    """RGB(A) or grey+alpha to one uint8 channel (ITU-R BT.601 luma); alpha is dropped."""
    if image.ndim == 2:
        return image
    if image.shape[2] in (1, 2):
        return image[:, :, 0]
    luma = image[:, :, :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    return np.clip(np.rint(luma), 0, 255).astype(np.uint8)


def _read_jpeg(path: Path) -> np.ndarray:
    try:
        from PIL import Image
    except ImportError:
        raise InputError(f"cannot decode {path}", expected="Pillow installed for JPEG",
                         got="no PIL module", fix="pip install pillow, or convert the image to PNG") from None
    try:
        with Image.open(path) as img:
            return np.asarray(img.convert("L"))
    except OSError as exc:
        raise InputError(f"cannot decode {path}", expected="a valid JPEG", got=str(exc),
                         fix="re-save the image") from None


def read_image(path: Path, raw_shape: tuple[int, ...], *, invert: bool = False) -> np.ndarray:
    from edgequant.runtime.png import read_png

    image = read_png(path) if path.suffix.lower() == ".png" else _read_jpeg(path)
    gray = to_gray(image)
    if gray.shape != raw_shape:
        raise InputError(f"image {path} has the wrong size", expected=f"{raw_shape[1]}x{raw_shape[0]} pixels",
                         got=f"{gray.shape[1]}x{gray.shape[0]}", fix="resize the image first")
    return 255 - gray if invert else gray


def read_csv(path: Path, raw_shape: tuple[int, ...]) -> np.ndarray:
    """One sample per row; a non-numeric first row is taken as a header and skipped."""
    width = int(np.prod(raw_shape))
    rows = []
    with path.open(newline="") as f:
        for n, row in enumerate(csv.reader(f)):
            cells = [c.strip() for c in row if c.strip() != ""]
            if not cells:
                continue
            try:
                values = [float(c) for c in cells]
            except ValueError:
                if n == 0:
                    continue
                raise InputError(f"{path} row {n + 1} is not numeric", expected="numbers",
                                 got=repr(row[:3]), fix="remove text cells") from None
            if len(values) != width:
                raise InputError(f"{path} row {n + 1} has the wrong length", expected=f"{width} values",
                                 got=f"{len(values)}", fix="one sample per row")
            rows.append(values)
    if not rows:
        raise InputError(f"{path} has no data rows", expected="at least one row", got="none",
                         fix="add a sample")
    return np.asarray(rows).reshape((-1, *raw_shape))


def read_input(path: Path, raw_shape: tuple[int, ...], raw_dtype: str, *, invert: bool = False) -> np.ndarray:
    """A batch (N, *raw_shape) from one input file."""
    check_readable(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(f"unsupported input {path}", expected=" | ".join(sorted(SUFFIXES)),
                         got=repr(suffix or "no extension"), fix="convert the input to one of those")
    if suffix in IMAGE_SUFFIXES:
        if raw_dtype != "uint8":
            raise InputError(f"{path} is an image but the model takes features", expected=".csv or .npy",
                             got=suffix, fix="pass the 30 features as a CSV row")
        return read_image(path, raw_shape, invert=invert)[None]
    if suffix == ".npy":
        try:
            array = np.load(path, allow_pickle=False)
        except (ValueError, OSError, EOFError) as exc:
            raise InputError(f"cannot read {path}", expected="a numeric .npy array", got=str(exc),
                             fix="save with np.save(path, array)") from None
        return array[None] if array.shape == raw_shape else array
    data = read_csv(path, raw_shape)
    return data.astype(np.uint8) if raw_dtype == "uint8" and np.all((data >= 0) & (data <= 255)) else data
