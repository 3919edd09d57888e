"""Generated README sections and report.md, built only from committed result files:
models/*/manifest.json, models/*/parity.json and the newest benchmarks/results/*.json.

Nothing here is typed by hand; `edgequant report` rewrites the marked README blocks,
and a test fails when README and these files disagree.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from edgequant.runtime.fsutil import atomic_write_text

MARK = "<!-- edgequant:{name}:{end} -->"


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def newest_matrix(results_dir: Path) -> Path | None:
    """The newest x86 matrix result (its file name is its date; other results carry a prefix)."""
    files = sorted(results_dir.glob("[0-9]*.json"))
    return files[-1] if files else None


def results_table(models_dir: Path, names: list[str]) -> str:
    lines = ["| model | published | ours: float (Keras) | ours: int8 TFLite | ours: int8 ONNX | floor | "
             "meets floor | CV mean (floor) | epochs, seed |", "|---|---|---|---|---|---|---|---|---|"]
    for name in names:
        manifest = _load(models_dir / name / "manifest.json")
        t, arts = manifest["training"], manifest["parity"]["artifacts"]
        cv = "-" if t.get("cross_validation_mean") is None else f"{t['cross_validation_mean']:.4f} ({t['cv_floor']})"
        pub = t["published"]
        lines.append(f"| {name} | {pub['accuracy']:.4f} ({pub['what']}) | {t['test_accuracy']:.4f} | "
                     f"{arts['int8']['accuracy']:.4f} | {arts['onnx-int8']['accuracy']:.4f} | {t['accuracy_floor']} | "
                     f"{'yes' if t['meets_floor'] else '**no**'} | {cv} | {t['epochs']}, {t['seed']} |")
    return "\n".join(lines)


def parity_table(models_dir: Path, names: list[str]) -> str:
    lines = ["| model | artifact | head | accuracy | delta (points) | top-1 agreement | max abs delta p | size | "
             "vs float | gate |", "|---|---|---|---|---|---|---|---|---|---|"]
    for name in names:
        report = _load(models_dir / name / "parity.json")
        arts = report["artifacts"]
        for fmt, a in arts.items():
            twin = {"int8": "f32", "onnx-int8": "onnx"}.get(fmt, fmt)
            head = a["head"] + (" (repaired)" if (a.get("repair") or {}).get("applied") else "")
            lines.append(f"| {name} | {fmt} | {head} | {a['accuracy']:.4f} | {a['accuracy_delta'] * 100:+.2f} | "
                         f"{a['agreement'] * 100:.2f}% | {a['max_abs_prob_diff']:.1e} | "
                         f"{a['size_bytes'] / 1024:.1f} KB | "
                         f"{a['size_bytes'] / arts[twin]['size_bytes']:.2f}x | {'pass' if a['passed'] else 'FAIL'} |")
    return "\n".join(lines)


def _row(result: dict[str, Any], **match: Any) -> dict[str, Any] | None:
    for r in result["rows"]:
        if all(r.get(k) == v for k, v in match.items()):
            return r
    return None


def latency_table(matrix_path: Path) -> str:
    """The headline ratios per model, 1 thread, int8 LiteRT through the runtime."""
    data = _load(matrix_path)
    env = data["environment"]
    lines = [f"Measured {data['created'][:10]} on {env['host']} ({env['cpu']['model']}, {env['cpu']['cores']} cores) "
             f"by `python -m edgequant.benchmarks.matrix`; full report: "
             f"[{matrix_path.with_suffix('.md').name}](benchmarks/results/{matrix_path.with_suffix('.md').name}).", "",
             "| model | int8 p50, batch 1 | bare interpreter | overhead | numpy loop | batch-256 samples/s | bare | "
             "overhead | Keras predict p50 | speedup | int8 vs f32 | cold start | RSS | TF import | TF RSS |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for result in data["results"]:
        one = {"format": "int8", "threads": 1}
        rt1, bare1 = _row(result, kind="runtime", batch=1, **one), _row(result, kind="bare", batch=1, **one)
        rt256, bare256 = _row(result, kind="runtime", batch=256, **one), _row(result, kind="bare", batch=256, **one)
        f32 = _row(result, kind="runtime", batch=1, format="f32", threads=1)
        naive = _row(result, kind="numpy_loop", batch=1, **one)
        keras = _row(result, kind="keras_predict", batch=1, threads=1)
        cold, tf = result["cold_start"].get("int8") or {}, result["cold_start"].get("tensorflow_import") or {}
        if not (rt1 and bare1 and rt256 and bare256):
            continue
        p50 = rt1["latency_s"]["p50"]
        lines.append(
            f"| {result['model']} | {p50 * 1e6:.1f} us | {bare1['latency_s']['p50'] * 1e6:.1f} us | "
            f"{p50 / bare1['latency_s']['p50']:.2f}x | "
            + (f"{naive['latency_s']['p50'] / bare1['latency_s']['p50']:.2f}x | " if naive else "- | ")
            + f"{rt256['throughput_sps']:,.0f} | "
            f"{bare256['throughput_sps']:,.0f} | "
            f"{bare256['throughput_sps'] / rt256['throughput_sps']:.2f}x | "
            + (f"{keras['latency_s']['p50'] * 1e3:.1f} ms | {keras['latency_s']['p50'] / p50:,.0f}x | " if keras
               else "- | - | ")
            + (f"{f32['latency_s']['p50'] / p50:.2f}x | " if f32 else "- | ")
            + (f"{cold['total_s'] * 1e3:.0f} ms | {cold['peak_rss_mb']:.0f} MB | " if cold else "- | - | ")
            + (f"{tf['import_s']:.2f} s | {tf['peak_rss_mb']:.0f} MB |" if tf else "- | - |"))
    return "\n".join(lines)


def seeds_table(paths: list[Path]) -> str:
    """One row per seed sweep (`edgequant sweep`): the spread a single training run hides."""
    if not paths:
        return "_No seed sweep yet: `edgequant sweep mnist --seeds 30`._"
    lines = ["| model | seeds | test accuracy mean ± std | min | median | max | floor | seeds meeting floor "
             "(95% CI) | default seed 0 | best-validation seed on test | validation-test correlation | "
             "CV mean over seeds: min-max, meeting CV floor | report |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for path in paths:
        r = _load(path)
        s, v = r["summary"], r["summary"].get("validation")
        low, high = s["share_meeting_floor_95ci"]
        default = "-" if not s["default_seed"] else f"{s['default_seed']['test_accuracy']:.4f}"
        best = "-" if not v else f"{v['best_seed_test_accuracy']:.4f} (seed {v['best_seed']})"
        corr = "-" if not v or v["test_correlation"] is None else f"{v['test_correlation']:+.2f}"
        c = s.get("cross_validation")
        cv = "-" if not c else (f"{c['min']:.4f}-{c['max']:.4f}, {c['meets_floor']}/{s['seeds']} >= {c['floor']}")
        lines.append(f"| {r['model']} | {s['seeds']} | {s['mean']:.4f} ± {s['std']:.4f} | {s['min']:.4f} | "
                     f"{s['median']:.4f} | {s['max']:.4f} | {s['floor']} | {s['meets_floor']}/{s['seeds']} "
                     f"({low:.0%}-{high:.0%}) | {default} | {best} | {corr} | {cv} | "
                     f"[{path.with_suffix('.md').name}](benchmarks/results/{path.with_suffix('.md').name}) |")
    lines.append("")
    lines += [f"![{p.stem}](benchmarks/results/{p.with_suffix('.png').name})" for p in paths]
    return "\n".join(lines)


def aarch64_table(path: Path) -> str:
    """The newest emulated Cortex-A72 verification, as its own generated Markdown."""
    from edgequant.benchmarks.aarch64 import to_markdown

    text = to_markdown(_load(path)).split("\n", 2)[2]  # drop the title line; README has its own heading
    return f"Latest run: `benchmarks/results/{path.name}`.\n\n" + text.strip()


def blocks(repo: Path, names: list[str]) -> dict[str, str]:
    results = repo / "benchmarks" / "results"
    models, matrix = repo / "models", newest_matrix(results)
    out = {"results": results_table(models, names), "parity": parity_table(models, names),
           "seeds": seeds_table(sorted(results.glob("seed-sweep-*.json")))}
    out["latency"] = latency_table(matrix) if matrix else "_No benchmark results yet: run `edgequant pipeline`._"
    emulated = sorted(results.glob("aarch64-*.json"))
    out["aarch64"] = aarch64_table(emulated[-1]) if emulated else \
        "_No emulated run yet: `python -m edgequant.benchmarks.aarch64`._"
    return out


def replace_blocks(text: str, new: dict[str, str]) -> str:
    """Swap the content between each block's start/end markers; text outside them is untouched."""
    for name, body in new.items():
        start, end = MARK.format(name=name, end="start"), MARK.format(name=name, end="end")
        pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
        if not pattern.search(text):
            raise ValueError(f"README has no {start} ... {end} block")
        text = pattern.sub(lambda _m, b=body, s=start, e=end: f"{s}\n{b}\n{e}", text)
    return text


def report_markdown(repo: Path, names: list[str]) -> str:
    b = blocks(repo, names)
    text = "\n".join(["# edgequant report", "", "Generated by `edgequant report` from the committed bundles and the "
                      "newest benchmark matrix.", "", "## Published vs ours (test sets, full)", "", b["results"], "",
                      "## Seed spread", "", b["seeds"], "",
                      "## Parity gate", "", b["parity"], "", "## Latency (int8 LiteRT, 1 thread)", "", b["latency"],
                      ""])
    # The blocks link relative to the repository root (for README); report.md sits in benchmarks/results/.
    return text.replace("](benchmarks/results/", "](")


def write(repo: Path, names: list[str]) -> list[Path]:
    """Rewrite README's generated blocks and benchmarks/results/report.md."""
    readme = repo / "README.md"
    atomic_write_text(readme, replace_blocks(readme.read_text(), blocks(repo, names)))
    report = atomic_write_text(repo / "benchmarks" / "results" / "report.md", report_markdown(repo, names))
    return [readme, report]
