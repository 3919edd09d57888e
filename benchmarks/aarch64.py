"""Verify the runtime and the released bundles on an emulated Cortex-A72 (Raspberry Pi 4 class CPU),
and compare every artifact's outputs with this x86 machine.

    python -m edgequant.benchmarks.aarch64      # writes benchmarks/results/aarch64-<date>.json and .md

User-mode qemu segfaults here (the backends read the host's /proc/cpuinfo), so this boots a real
arm64 Debian kernel under full-system emulation with an initramfs holding a debootstrapped rootfs,
the runtime's aarch64 wheels (no TensorFlow), the bundles and test slices. Downloads are cached.
Needs the Debian packages qemu-system-arm, debootstrap and cpio. Emulated timings say nothing about
a real Pi's speed; only correctness is compared.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import io
import json
import os
import shutil
import subprocess
import sys
import time
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from edgequant.benchmarks.aarch64_guest import BEGIN, END
from edgequant.runtime.errors import EdgequantError
from edgequant.runtime.fsutil import atomic_write_json, atomic_write_text

CACHE = Path(os.environ.get("EDGEQUANT_AARCH64_CACHE", Path.home() / ".cache" / "edgequant-aarch64"))
MIRROR = "http://deb.debian.org/debian"
SUITE = "bookworm"
RUNTIME_DISTS = ("numpy", "ai-edge-litert", "onnxruntime", "typer", "rich")
PLATFORMS = ("manylinux_2_17", "manylinux_2_27", "manylinux_2_28", "manylinux_2_31", "manylinux_2_34")
SLICE = 200
TOLERANCE = {"float_max_abs": 1e-5}
TOOLS = {"qemu-system-aarch64": "qemu-system-arm", "debootstrap": "debootstrap", "cpio": "cpio"}

INIT = """#!/bin/sh
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root PYTHONPATH=/edgequant/site PYTHONDONTWRITEBYTECODE=1
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev 2>/dev/null; mount -t tmpfs tmp /tmp
echo EDGEQUANT-GUEST-BOOTED
python3 -m edgequant.benchmarks.aarch64_guest /edgequant
echo EDGEQUANT-GUEST-DONE
echo o > /proc/sysrq-trigger
sleep 30
"""


class EmulationError(EdgequantError):
    """The emulated verification could not be built or run."""


def _run(cmd: list[str], **kw: Any) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if proc.returncode != 0:
        last = (proc.stderr or proc.stdout).strip().splitlines()[-1:]
        raise EmulationError(f"`{' '.join(cmd[:3])} ...` failed", expected="exit 0",
                             got=f"exit {proc.returncode}: {last}", fix="see the command's output")
    return proc


def check_tools() -> None:
    missing = [pkg for tool, pkg in TOOLS.items() if shutil.which(tool) is None]
    if missing:
        raise EmulationError("emulation tools are missing", expected="qemu-system-aarch64, debootstrap, cpio",
                             got=f"not installed: {', '.join(missing)}", fix=f"apt-get install -y {' '.join(missing)}")


def kernel_image() -> Path:
    """The newest Debian arm64 kernel: its vmlinuz is a raw Image with PL011 and initramfs support built in."""
    found = sorted(CACHE.glob("kernel/boot/vmlinuz-*"))
    if found:
        return found[-1]
    lists, cache = CACHE / "apt-lists", CACHE / "apt-cache"
    for d in (lists / "partial", cache / "archives" / "partial"):
        d.mkdir(parents=True, exist_ok=True)
    opts = ["-oAPT::Architecture=arm64", "-oAPT::Architectures=arm64", f"-oDir::State::Lists={lists}",
            f"-oDir::Cache={cache}"]
    _run(["apt-get", *opts, "update", "-qq"])
    depends = _run(["apt-cache", *opts, "depends", "linux-image-arm64"]).stdout
    package = next(line.split()[1] for line in depends.splitlines() if "Depends: linux-image-" in line)
    _run(["apt-get", *opts, "download", package], cwd=CACHE)
    deb = sorted(CACHE.glob(f"{package}_*.deb"))[-1]
    _run(["dpkg", "-x", str(deb), str(CACHE / "kernel")])
    return sorted(CACHE.glob("kernel/boot/vmlinuz-*"))[-1]


def rootfs() -> Path:
    """arm64 Debian minbase with python3. The second stage cannot run here, so every .deb is unpacked."""
    root = CACHE / "rootfs"
    if (root / "usr" / "bin" / "python3").exists():
        return root
    shutil.rmtree(root, ignore_errors=True)
    _run(["debootstrap", "--foreign", "--arch=arm64", "--variant=minbase", "--include=python3", SUITE, str(root),
          MIRROR])
    for deb in sorted((root / "var" / "cache" / "apt" / "archives").glob("*.deb")):
        _run(["dpkg", "-x", str(deb), str(root)])
    for junk in ("var/cache/apt/archives", "usr/share/doc", "usr/share/man", "usr/share/locale"):
        shutil.rmtree(root / junk, ignore_errors=True)
    return root


def site_packages(repo: Path, stage: Path) -> Path:
    """The base install for aarch64, pinned to this machine's versions, plus edgequant as a pure wheel."""
    from importlib import metadata

    pins = [f"{d}=={metadata.version(d)}" for d in RUNTIME_DISTS]
    wheels = CACHE / "wheels" / "-".join(p.replace("==", "-") for p in pins)
    if not wheels.exists():
        tmp = wheels.with_suffix(".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        platform_args = [a for p in PLATFORMS for a in ("--platform", f"{p}_aarch64")]
        _run([sys.executable, "-m", "pip", "install", "-q", "--target", str(tmp), *platform_args, "--only-binary=:all:",
              "--python-version", "3.11", "--implementation", "cp", *pins])
        os.replace(tmp, wheels)
    site = stage / "edgequant" / "site"
    shutil.copytree(wheels, site, symlinks=True)
    dist = stage / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), str(repo)])
    _run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site),
          str(next(dist.glob("edgequant-*.whl")))])
    shutil.rmtree(dist)
    return site


def test_slices(models: Path, stage: Path, data_dir: str | None) -> dict[str, np.ndarray]:
    from edgequant.runtime.manifest import load_manifest
    from edgequant.train.datasets import load_dataset

    slices = {}
    (stage / "edgequant" / "slices").mkdir(parents=True)
    for bundle in sorted(p for p in models.iterdir() if (p / "manifest.json").is_file()):
        manifest = load_manifest(bundle)
        x = load_dataset(manifest.data["dataset"]["name"], data_dir=data_dir, download=False).x_test[:SLICE]
        slices[bundle.name] = x.astype(manifest.input["raw_dtype"])
        np.save(stage / "edgequant" / "slices" / f"{bundle.name}.npy", slices[bundle.name])
        shutil.copytree(bundle, stage / "edgequant" / "models" / bundle.name)
    return slices


def initramfs(root: Path, stage: Path, out: Path) -> Path:
    """Uncompressed newc cpio: rootfs, then the staged files and /init (later entries win)."""
    (stage / "init").write_text(INIT)
    (stage / "init").chmod(0o755)
    with out.open("wb") as f:
        for folder in (root, stage):
            listing = subprocess.run(["find", "."], cwd=folder, capture_output=True, check=True).stdout
            subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"], cwd=folder, input=listing, stdout=f, check=True)
    return out


def boot(kernel: Path, initrd: Path, *, timeout: float) -> tuple[str, float, float]:
    """Boot the guest; return (console text, seconds to boot, total seconds)."""
    cmd = ["qemu-system-aarch64", "-M", "virt", "-cpu", "cortex-a72", "-smp", "2", "-m", "4096", "-nographic",
           "-no-reboot", "-kernel", str(kernel), "-initrd", str(initrd), "-append",
           "console=ttyAMA0 rdinit=/init panic=-1 quiet"]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    lines, booted = [], None
    assert proc.stdout is not None
    try:
        for raw in proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            lines.append(line)
            if booted is None and "EDGEQUANT-GUEST-BOOTED" in line:
                booted = time.perf_counter() - started
            if time.perf_counter() - started > timeout:
                raise EmulationError("the guest did not finish", expected=f"done within {timeout:.0f} s",
                                     got="a timeout", fix="check the console log; raise --timeout")
    finally:
        proc.kill()
        proc.wait()
    return "\n".join(lines), booted or float("nan"), time.perf_counter() - started


def parse_console(text: str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    if BEGIN not in text or END not in text:
        raise EmulationError("the guest printed no result", expected="a result block on the console",
                             got=text.strip().splitlines()[-5:], fix="see the console log")
    block = text.split(BEGIN, 1)[1].split(END, 1)[0]
    result = json.loads(base64.b64decode("".join(line.strip() for line in block.splitlines())))
    npz = np.load(io.BytesIO(zlib.decompress(base64.b64decode(result.pop("arrays_npz_b64")))))
    return result, {k: npz[k] for k in npz.files}


def host_outputs(models: Path, slices: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The same code on this machine: what the guest must reproduce."""
    from edgequant.runtime import load
    from edgequant.runtime.manifest import load_manifest

    out = {}
    for name, x in slices.items():
        for fmt in load_manifest(models / name).artifacts:
            model = load(models / name, format=fmt)
            out[f"{name}/{fmt}/probs"] = model.predict(x)
            if model.input_info.scale is not None:
                out[f"{name}/{fmt}/raw"] = model.raw_output(x)
    return out


def compare(host: dict[str, np.ndarray], guest: dict[str, np.ndarray], guest_info: dict) -> list[dict[str, Any]]:
    rows = []
    for key in sorted(k for k in host if k.endswith("/probs")):
        name, fmt, _ = key.split("/")
        h, g = host[key], guest.get(key)
        row = {"bundle": name, "artifact": fmt, "samples": int(len(h)),
               "backend": guest_info["bundles"][name]["artifacts"][fmt]["backend"]}
        if g is None or g.shape != h.shape:
            rows.append({**row, "passed": False, "why": "missing or wrong shape in the guest"})
            continue
        row["max_abs_diff"] = float(np.max(np.abs(g.astype(np.float64) - h)))
        row["argmax_agreement"] = float(np.mean(g.argmax(1) == h.argmax(1)))
        raw_key = f"{name}/{fmt}/raw"
        if fmt == "int8":  # LiteRT int8: the raw int8 outputs must be identical
            row["criterion"] = "bit-exact int8 outputs"
            row["bit_exact"] = bool(raw_key in guest and np.array_equal(guest[raw_key], host[raw_key]))
            ok = row["bit_exact"]
        else:
            row["criterion"] = f"max abs diff <= {TOLERANCE['float_max_abs']:.0e}"
            ok = row["max_abs_diff"] <= TOLERANCE["float_max_abs"]
        row["passed"] = bool(ok and row["argmax_agreement"] == 1.0)
        rows.append(row)
    return rows


def to_markdown(report: dict[str, Any]) -> str:
    g = report["guest"]
    verify = ", ".join(f"{n} {'pass' if b['verify'].get('passed') else 'FAIL'}" for n, b in g["bundles"].items())
    doctor = g["doctor"]
    backends = ", ".join(f"{b['backend']} {b['status']}" for b in doctor.get("backends", []))
    lines = [f"# aarch64 (emulated Cortex-A72) vs x86: {report['created'][:10]}", "",
             "Generated by `python -m edgequant.benchmarks.aarch64`. **Emulated timings say nothing about a real "
             "Pi's speed**; only the outputs are compared.", "",
             f"- guest: {g['machine']}, Python {g['python']}, numpy {g['numpy']}; CPU features: "
             f"{' '.join(g['cpuinfo_features'])}",
             f"- kernel {report['kernel']}; boot {report['boot_seconds']:.1f} s, total {report['total_seconds']:.1f} s "
             f"(build {report['build_seconds']:.1f} s)",
             f"- `edgequant doctor` in the guest: {backends}; `edgequant verify`: {verify}", "",
             "| bundle | artifact | backend | samples | criterion | max abs diff | argmax agreement | result |",
             "|---|---|---|---|---|---|---|---|"]
    for r in report["rows"]:
        lines.append(f"| {r['bundle']} | {r['artifact']} | {r['backend']} | {r['samples']} | {r.get('criterion', '-')} "
                     f"| {r.get('max_abs_diff', float('nan')):.1e} | {r.get('argmax_agreement', 0) * 100:.1f}% | "
                     f"{'pass' if r['passed'] else '**FAIL**'} |")
    return "\n".join(lines) + "\n"


def verify_on_aarch64(repo: Path, *, models: Path, out_dir: Path, data_dir: str | None = None,
                      timeout: float = 900, log: Any = print) -> dict[str, Any]:
    """Build (cached), boot, compare; write aarch64-<date>.json/.md into ``out_dir``; return the report."""
    import tempfile

    check_tools()
    started = time.perf_counter()
    log("kernel ...")
    kernel = kernel_image()
    log("rootfs ...")
    root = rootfs()
    with tempfile.TemporaryDirectory(prefix="edgequant-aarch64-") as tmp:
        stage = Path(tmp) / "stage"
        log("wheels ...")
        site_packages(repo, stage)
        slices = test_slices(models, stage, data_dir)
        initrd = initramfs(root, stage, Path(tmp) / "initrd.cpio")
        build = time.perf_counter() - started
        log(f"booting ({initrd.stat().st_size / 1e6:.0f} MB initramfs) ...")
        console, booted, total = boot(kernel, initrd, timeout=timeout)
    guest, arrays = parse_console(console)
    rows = compare(host_outputs(models, slices), arrays, guest)
    created = dt.datetime.now(dt.timezone.utc)
    report = {"schema": "edgequant.aarch64/1", "created": created.isoformat(timespec="seconds"),
              "kernel": kernel.name, "qemu_cpu": "cortex-a72", "build_seconds": build, "boot_seconds": booted,
              "total_seconds": total, "tolerance": TOLERANCE, "guest": guest, "rows": rows,
              "passed": all(r["passed"] for r in rows) and all(b["verify"].get("passed")
                                                               for b in guest["bundles"].values())}
    stem = out_dir / f"aarch64-{created:%Y-%m-%d}"
    atomic_write_json(stem.with_suffix(".json"), report)
    atomic_write_text(stem.with_suffix(".md"), to_markdown(report))
    return report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=Path, default=Path("models"))
    parser.add_argument("--out", type=Path, default=Path("benchmarks") / "results")
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args(argv)
    report = verify_on_aarch64(Path.cwd(), models=args.models, out_dir=args.out, timeout=args.timeout)
    print(to_markdown(report))
    sys.exit(0 if report["passed"] else 1)


if __name__ == "__main__":
    main()
