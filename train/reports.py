"""Per-run report.md and plots (curves, confusion, EDA), laid out like the original notebooks."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np

from edgequant.runtime.fsutil import atomic_write_bytes, atomic_write_text
from edgequant.runtime.metrics import classification_report_text
from edgequant.train.datasets import Dataset
from edgequant.train.registry import ModelSpec

SAMPLES_SHOWN = 8


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")  # headless: no display on CI or a Pi
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, path: Path) -> None:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    _pyplot().close(fig)
    atomic_write_bytes(path, buf.getvalue())


def plot_curves(history: dict[str, list[float]], path: Path, title: str) -> None:
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    for ax, metric in zip(axes, ("loss", "accuracy"), strict=True):
        epochs = np.arange(1, len(history.get(metric, [])) + 1)
        ax.plot(epochs, history.get(metric, []), marker="o", label="training")
        if f"val_{metric}" in history:
            ax.plot(epochs, history[f"val_{metric}"], marker="o", label="validation")
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(f"{title}: training curves")
    _save(fig, path)


def plot_confusion(cm: list[list[int]], labels: list[str], path: Path, title: str) -> None:
    plt = _pyplot()
    cm_arr = np.asarray(cm)
    size = 3 + 0.45 * len(labels)
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(cm_arr, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    threshold = cm_arr.max() / 2
    for (i, j), v in np.ndenumerate(cm_arr):
        ax.text(j, i, str(v), ha="center", va="center", fontsize=8,
                color="white" if v > threshold else "black")
    ax.set_title(f"{title}: confusion matrix (test set)")
    _save(fig, path)


def plot_eda(spec: ModelSpec, data: Dataset, path: Path) -> None:
    """Class balance plus feature distributions (tabular) or a sample grid (images)."""
    plt = _pyplot()
    labels = list(spec.labels)
    counts = np.bincount(data.y_train, minlength=len(labels))
    if data.x_train.ndim == 2:
        fig, axes = plt.subplots(1, 3, figsize=(14, 3.8))
        axes[0].bar(labels, counts)
        axes[0].set_title("training class balance")
        for ax, feature in zip(axes[1:], (0, 1), strict=True):
            for cls, label in enumerate(labels):
                ax.hist(data.x_train[data.y_train == cls, feature], bins=30, alpha=0.6, label=label)
            ax.set_title(f"feature {feature} by class")
            ax.legend()
    else:
        fig = plt.figure(figsize=(12, 5))
        grid = fig.add_gridspec(2, 10, height_ratios=[1, 1.2])
        bar = fig.add_subplot(grid[0, :])
        bar.bar(labels, counts)
        bar.set_title("training class balance")
        bar.tick_params(axis="x", labelsize=7)
        for cls in range(len(labels)):
            ax = fig.add_subplot(grid[1, cls])
            ax.imshow(data.x_train[np.flatnonzero(data.y_train == cls)[0]], cmap="gray")
            ax.set_title(labels[cls], fontsize=7)
            ax.axis("off")
    fig.suptitle(f"{spec.name}: exploratory view")
    _save(fig, path)


def sample_rows(data: Dataset, probs: np.ndarray, labels: list[str]) -> list[str]:
    rows = ["| test index | true | predicted | probability | correct |", "|---|---|---|---|---|"]
    for idx in range(min(SAMPLES_SHOWN, len(data.y_test))):
        pred = int(np.argmax(probs[idx]))
        rows.append(f"| {idx} | {labels[int(data.y_test[idx])]} | {labels[pred]} | "
                    f"{float(probs[idx, pred]):.4f} | {'yes' if pred == data.y_test[idx] else 'NO'} |")
    return rows


def render_report(spec: ModelSpec, data: Dataset, probs: np.ndarray, metrics: dict[str, Any]) -> str:
    labels = list(spec.labels)
    cm = metrics["confusion_matrix"]
    lines = [
        f"# {spec.name}: training report", "",
        f"- test accuracy: **{metrics['test_accuracy']:.4f}** on {metrics['test_samples']} test samples "
        f"(floor {spec.accuracy_floor}, published {spec.published.accuracy:.4f} {spec.published.what})",
        f"- epochs {metrics['epochs']}, seed {metrics['seed']}, {metrics['train_samples']} training samples, "
        f"{metrics['parameters']} parameters, {metrics['wall_time_s']} s", f"- data: {data.source}",
    ]
    cv = metrics.get("cross_validation")
    if cv:
        lines.append(f"- repeated stratified {cv['folds']}-fold CV ({cv['repeats']} repeats): "
                     f"mean {cv['mean']:.4f} ± {cv['std']:.4f} (floor {spec.cv_floor})")
    lines += ["", "## Classification report", "", "```",
              classification_report_text({"accuracy": metrics["test_accuracy"],
                                          "per_class": metrics["per_class"]}, labels), "```", "",
              "## Confusion matrix (rows true, columns predicted)", "",
              "| | " + " | ".join(labels) + " |", "|---" * (len(labels) + 1) + "|"]
    lines += [f"| **{labels[i]}** | " + " | ".join(str(v) for v in row) + " |" for i, row in enumerate(cm)]
    lines += ["", "## A few test samples", "", *sample_rows(data, probs, labels), "",
              "![curves](curves.png)", "", "![confusion](confusion.png)", "", "![eda](eda.png)", ""]
    return "\n".join(lines)


def write_all(out: Path, spec: ModelSpec, data: Dataset, probs: np.ndarray, metrics: dict[str, Any]) -> None:
    plot_curves(metrics["history"], out / "curves.png", spec.name)
    plot_confusion(metrics["confusion_matrix"], list(spec.labels), out / "confusion.png", spec.name)
    plot_eda(spec, data, out / "eda.png")
    atomic_write_text(out / "report.md", render_report(spec, data, probs, metrics))


def _sorted_against_floor(ax: Any, values: np.ndarray, stats: dict[str, Any], what: str) -> None:
    order = np.argsort(values, kind="stable")
    colors = ["tab:green" if v >= stats["floor"] else "tab:red" for v in values[order]]
    ax.scatter(np.arange(len(values)), values[order], c=colors, s=18, zorder=3)
    ax.axhline(stats["floor"], color="black", linestyle="--", label=f"floor {stats['floor']}")
    ax.axhline(stats["mean"], color="tab:blue", alpha=0.6, label=f"mean {stats['mean']:.4f}")
    ax.set_xlabel(f"seeds, sorted by {what}")
    ax.set_ylabel(what)
    ax.set_title(f"{what}: {stats['meets_floor']}/{len(values)} seeds meet the floor")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)


def plot_seed_sweep(result: dict[str, Any], path: Path) -> None:
    """Test accuracy per seed against the floor, and (with a validation split) validation vs test."""
    plt = _pyplot()
    runs, summary = result["runs"], result["summary"]
    test = np.array([r["test_accuracy"] for r in runs])
    has_val = all(r["final_val_accuracy"] is not None for r in runs)
    cv = summary.get("cross_validation")
    fig, axes = plt.subplots(1, 2 if has_val or cv else 1, figsize=(11 if has_val or cv else 6, 3.8), squeeze=False)
    _sorted_against_floor(axes[0, 0], test, summary, "test accuracy")
    if cv:
        _sorted_against_floor(axes[0, 1], np.array([r["cv_mean"] for r in runs]), cv, "CV mean accuracy")
    elif has_val:
        ax = axes[0, 1]
        val = np.array([r["final_val_accuracy"] for r in runs])
        ax.scatter(val, test, s=18, zorder=3)
        ax.axhline(summary["floor"], color="black", linestyle="--")
        published = result["published"]
        if "validation" in published["what"]:
            ax.axvline(published["accuracy"], color="tab:orange", label=f"published {published['accuracy']:.4f}")
            ax.legend(fontsize=8)
        ax.set_xlabel("final validation accuracy")
        ax.set_ylabel("test accuracy")
        ax.set_title("does validation predict test?")
        ax.grid(alpha=0.3)
    st = result["settings"]
    published = st["epochs"] == st["published_epochs"] and not st["limit"]
    fig.suptitle(f"{result['model']}: seed sweep " + ("at the published settings" if published else
                                                     f"({st['epochs']} epochs, limit {st['limit']})"))
    _save(fig, path)
