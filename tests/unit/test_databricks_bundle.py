"""databricks.yml: structure of the asset bundle, and that every --set it passes is a real config key.

No Databricks CLI here: these checks catch what breaks silently on the cluster (a renamed config
key, a wrong entry point, a GPU job without GPU scheduling), not what `bundle validate` catches.
"""
from __future__ import annotations

import base64
import hashlib
import importlib.util
import re
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from deid.cli import build_parser
from deid.config import load_config

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parents[2]
TABLE_VARS = ("input_table", "output_table", "quarantine_table", "audit_table")
_VAR = re.compile(r"\$\{var\.([a-z_]+)\}")


@pytest.fixture(scope="module")
def bundle() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "databricks.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def pyproject() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _jobs(bundle: dict) -> dict[str, dict]:
    return bundle["resources"]["jobs"]


def _task(job: dict) -> dict:
    (task,) = job["tasks"]
    return task


def _substitute(arg: str, bundle: dict) -> str:
    """Bundle substitutions -> values a local load can use: variable defaults, the repo as file path."""
    arg = arg.replace("${workspace.file_path}", str(ROOT))
    return _VAR.sub(lambda m: str(bundle["variables"][m.group(1)]["default"]), arg)


def _set_overrides(params: list[str]) -> list[str]:
    return [params[i + 1] for i, p in enumerate(params) if p == "--set"]


def test_bundle_has_wheel_artifact_and_targets(bundle, pyproject) -> None:
    assert bundle["bundle"]["name"]
    (artifact,) = bundle["artifacts"].values()
    assert artifact["type"] == "whl"
    script = artifact["build"].split()[1]
    assert (ROOT / script).is_file()
    assert {"dev", "prod"} <= set(bundle["targets"])
    assert bundle["targets"]["dev"].get("default") is True


def test_jobs_run_our_entry_point(bundle, pyproject) -> None:
    assert {"deid_job", "deid_job_gpu"} <= set(_jobs(bundle))
    scripts = pyproject["project"]["scripts"]
    for job in _jobs(bundle).values():
        task = _task(job)
        wheel = task["python_wheel_task"]
        assert wheel["package_name"] == pyproject["project"]["name"]
        assert scripts[wheel["entry_point"]] == "deid.cli:entry"  # raises SystemExit on failure
        assert any("whl" in lib for lib in task["libraries"])
        keys = {c["job_cluster_key"] for c in job["job_clusters"]}
        assert task["job_cluster_key"] in keys
        args = build_parser().parse_args([_substitute(p, bundle) for p in wheel["parameters"]])
        assert args.command == "run"


def test_daily_schedule_paused_in_dev(bundle) -> None:
    schedule = _jobs(bundle)["deid_job"]["schedule"]
    fields = schedule["quartz_cron_expression"].split()
    assert len(fields) in (6, 7) and fields[3:5] == ["*", "*"]  # every day of every month
    dev = bundle["targets"]["dev"]
    assert dev["mode"] == "development"
    assert dev["resources"]["jobs"]["deid_job"]["schedule"]["pause_status"] == "PAUSED"
    assert "schedule" not in _jobs(bundle)["deid_job_gpu"]  # never two writers on a schedule


def test_variables_feed_tables_and_secret_scope(bundle) -> None:
    variables = bundle["variables"]
    for name in (*TABLE_VARS, "secret_scope"):
        assert name in variables and variables[name].get("default")
    for job in _jobs(bundle).values():
        sets = dict(o.split("=", 1) for o in _set_overrides(_task(job)["python_wheel_task"]["parameters"]))
        assert sets["input.table"] == "${var.input_table}"
        assert sets["output.deid_table"] == "${var.output_table}"
        assert sets["output.quarantine_table"] == "${var.quarantine_table}"
        assert sets["output.audit_table"] == "${var.audit_table}"
        assert sets["replacement.key.databricks_scope"] == "${var.secret_scope}"


def test_every_set_is_a_valid_config_key(bundle) -> None:
    for name, job in _jobs(bundle).items():
        params = [_substitute(p, bundle) for p in _task(job)["python_wheel_task"]["parameters"]]
        config = params[params.index("--config") + 1]
        cfg = load_config(config, _set_overrides(params))  # ConfigError names any bad key
        assert cfg.input.table and cfg.output.deid_table, name
        assert cfg.replacement.key.databricks_scope == bundle["variables"]["secret_scope"]["default"]


def test_databricks_config_uses_tables_not_paths() -> None:
    cfg = load_config(ROOT / "conf" / "databricks.yaml")
    assert cfg.input.table and not cfg.input.path
    out = cfg.output
    assert out.deid_table and out.quarantine_table and out.audit_table
    assert not (out.deid_path or out.quarantine_path or out.audit_path)
    assert cfg.replacement.key.databricks_scope and cfg.replacement.key.env is None
    assert not cfg.replacement.key.insecure_demo_key


def test_gpu_job_schedules_gpus_and_installs_the_gpu_extra(bundle, pyproject) -> None:
    job = _jobs(bundle)["deid_job_gpu"]
    conf = job["job_clusters"][0]["new_cluster"]["spark_conf"]
    assert float(conf["spark.executor.resource.gpu.amount"]) >= 1
    assert 0 < float(conf["spark.task.resource.gpu.amount"]) <= 1
    task = _task(job)
    pypi = [lib["pypi"]["package"] for lib in task["libraries"] if "pypi" in lib]
    assert pypi == pyproject["project"]["optional-dependencies"]["gpu"]
    sets = _set_overrides(task["python_wheel_task"]["parameters"])
    assert "detection.ner.device=cuda" in sets and "detection.ner.variant=fp16" in sets


def test_cpu_job_installs_the_cpu_onnxruntime(bundle, pyproject) -> None:
    pypi = [lib["pypi"]["package"] for lib in _task(_jobs(bundle)["deid_job"])["libraries"] if "pypi" in lib]
    deps = [d.replace(" ", "") for d in pyproject["project"]["dependencies"]]
    assert [p for p in deps if p.startswith("onnxruntime")] == pypi


def _load_build_script():
    spec = importlib.util.spec_from_file_location("build_databricks_wheel",
                                                  ROOT / "scripts" / "build_databricks_wheel.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_databricks_wheel_drops_runtime_requirements(tmp_path) -> None:
    build = _load_build_script()
    meta = ("Metadata-Version: 2.1\nName: deid-lake\nRequires-Dist: pyspark<4.3,>=4.2.0\n"
            "Requires-Dist: delta_spark<4.4.1\nRequires-Dist: onnxruntime<2,>=1.18\nRequires-Dist: pandas<3\n"
            "Requires-Dist: onnxruntime-gpu<2; extra == \"gpu\"\n\nlong description\n")
    wheel = tmp_path / "deid_lake-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("deid/__init__.py", "")
        zf.writestr("deid_lake-0.1.0.dist-info/METADATA", meta)
        zf.writestr("deid_lake-0.1.0.dist-info/RECORD",
                    "deid/__init__.py,,0\ndeid_lake-0.1.0.dist-info/METADATA,sha256=old,1\n"
                    "deid_lake-0.1.0.dist-info/RECORD,,\n")
    removed = build.strip_requirements(wheel)
    assert [r.split(":")[1].strip().split("<")[0] for r in removed] == ["pyspark", "delta_spark", "onnxruntime"]
    with zipfile.ZipFile(wheel) as zf:
        new_meta = zf.read("deid_lake-0.1.0.dist-info/METADATA")
        record = zf.read("deid_lake-0.1.0.dist-info/RECORD").decode()
    assert b"pandas<3" in new_meta and b"onnxruntime-gpu" in new_meta and b"pyspark" not in new_meta
    digest = base64.urlsafe_b64encode(hashlib.sha256(new_meta).digest()).rstrip(b"=").decode()
    assert f"deid_lake-0.1.0.dist-info/METADATA,sha256={digest},{len(new_meta)}" in record
