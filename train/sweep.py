"""Seed sweep: train one model at its published settings under many seeds.

One training run is one draw. Whether "the floor holds at the published settings" is a
property of the recipe only if it holds across seeds, so the sweep reports the spread, the
share of seeds that meet the floor (with a Wilson interval), where the default seed falls,
and how well validation accuracy predicts test accuracy (picking a seed by its *test*
accuracy would be selection on the test set; picking by validation is fair, if it works).
"""

from __future__ import annotations

import json
import math
import os
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from edgequant.runtime.errors import InputError
from edgequant.runtime.fsutil import atomic_write_json, atomic_write_text
from edgequant.train.registry import DEFAULT_SEED, ModelSpec

SCHEMA = "edgequant.seed-sweep/1"
MAX_SEEDS = 1000


def parse_seeds(text: str) -> list[int]:
    """``"30"`` -> 0..29, ``"5-9"`` -> 5..9, ``"1,4,9"`` -> those seeds."""
    text = text.strip()
    if re.fullmatch(r"\d+", text):
        seeds = list(range(int(text)))
    elif m := re.fullmatch(r"(\d+)-(\d+)", text):
        seeds = list(range(int(m[1]), int(m[2]) + 1))
    elif re.fullmatch(r"\d+(,\d+)+", text):
        seeds = list(dict.fromkeys(int(s) for s in text.split(",")))
    else:
        seeds = []
    if not 1 <= len(seeds) <= MAX_SEEDS:
        raise InputError("bad --seeds value",
                         expected=f"a count (30), a range (5-9) or a list (1,4,9) of 1 to {MAX_SEEDS} seeds",
                         got=repr(text), fix="for example --seeds 30 trains seeds 0 to 29")
    return seeds


def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval for a proportion: honest at 0/n and n/n, unlike the normal one."""
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _reusable_metrics(path: Path, *, seed: int, epochs: int, limit: int | None, versions: dict[str, str],
                      cross_validation: bool) -> dict[str, Any] | None:
    """The metrics of a finished run from an earlier (interrupted) sweep, if it was made the same way."""
    if not path.is_file():
        return None
    m = json.loads(path.read_text())
    if cross_validation and not m.get("cross_validation"):
        return None
    same = (m.get("seed"), m.get("epochs"), m.get("limit"), m.get("versions")) == (seed, epochs, limit, versions)
    return m if same else None


def _row(metrics: dict[str, Any]) -> dict[str, Any]:
    history = metrics["history"]
    val, cv = history.get("val_accuracy"), metrics.get("cross_validation")
    return {"seed": metrics["seed"], "test_accuracy": metrics["test_accuracy"],
            "meets_floor": metrics["meets_floor"], "cv_mean": cv["mean"] if cv else None,
            "final_val_accuracy": val[-1] if val else None,
            "final_train_accuracy": history["accuracy"][-1],
            "wall_time_s": metrics["wall_time_s"]}


def _spread(values: list[float], floor: float) -> dict[str, Any]:
    """Spread of one accuracy over seeds and how many seeds meet its floor."""
    arr = np.array(values)
    n, met = len(arr), int(np.sum(arr >= floor))
    return {
        "mean": float(arr.mean()), "std": float(arr.std(ddof=1)) if n > 1 else 0.0,
        "min": float(arr.min()), "median": float(np.median(arr)), "max": float(arr.max()),
        "q05": float(np.quantile(arr, 0.05)), "q95": float(np.quantile(arr, 0.95)),
        "floor": floor, "meets_floor": met, "share_meeting_floor": met / n,
        "share_meeting_floor_95ci": list(wilson_interval(met, n)),
        # The floor's place in the distribution: 0.5 means half the seeds fall below it.
        "floor_percentile": float(np.mean(arr < floor)),
    }


def summarize(spec: ModelSpec, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Spread of test accuracy over seeds, share meeting the floor, and what validation tells."""
    test = [r["test_accuracy"] for r in rows]
    n = len(test)
    out: dict[str, Any] = {"seeds": n} | _spread(test, spec.accuracy_floor)
    cv = [r.get("cv_mean") for r in rows]
    if spec.cv_floor is not None and all(c is not None for c in cv):
        out["cross_validation"] = _spread(cv, spec.cv_floor)
    default = next((r for r in rows if r["seed"] == DEFAULT_SEED), None)
    out["default_seed"] = None if default is None else {
        "seed": DEFAULT_SEED, "test_accuracy": default["test_accuracy"], "meets_floor": default["meets_floor"]}
    val = [r["final_val_accuracy"] for r in rows]
    if n > 2 and all(v is not None for v in val):
        best = rows[int(np.argmax(val))]
        corr = np.corrcoef(val, test)[0, 1] if np.std(val) > 0 and np.std(test) > 0 else float("nan")
        out["validation"] = {
            "mean": float(np.mean(val)), "test_correlation": None if math.isnan(corr) else float(corr),
            "best_seed": best["seed"], "best_seed_test_accuracy": best["test_accuracy"],
            "best_seed_meets_floor": best["meets_floor"]}
    return out


def run_sweep(spec: ModelSpec, *, seeds: list[int], runs_dir: str | os.PathLike, epochs: int | None = None,
              data_dir: str | os.PathLike | None = None, limit: int | None = None, cross_validation: bool = False,
              progress: Any = None) -> dict[str, Any]:
    """Train ``spec`` once per seed (reusing finished runs in ``runs_dir``) and summarize.

    cross_validation: also run the registry's CV for every seed (only breast-cancer has one;
    it costs ~10 extra fits per seed), so the CV floor is swept too.
    """
    from edgequant.train.trainer import library_versions, train_model

    epochs = epochs or spec.train.epochs
    versions = library_versions()
    task = progress.add_task(f"{spec.name} seeds", total=len(seeds)) if progress is not None else None
    rows, reused = [], 0
    for seed in seeds:
        run = Path(runs_dir) / f"seed-{seed}"
        metrics = _reusable_metrics(run / "metrics.json", seed=seed, epochs=epochs, limit=limit, versions=versions,
                                    cross_validation=cross_validation)
        if metrics is not None:
            reused += 1
        else:
            metrics = train_model(spec, out_dir=run, epochs=epochs, seed=seed, data_dir=data_dir, limit=limit,
                                  cross_validation=cross_validation).metrics
        rows.append(_row(metrics))
        if task is not None:
            progress.update(task, advance=1, description=f"{spec.name} seed {seed}: "
                                                         f"{metrics['test_accuracy']:.4f}")
    return {"schema": SCHEMA, "model": spec.name, "created": datetime.now(timezone.utc).isoformat(),
            "command": f"edgequant sweep {spec.name} --seeds {_seeds_text(seeds)}"
                       + (f" --epochs {epochs}" if epochs != spec.train.epochs else "")
                       + (f" --limit {limit}" if limit else "") + (" --cv" if cross_validation else ""),
            "settings": {"epochs": epochs, "published_epochs": spec.train.epochs, "limit": limit,
                         "batch_size": spec.train.batch_size, "validation_split": spec.train.validation_split,
                         "optimizer": spec.train.optimizer, "loss": spec.train.loss},
            "published": {"accuracy": spec.published.accuracy, "what": spec.published.what},
            "versions": versions, "runs_dir": str(runs_dir), "reused_runs": reused,
            "summary": summarize(spec, rows), "runs": rows}


def _seeds_text(seeds: list[int]) -> str:
    if seeds == list(range(len(seeds))):
        return str(len(seeds))
    if seeds == list(range(seeds[0], seeds[-1] + 1)):
        return f"{seeds[0]}-{seeds[-1]}"
    return ",".join(map(str, seeds))


def headline(result: dict[str, Any]) -> str:
    """The sweep in one sentence (the CLI prints it; README quotes the table)."""
    s = result["summary"]
    low, high = s["share_meeting_floor_95ci"]
    text = (f"{result['model']}: {s['seeds']} seeds, test accuracy {s['mean']:.4f} ± {s['std']:.4f} "
            f"(min {s['min']:.4f}, max {s['max']:.4f}); {s['meets_floor']}/{s['seeds']} meet the floor {s['floor']} "
            f"(95% CI {low:.0%}-{high:.0%})")
    if d := s["default_seed"]:
        text += f"; default seed {d['seed']}: {d['test_accuracy']:.4f}"
    if c := s.get("cross_validation"):
        text += (f"; CV mean {c['mean']:.4f} ± {c['std']:.4f}, {c['meets_floor']}/{s['seeds']} meet the CV floor "
                 f"{c['floor']}")
    if v := s.get("validation"):
        text += f"; best-validation seed {v['best_seed']}: {v['best_seed_test_accuracy']:.4f} on test"
    return text


def to_markdown(result: dict[str, Any]) -> str:
    s = result["summary"]
    low, high = s["share_meeting_floor_95ci"]
    lines = [f"# {result['model']}: seed sweep", "",
             f"Written by `{result['command']}` on {result['created'][:10]}; {s['seeds']} seeds, "
             f"{result['settings']['epochs']} epoch(s) (published {result['settings']['published_epochs']}).", "",
             "| seeds | mean ± std | min | median | max | 5%-95% | floor | seeds meeting floor (95% CI) | "
             "floor percentile |", "|---|---|---|---|---|---|---|---|---|",
             f"| {s['seeds']} | {s['mean']:.4f} ± {s['std']:.4f} | {s['min']:.4f} | {s['median']:.4f} | "
             f"{s['max']:.4f} | {s['q05']:.4f}-{s['q95']:.4f} | {s['floor']} | {s['meets_floor']}/{s['seeds']} = "
             f"{s['share_meeting_floor']:.0%} ({low:.0%}-{high:.0%}) | {s['floor_percentile']:.0%} |", ""]
    if s["default_seed"]:
        d = s["default_seed"]
        lines.append(f"- default seed {d['seed']}: {d['test_accuracy']:.4f} "
                     f"({'meets' if d['meets_floor'] else 'below'} the floor)")
    if c := s.get("cross_validation"):
        c_low, c_high = c["share_meeting_floor_95ci"]
        lines.append(f"- repeated stratified 5-fold CV mean per seed: {c['mean']:.4f} ± {c['std']:.4f} "
                     f"(min {c['min']:.4f}, max {c['max']:.4f}); {c['meets_floor']}/{s['seeds']} seeds meet the CV "
                     f"floor {c['floor']} ({c_low:.0%}-{c_high:.0%})")
    if v := s.get("validation"):
        corr = "n/a" if v["test_correlation"] is None else f"{v['test_correlation']:+.2f}"
        lines.append(f"- final validation accuracy: mean {v['mean']:.4f}; correlation with test accuracy {corr}; "
                     f"the seed with the best validation ({v['best_seed']}) scores {v['best_seed_test_accuracy']:.4f}"
                     f" on test ({'meets' if v['best_seed_meets_floor'] else 'below'} the floor)")
    lines += ["", "| seed | test accuracy | final validation | final training | CV mean | meets floor |",
              "|---|---|---|---|---|---|"]
    for r in result["runs"]:
        val = "-" if r["final_val_accuracy"] is None else f"{r['final_val_accuracy']:.4f}"
        cv = "-" if r.get("cv_mean") is None else f"{r['cv_mean']:.4f}"
        lines.append(f"| {r['seed']} | {r['test_accuracy']:.4f} | {val} | {r['final_train_accuracy']:.4f} | {cv} | "
                     f"{'yes' if r['meets_floor'] else 'no'} |")
    return "\n".join(lines) + "\n"


def write(result: dict[str, Any], out_dir: str | os.PathLike) -> list[Path]:
    """seed-sweep-<model>.json, .md and .png in ``out_dir``."""
    from edgequant.train.reports import plot_seed_sweep

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"seed-sweep-{result['model']}"
    plot_seed_sweep(result, stem.with_suffix(".png"))
    atomic_write_text(stem.with_suffix(".md"), to_markdown(result))
    atomic_write_json(stem.with_suffix(".json"), result)
    return [stem.with_suffix(s) for s in (".json", ".md", ".png")]
