"""symparam.reading: the one bounded reader of a user's file, used by the spec loader and both config importers.
Each refusal is one line on stderr naming the file, exit status 2."""

from __future__ import annotations

import pytest

from symparam.cli import main
from symparam.importing import hf_config, keras_config
from symparam.reading import size_words

SPEC_OK = '[network]\ninput = [4]\n[[layers]]\ntype = "Dense"\nunits = 2\n'


def refused(capsys, *args) -> str:
    code = main(list(args))
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    return err


def test_size_words():
    assert (size_words(4 * 2**20), size_words(2**20), size_words(64 * 2**10), size_words(1000)) == \
        ("4 MiB", "1 MiB", "64 KiB", "1,000 bytes")


@pytest.mark.parametrize("command", [("derive",), ("import",)])
def test_a_directory_or_a_missing_file(command, capsys, tmp_path):
    for path in (tmp_path, tmp_path / "missing.toml"):
        err = refused(capsys, *command, str(path))
        assert str(path) in err


def test_a_spec_over_the_limit_is_refused_without_reading_it_whole(capsys, tmp_path):
    path = tmp_path / "big.toml"
    path.write_text(SPEC_OK + "#" * (4 * 2**20))
    err = refused(capsys, "derive", str(path))
    assert str(path) in err and "the spec is larger than 4 MiB (a fixed limit)" in err


def test_a_spec_that_is_not_utf8(capsys, tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes(SPEC_OK.encode() + b"# caf\xe9\n")
    assert "the spec is not UTF-8 text" in refused(capsys, "derive", str(path))


CONFIGS = {   # importer module, a config of its kind with room for padding, its name
    "hugging face": (hf_config, '{{"model_type": "gpt2", "n_embd": 8, "pad": "{}"}}', "config.json"),
    "keras": (keras_config, '{{"class_name": "Sequential", "config": {{"name": "{}", "layers": []}}}}', "model.json"),
}


@pytest.mark.parametrize("kind", sorted(CONFIGS))
def test_a_config_over_its_limit_or_not_utf8(kind, capsys, tmp_path, monkeypatch):
    module, template, name = CONFIGS[kind]
    monkeypatch.setattr(module, "MAX_CONFIG", 1000)
    big = tmp_path / name
    big.write_text(template.format("x" * 2000))
    err = refused(capsys, "import", str(big))
    assert str(big) in err and "the config is larger than 1,000 bytes (a fixed limit)" in err
    bad = tmp_path / f"bad-{name}"
    bad.write_bytes(template.format("caf\xe9").encode("latin-1"))
    assert "the config is not UTF-8 text" in refused(capsys, "import", str(bad))
