import pytest

from deid.cli import default_config_path
from deid.config import load_config
from deid.errors import ConfigError


def test_packaged_local_config_loads():
    cfg = load_config(default_config_path())
    assert cfg.input.format == "delta"
    assert cfg.replacement.mode == "surrogate"
    assert cfg.detection.ner.variant == "int8"


def test_cluster_template_loads():
    cfg = load_config(default_config_path().parent / "cluster.template.yaml")
    assert cfg.output.deid_table and cfg.input.table


def test_override_sets_nested_key_with_yaml_typing():
    cfg = load_config(default_config_path(), ["detection.ner.batch_size=8", "detection.noise_filter.enabled=false"])
    assert cfg.detection.ner.batch_size == 8
    assert cfg.detection.noise_filter.enabled is False


@pytest.mark.parametrize("override, key", [
    ("input.colums.text=x", "input.colums"),
    ("detection.ner.device=tpu", "detection.ner.device"),
    ("replacement.mode=scramble", "replacement.mode"),
    ("validation.max_quarantine_share=2", "validation.max_quarantine_share"),
    ("spark.shuffle_partitions=0", "spark.shuffle_partitions"),
])
def test_bad_key_or_value_is_named(override, key):
    with pytest.raises(ConfigError) as err:
        load_config(default_config_path(), [override])
    assert key in str(err.value)


def test_exactly_one_input_source():
    with pytest.raises(ConfigError, match="input"):
        load_config(default_config_path(), ["input.table=main.raw.notes"])


def test_parquet_needs_a_path():
    with pytest.raises(ConfigError, match="input.table"):
        load_config(default_config_path(), ["input.format=parquet", "input.path=null", "input.table=t"])


def test_bad_override_syntax():
    with pytest.raises(ConfigError, match="section.key=value"):
        load_config(default_config_path(), ["detection.ner.enabled"])


def test_missing_file_and_bad_yaml(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("input: [unclosed")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)


def test_fingerprint_ignores_paths_and_key_location_but_not_mode():
    a = load_config(default_config_path())
    b = load_config(default_config_path(), ["input.path=/elsewhere", "replacement.key.env=OTHER"])
    c = load_config(default_config_path(), ["replacement.mode=mask"])
    assert a.fingerprint() == b.fingerprint()
    assert a.fingerprint() != c.fingerprint()


def test_relative_local_paths_become_absolute_uris_stay(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = load_config(default_config_path(), ["input.path=in", "output.deid_path=abfss://c@a/x"])
    assert cfg.input.path == str(tmp_path / "in")
    assert cfg.output.deid_path == "abfss://c@a/x"
