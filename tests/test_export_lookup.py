"""symparam export and verify of the lookup kinds (StringLookup, IntegerLookup, Hashing, HashedCrossing,
TextVectorization): a spec giving only vocabulary_size (a symbol) is written with that many placeholder terms, the
inputs they read typed (strings, integers), the written file builds a model whose lookups have that vocabulary
size, and verify agrees; --to torch refuses them in one line with the reason."""

from __future__ import annotations

import runpy

import pytest

from oracle.cases import require
from symparam.account import build as account_of
from symparam.cli import main
from symparam.engine import derive, resolved
from symparam.errors import SymparamError
from symparam.export import export
from symparam.spec import loads
from symparam.verify import verify

SPEC = """[network]
name = "lookups"
input = { text = [], tags = [3], year = [1], city = [1] }
outputs = ["head"]

[symbols]
vocab = { default = 40, doc = "the text vocabulary's size (terms, OOV and mask indices)" }
tags_vocab = { default = 9, doc = "the tag vocabulary's size" }

[[layers]]
type = "TextVectorization"
name = "vectorize"
inputs = ["text"]
vocabulary_size = "vocab"
output_sequence_length = 6

[[layers]]
type = "Embedding"
name = "embed"
input_dim = "vocab"
output_dim = 4

[[layers]]
type = "Flatten"
name = "flat"

[[layers]]
type = "StringLookup"
name = "tag_lookup"
inputs = ["tags"]
vocabulary_size = "tags_vocab"
output_mode = "multi_hot"

[[layers]]
type = "IntegerLookup"
name = "year_lookup"
inputs = ["year"]
vocabulary = [1999, 2000, 2001]
mask_token = 0
output_mode = "one_hot"

[[layers]]
type = "HashedCrossing"
name = "crossed"
inputs = ["year", "city"]
num_bins = 8
output_mode = "one_hot"

[[layers]]
type = "Concatenate"
name = "joined"
inputs = ["flat", "tag_lookup", "year_lookup", "crossed"]

[[layers]]
type = "Dense"
name = "head"
units = 2
"""


def account(**values):
    return account_of(resolved(derive(loads(SPEC, "<lookups>")), values))


@pytest.mark.parametrize("values", [{}, {"vocab": 123, "tags_vocab": 3}])
def test_placeholder_terms_fill_the_vocabulary_size_and_verify(values, tmp_path):
    require("keras")
    acc = account(**values)
    text = export(acc, "keras")
    vocab, tags = values.get("vocab", 40), values.get("tags_vocab", 9)
    assert f'vocabulary=[f"term{{i}}" for i in range(1, {vocab - 1})]' in text   # one OOV index in every mode
    assert f'vocabulary=[f"term{{i}}" for i in range(1, {tags})]' in text     # (the mask only in "int" mode)
    assert "vocabulary_size" not in text
    assert "name='text', dtype='string'" in text and "name='year', dtype='int64'" in text
    path = tmp_path / "lookups_keras.py"
    path.write_text(text, encoding="utf-8")
    model = runpy.run_path(str(path))["build"]()
    assert model.get_layer("vectorize").vocabulary_size() == vocab
    assert model.get_layer("tag_lookup").vocabulary_size() == tags
    assert model.count_params() == int(acc.total.value)
    report = verify(acc, "keras")
    assert report.verified, report.text()


def test_a_vocabulary_size_with_no_room_for_a_term_is_refused_on_export():
    spec = SPEC.replace('vocab = { default = 40', 'vocab = { default = 2')
    acc = account_of(resolved(derive(loads(spec, "<lookups>"))))
    with pytest.raises(SymparamError, match="leaves no term besides the 2 OOV and mask indices"):
        export(acc, "keras")


def test_export_to_torch_is_refused_in_one_line(tmp_path, capsys):
    path = tmp_path / "lookups.toml"
    path.write_text(SPEC, encoding="utf-8")
    assert main(["export", str(path), "--to", "torch"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot be exported to torch" in err and "TensorFlow" in err
