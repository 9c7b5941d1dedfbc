"""Build the wheel the Databricks bundle installs (``databricks.yml`` runs this as its artifact build).

It is the project wheel with three requirements removed from its metadata:

* ``pyspark`` and ``delta-spark``: Databricks Runtime provides Spark and Delta. Left in, the
  cluster's pip would install a second pyspark (``>=4.2``) over the runtime's and break the cluster.
* ``onnxruntime``: each job cluster installs its own flavour in ``libraries`` (``onnxruntime`` on
  CPU, ``onnxruntime-gpu`` on GPU). Both ship the same ``onnxruntime`` module, so installing the
  CPU one as a dependency of the wheel would shadow the GPU one at random.

Usage: ``python scripts/build_databricks_wheel.py [--out dist/databricks] [--no-build-isolation]``
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Iterable, Sequence

ROOT = Path(__file__).resolve().parent.parent
RUNTIME_PROVIDED: tuple[str, ...] = ("pyspark", "delta-spark", "onnxruntime")
_NAME = re.compile(r"^Requires-Dist:\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def strip_requirements(wheel: Path, drop: Iterable[str] = RUNTIME_PROVIDED) -> list[str]:
    """Remove ``Requires-Dist`` lines naming ``drop`` from a wheel, in place; return the removed lines.

    RECORD is rewritten with METADATA's new hash and size, so pip still verifies the wheel.
    """
    names = {_normalize(n) for n in drop}
    with zipfile.ZipFile(wheel) as zf:
        entries = [(info, zf.read(info)) for info in zf.infolist()]
    meta_name = next(i.filename for i, _ in entries if i.filename.endswith(".dist-info/METADATA"))
    record_name = meta_name.rsplit("/", 1)[0] + "/RECORD"
    removed: list[str] = []
    out: dict[str, bytes] = {}
    for info, data in entries:
        if info.filename == meta_name:
            kept = []
            for line in data.decode("utf-8").splitlines(keepends=True):
                m = _NAME.match(line)
                if m and _normalize(m.group(1)) in names:
                    removed.append(line.strip())
                else:
                    kept.append(line)
            data = "".join(kept).encode("utf-8")
        out[info.filename] = data
    record = []
    for line in out[record_name].decode("utf-8").splitlines():
        path = line.split(",", 1)[0]
        record.append(f"{meta_name},{_record_hash(out[meta_name])},{len(out[meta_name])}" if path == meta_name
                      else line)
    out[record_name] = ("\n".join(record) + "\n").encode("utf-8")
    tmp = wheel.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for info, _ in entries:
            zf.writestr(info, out[info.filename])
    tmp.replace(wheel)
    return removed


def build(out_dir: Path, *, isolation: bool = True) -> Path:
    """``pip wheel`` the project (no dependencies) into ``out_dir`` and strip it; returns the wheel."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("*.whl"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", tmp, str(ROOT)]
        if not isolation:
            cmd.insert(4, "--no-build-isolation")
        subprocess.run(cmd, check=True)
        (built,) = Path(tmp).glob("*.whl")
        wheel = Path(shutil.copy2(built, out_dir / built.name))
    for line in strip_requirements(wheel):
        print(f"dropped (provided by the runtime or the cluster's libraries): {line}")
    return wheel


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "dist" / "databricks"))
    parser.add_argument("--no-build-isolation", action="store_true",
                        help="build with this environment's setuptools (offline)")
    args = parser.parse_args(argv)
    print(build(Path(args.out), isolation=not args.no_build_isolation))
    return 0


if __name__ == "__main__":
    sys.exit(main())
