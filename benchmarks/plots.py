"""Benchmark plots: latency CDF per format, accuracy vs p95 latency vs size, throughput vs batch."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np

from edgequant.runtime.fsutil import atomic_write_bytes

COLORS = {"int8": "tab:blue", "f32": "tab:orange", "onnx": "tab:green", "onnx-int8": "tab:red"}


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, path: Path) -> Path:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    _pyplot().close(fig)
    return atomic_write_bytes(path, buf.getvalue())


def _runtime_rows(result: dict[str, Any], threads: int) -> list[dict[str, Any]]:
    return [r for r in result["rows"] if r["kind"] == "runtime" and r["threads"] == threads]


def latency_cdf(results: list[dict[str, Any]], path: Path) -> Path:
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(results), figsize=(5 * len(results), 3.6), squeeze=False)
    for ax, result in zip(axes[0], results, strict=True):
        for r in _runtime_rows(result, 1):
            if r["batch"] == 1 and r.get("samples_s"):
                samples = np.sort(np.asarray(r["samples_s"])) * 1e6
                ax.plot(samples, np.linspace(0, 1, samples.size), label=r["format"], color=COLORS.get(r["format"]))
        ax.set_xscale("log")
        ax.set_xlabel("latency per call (us, log)")
        ax.set_ylabel("fraction of calls")
        ax.set_title(f"{result['model']}: batch 1, 1 thread")
        ax.grid(alpha=0.3)
        ax.legend()
    return _save(fig, path)


def accuracy_latency_size(results: list[dict[str, Any]], path: Path) -> Path:
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(results), figsize=(5 * len(results), 3.6), squeeze=False)
    for ax, result in zip(axes[0], results, strict=True):
        for r in _runtime_rows(result, 1):
            if r["batch"] == 1 and r["accuracy"] is not None:
                ax.scatter(r["latency_s"]["p95"] * 1e6, r["accuracy"], s=20 + r["size_bytes"] / 2000,
                           color=COLORS.get(r["format"]), alpha=0.7,
                           label=f"{r['format']} ({r['size_bytes'] // 1024} KB)")
        ax.set_xlabel("p95 latency, batch 1 (us)")
        ax.set_ylabel("test accuracy")
        ax.set_title(f"{result['model']}: marker area ~ file size")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    return _save(fig, path)


def throughput_vs_batch(results: list[dict[str, Any]], path: Path) -> Path:
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(results), figsize=(5 * len(results), 3.6), squeeze=False)
    for ax, result in zip(axes[0], results, strict=True):
        threads = sorted({r["threads"] for r in result["rows"] if r["kind"] == "runtime"})
        for t in threads:
            for fmt in COLORS:
                rows = sorted((r for r in _runtime_rows(result, t) if r["format"] == fmt), key=lambda r: r["batch"])
                if rows:
                    ax.plot([r["batch"] for r in rows], [r["throughput_sps"] for r in rows], marker="o",
                            color=COLORS[fmt], linestyle="-" if t == threads[0] else "--", label=f"{fmt} t{t}")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("batch size")
        ax.set_ylabel("samples / s")
        ax.set_title(f"{result['model']}: throughput")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, ncol=2)
    return _save(fig, path)


def write_all(results: list[dict[str, Any]], out_dir: Path, stem: str) -> list[Path]:
    """All three figures, named <stem>-<figure>.png."""
    return [latency_cdf(results, out_dir / f"{stem}-latency-cdf.png"),
            accuracy_latency_size(results, out_dir / f"{stem}-accuracy-latency-size.png"),
            throughput_vs_batch(results, out_dir / f"{stem}-throughput.png")]
