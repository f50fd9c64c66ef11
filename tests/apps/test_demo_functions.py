"""The demo's plain functions, with exact expected values."""

import json

import numpy as np
import pytest

from apps import demo_functions as demo


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", "Please type the question."),
        (None, "Please type the question."),
        (" \t\n ", "Please type the question."),
        ("😀🎉", "The question has no letters or digits; please type some "
         "words."),
        ("?!", "The question has no letters or digits; please type some "
         "words."),
        ("x" * 501, "The question is 501 characters long; the limit is 500. "
         "Please shorten it."),
        ("x" * 500, None),
        ("東京は?", None),
        ("Who? 🤔", None),
    ],
)
def test_text_problem(text, expected):
    assert demo.text_problem(text, "the question", 500) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", "Please type a sentence with a [MASK]."),
        ("  ", "Please type a sentence with a [MASK]."),
        ("Paris is big.", 'Put a [MASK] where a word should be predicted, '
         'e.g. "Paris is the [MASK] of France."'),
        ("Paris is [mask].", 'Put a [MASK] (in capitals) where a word '
         'should be predicted, e.g. "Paris is the [MASK] of France."'),
        ("[MASK] is [MASK] of [MASK].", None),
        ("[MASK] " * 5 + "words", None),
        ("[MASK] " * 6 + "words",
         "The sentence has 6 [MASK] tokens; the limit is 5."),
        ("[MASK]", "Around the [MASK] there are no letters or digits; "
         "please type a sentence."),
        ("🎉 [MASK] 🎉", "Around the [MASK] there are no letters or digits; "
         "please type a sentence."),
        ("a" * 1_995 + "[MASK]", "The sentence is 2,001 characters long; the "
         "limit is 2,000. Please shorten it."),
        ("a" * 1_994 + "[MASK]", None),
        ("Paris is the [MASK] of France.", None),
    ],
)
def test_fill_mask_problem(text, expected):
    assert demo.fill_mask_problem(text) == expected


def test_highlight_escapes_markup_around_and_inside_the_answer():
    context = "Tom & Jerry <script>alert(1)</script> won in 1940 & more."
    start = context.index("<script>")
    end = context.index("</script>") + len("</script>")
    assert demo.highlight_html(context, start, end) == (
        '<div class="kbert-context" style="white-space: pre-wrap">'
        "Tom &amp; Jerry <mark>&lt;script&gt;alert(1)&lt;/script&gt;</mark>"
        " won in 1940 &amp; more.</div>"
    )


def test_highlight_marks_the_exact_span_and_keeps_quotes_escaped():
    context = 'He said "yes" in 1940.'
    assert demo.highlight_html(context, 17, 21) == (
        '<div class="kbert-context" style="white-space: pre-wrap">'
        "He said &quot;yes&quot; in <mark>1940</mark>.</div>"
    )


def test_highlight_without_an_answer_is_the_escaped_context():
    assert demo.highlight_html("a<b", -1, -1) == (
        '<div class="kbert-context" style="white-space: pre-wrap">'
        "a&lt;b</div>"
    )


def test_answer_html_escapes():
    assert demo.answer_html("<i>x</i> & y") == (
        '<p class="kbert-answer">Answer: <b>&lt;i&gt;x&lt;/i&gt; &amp; y'
        "</b></p>"
    )


def test_runner_ups_skip_the_best_and_stop_at_count():
    result = {
        "candidates": [
            {"text": str(index), "score": 10.0 - index} for index in range(7)
        ]
    }
    assert demo.runner_up_rows(result, count=2) == [
        {"answer": "1", "score": 9.0},
        {"answer": "2", "score": 8.0},
    ]
    assert demo.runner_up_rows({"candidates": []}) == []


def test_attention_rows_pick_the_layer_and_head_one_based():
    weights = np.arange(2 * 3 * 2 * 2, dtype="float32").reshape(2, 3, 2, 2)
    rows = demo.attention_rows(["[CLS]", "[CLS]"], weights, layer=2, head=3)
    assert rows == [
        {"query": "0 [CLS]", "key": "0 [CLS]", "query_index": 0,
         "key_index": 0, "weight": 20.0},
        {"query": "0 [CLS]", "key": "1 [CLS]", "query_index": 0,
         "key_index": 1, "weight": 21.0},
        {"query": "1 [CLS]", "key": "0 [CLS]", "query_index": 1,
         "key_index": 0, "weight": 22.0},
        {"query": "1 [CLS]", "key": "1 [CLS]", "query_index": 1,
         "key_index": 1, "weight": 23.0},
    ]


def test_fill_mask_rows_rank_from_one():
    assert demo.fill_mask_rows([("a", 0.5), ("b", 0.25), ("c", 0.125)]) == [
        {"rank": 1, "token": "a", "probability": 0.5},
        {"rank": 2, "token": "b", "probability": 0.25},
        {"rank": 3, "token": "c", "probability": 0.125},
    ]


def test_models_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("KBERT_MODELS_DIR", str(tmp_path))
    assert demo.models_dir() == tmp_path
    assert demo.model_path("qa") == tmp_path / "qa" / "model.keras"
    monkeypatch.delenv("KBERT_MODELS_DIR")
    assert demo.models_dir() == demo.REPO / "savedmodels"


def test_missing_model_message_names_file_and_command(tmp_path):
    assert demo.missing_model_message("paraphrase", tmp_path) == (
        f"The paraphrase model is missing ({tmp_path}/paraphrase/"
        "model.keras). Build the demo models with: bash savedmodels/build.sh"
    )
    (tmp_path / "paraphrase").mkdir()
    (tmp_path / "paraphrase" / "model.keras").write_bytes(b"")
    assert demo.missing_model_message("paraphrase", tmp_path) is None


def test_model_card_reads_metrics_json(tmp_path):
    (tmp_path / "qa").mkdir()
    (tmp_path / "qa" / "metrics.json").write_text(json.dumps({
        "source": "MiniLM-L6 fine-tuned on SQuAD articles 0-23",
        "metrics": {"exact_match": 61.5, "f1": 72.25},
        "epochs": 2,
    }))
    assert demo.model_card("qa", tmp_path) == {
        "title": "Question answering (SQuAD)",
        "missing": demo.missing_model_message("qa", tmp_path),
        "source": "MiniLM-L6 fine-tuned on SQuAD articles 0-23",
        "metrics": {"exact_match": 61.5, "f1": 72.25},
        "notes": {"epochs": 2},
    }


def test_model_card_survives_a_broken_metrics_file(tmp_path):
    (tmp_path / "qa").mkdir()
    (tmp_path / "qa" / "metrics.json").write_text("{not json")
    card = demo.model_card("qa", tmp_path)
    assert card["metrics"] == {}
    assert card["source"].startswith("metrics.json could not be read:")
    assert demo.model_card("fill_mask", tmp_path)["source"] is None


def test_next_sentence_probability_is_the_nsp_heads_softmax(loaded):
    """Checked against the pretrainer called by hand on the packed ids."""
    from kbert.text import BertTokenizer

    pipeline = loaded["fill_mask"]["next_sentence"]
    model = pipeline.model
    tokenizer = BertTokenizer(model.backbone.vocabulary, lowercase=True)
    a = tokenizer.encode("The sun rose.")["ids"]
    b = tokenizer.encode("Birds sang.")["ids"]
    ids = [tokenizer.cls_id, *a, tokenizer.sep_id, *b, tokenizer.sep_id]
    outputs = model(
        {
            "token_ids": np.array([ids], "int32"),
            "segment_ids": np.array(
                [[0] * (len(a) + 2) + [1] * (len(b) + 1)], "int32"
            ),
            "padding_mask": np.ones((1, len(ids)), "int32"),
            "mask_positions": np.zeros((1, 1), "int32"),
        },
        training=False,
    )
    logits = np.asarray(outputs["nsp"], "float64")[0]
    expected = np.exp(logits[0]) / np.exp(logits).sum()
    assert demo.next_sentence_probability(
        pipeline, "The sun rose.", "Birds sang."
    ) == pytest.approx(expected, abs=1e-6)
