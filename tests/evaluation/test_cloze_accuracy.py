"""Top-k cloze accuracy, the committed cloze sentences, and the script
that scores a fill-mask model on them."""

import importlib.util
import json

import pytest

from kbert.evaluation.cloze_accuracy import (
    read_cloze_sentences,
    top_k_accuracy,
)
from tests.conftest import (
    REPO,
    UNCASED_VOCABULARY,
    tiny_uncased_backbone,
    write_wikitext_corpus,
)

SENTENCES = REPO / "savedmodels" / "cloze_sentences.tsv"


def ranked(*tokens):
    """A pipeline-style list: (token, probability), best first."""
    return [(t, 0.5 / (i + 1)) for i, t in enumerate(tokens)]


def test_top_k_accuracy_counts_a_hit_among_the_best_k_only():
    predictions = [
        ranked("mat", "floor", "bed", "chair", "sofa", "rug"),  # hit at 2
        ranked("a", "b", "c", "d", "e", "tea"),  # hit at 6: outside top 5
        ranked("coffee", "tea"),  # hit at 1 (two answers)
        ranked("x", "y"),  # no hit
    ]
    answers = [{"floor"}, {"tea"}, {"tea", "coffee"}, {"z"}]
    assert top_k_accuracy(predictions, answers, k=5) == 2 / 4
    assert top_k_accuracy(predictions, answers, k=1) == 1 / 4
    assert top_k_accuracy(predictions, answers, k=6) == 3 / 4


def test_top_k_accuracy_takes_bare_tokens_too():
    assert top_k_accuracy([["red", "blue"]], [{"blue"}], k=2) == 1.0


def test_top_k_accuracy_names_bad_input():
    with pytest.raises(ValueError, match="2 prediction lists for 1"):
        top_k_accuracy([["a"], ["b"]], [{"a"}])
    with pytest.raises(ValueError, match="k=0"):
        top_k_accuracy([["a"]], [{"a"}], k=0)


def test_read_cloze_sentences(tmp_path):
    path = tmp_path / "c.tsv"
    path.write_text(
        "sentence\tanswers\nThe sky is [MASK].\tblue|grey\n", "utf-8"
    )
    assert read_cloze_sentences(path) == (
        ["The sky is [MASK]."], [{"blue", "grey"}]
    )
    path.write_text("sentence\tanswers\nNo mask here.\tblue\n", "utf-8")
    with pytest.raises(ValueError, match="line 2.*No mask here"):
        read_cloze_sentences(path)


def test_the_committed_sentences_have_single_token_answers(shared_data):
    from kbert.text import load_vocabulary

    vocabulary = set(load_vocabulary(UNCASED_VOCABULARY))
    sentences, answers = read_cloze_sentences(SENTENCES)
    assert len(sentences) == 100
    assert len(set(sentences)) == 100
    not_tokens = sorted(set().union(*answers) - vocabulary)
    assert not_tokens == []


def test_the_script_scores_a_pretrainer(shared_data, tmp_path):
    from kbert.models import BertPretrainer

    backbone = tiny_uncased_backbone()
    model_path = tmp_path / "pretrainer.keras"
    BertPretrainer(backbone).save(model_path)
    corpus = write_wikitext_corpus(tmp_path / "heldout.txt", 3, split="test")

    spec = importlib.util.spec_from_file_location(
        "evaluate_fill_mask", REPO / "savedmodels" / "evaluate_fill_mask.py"
    )
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    output = tmp_path / "evaluation.json"
    script.main([
        "--model", str(model_path), "--heldout-corpus", str(corpus),
        "--heldout-batches", "1", "--max-seq-length", "64",
        "--max-predictions", "10", "--output", str(output),
    ])

    results = json.loads(output.read_text())
    rows = results["cloze_predictions"]
    assert [row["sentence"] for row in rows] == read_cloze_sentences(
        SENTENCES
    )[0]
    assert all(len(row["top"]) == 5 for row in rows)
    # The figure is the share of rows whose top 5 hold an answer.
    hits = sum(
        any(token in row["answers"] for token, _ in row["top"])
        for row in rows
    )
    assert results["cloze_top5_accuracy"] == hits / 40
    assert 0.0 <= results["heldout_mlm_accuracy"] <= 1.0
    assert 0.0 <= results["heldout_nsp_accuracy"] <= 1.0
