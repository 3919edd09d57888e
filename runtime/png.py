"""A small PNG decoder (numpy + zlib), so the base install reads PNG without Pillow.

Supports non-interlaced PNGs with 8- or 16-bit samples (1/2/4-bit for greyscale and
palette), greyscale, RGB, palette, and their alpha variants: everything a digit drawn in an editor is saved as.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np

from edgequant.runtime.errors import InputError

SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
MAX_PIXELS = 64 * 1024 * 1024


def _unsupported(path: Path, what: str) -> InputError:
    return InputError(f"unsupported PNG {path}", expected="a non-interlaced PNG", got=what,
                      fix="re-save the image as a plain PNG, or install Pillow (pip install pillow)")


def _chunks(data: bytes, path: Path) -> list[tuple[bytes, bytes]]:
    chunks, pos = [], len(SIGNATURE)
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if len(body) != length:
            raise InputError(f"truncated PNG {path}", expected=f"{length} bytes in chunk {kind!r}",
                             got=f"{len(body)}", fix="re-save the image")
        chunks.append((kind, body))
        pos += 12 + length
        if kind == b"IEND":
            break
    return chunks


def _unfilter(raw: bytes, height: int, stride: int, bpp: int, path: Path) -> np.ndarray:
    rows = np.zeros((height, stride), dtype=np.uint8)
    if len(raw) < height * (stride + 1):
        raise InputError(f"truncated PNG {path}", expected=f"{height * (stride + 1)} pixel bytes",
                         got=f"{len(raw)}", fix="re-save the image")
    prev = np.zeros(stride, dtype=np.int32)
    for y in range(height):
        start = y * (stride + 1)
        kind = raw[start]
        line = np.frombuffer(raw, dtype=np.uint8, count=stride, offset=start + 1).astype(np.int32)
        if kind == 0:
            out = line
        elif kind == 2:
            out = (line + prev) & 0xFF
        elif kind in (1, 3, 4):  # these depend on the reconstructed left neighbour: byte by byte
            out = np.zeros(stride, dtype=np.int32)
            for i in range(stride):
                left = out[i - bpp] if i >= bpp else 0
                up = prev[i]
                if kind == 1:
                    pred = left
                elif kind == 3:
                    pred = (left + up) >> 1
                else:
                    upleft = prev[i - bpp] if i >= bpp else 0
                    p = left + up - upleft
                    pa, pb, pc = abs(p - left), abs(p - up), abs(p - upleft)
                    pred = left if pa <= pb and pa <= pc else (up if pb <= pc else upleft)
                out[i] = (line[i] + pred) & 0xFF
        else:
            raise _unsupported(path, f"filter type {kind}")
        rows[y] = out
        prev = out
    return rows


def read_png(path: Path) -> np.ndarray:
    """Decode to uint8 (H, W) or (H, W, C); C is 2 (grey+alpha), 3 (RGB) or 4 (RGBA)."""
    data = path.read_bytes()
    if not data.startswith(SIGNATURE):
        raise InputError(f"{path} is not a PNG", expected="the PNG signature", got=repr(data[:8]),
                         fix="pass a .png, .jpg, .npy or .csv file")
    chunks = _chunks(data, path)
    if not chunks or chunks[0][0] != b"IHDR" or len(chunks[0][1]) != 13:
        raise InputError(f"corrupt PNG {path}", expected="an IHDR chunk first", got="none",
                         fix="re-save the image")
    width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    packed = depth in (1, 2, 4) and color in (0, 3)  # sub-byte samples: greyscale and palette only
    if color not in CHANNELS or not (depth in (8, 16) or packed) or interlace or width * height > MAX_PIXELS:
        raise _unsupported(path, f"color type {color}, bit depth {depth}, interlace {interlace}")
    channels = CHANNELS[color]
    bpp = max(1, channels * depth // 8)
    stride = (width * channels * depth + 7) // 8
    try:
        raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    except zlib.error as exc:
        raise InputError(f"corrupt PNG {path}", expected="valid compressed pixel data", got=str(exc),
                         fix="re-save the image") from None
    rows = _unfilter(raw, height, stride, bpp, path)
    if packed:
        bits = np.unpackbits(rows, axis=1)[:, : width * depth].reshape(height, width, depth)
        samples = (bits * (1 << np.arange(depth - 1, -1, -1, dtype=np.uint8))).sum(axis=2).astype(np.uint8)
        if color == 0:
            samples = (samples.astype(np.uint16) * 255 // ((1 << depth) - 1)).astype(np.uint8)
        pixels = samples[:, :, None]
    else:
        pixels = rows.reshape(height, width, bpp)
    if depth == 16:
        pixels = pixels[:, :, 0::2]  # keep the high byte of each big-endian sample
    if color == 3:
        palette = next((np.frombuffer(b, dtype=np.uint8).reshape(-1, 3) for k, b in chunks if k == b"PLTE"), None)
        if palette is None:
            raise InputError(f"corrupt PNG {path}", expected="a PLTE chunk", got="none", fix="re-save the image")
        return palette[np.minimum(pixels[:, :, 0], len(palette) - 1)]
    return pixels[:, :, 0] if channels == 1 else pixels
