"""Text-in SavedModels answer as the Python pipelines over the Keras model.

The SavedModels run in a fresh process in which `import tensorflow_text`
fails (as in stock TF Serving); the pipelines use the tensorflow-text
tokenizer, NumPy decoding and the Keras model loaded from `.keras`.
Inputs include an empty string, a 10,000-character text, non-Latin
scripts, emoji and a batch of 64.
"""

import itertools

import numpy as np
import pytest

from tests.export.conftest import LONG_TEXT, TEXTS, serve, serve_one

BATCH = 64

FILL_TEXTS = [
    "[MASK]",
    "The capital of France is [MASK].",
    "[MASK] and [MASK] went up the hill[MASK]",
    "no mask here",
    "",
    "東京は[MASK]の首都です。",
    "Москва — [MASK] России.",
    "😀 [MASK] 🎉",
    "[MASK] " + LONG_TEXT + " [MASK]",  # the last mask is cut off
]

QUESTIONS = [
    ("Where was Jane Austen born?", TEXTS[1]),
    ("", ""),
    ("Which town is near Bath?", LONG_TEXT),
    ("首都は?", TEXTS[2]),
    ("Что такое Москва?", TEXTS[3]),
    ("😀?", "😀🎉 emoji context 🎉"),
    ("How much?", TEXTS[5]),
    ("Question with no context", ""),
]


def batch_of(items):
    return list(itertools.islice(itertools.cycle(items), BATCH))


def requests(exported):
    pairs = batch_of(list(itertools.product(TEXTS, TEXTS)))
    questions = batch_of(QUESTIONS)
    ids = {
        "token_ids": [[2, 7592, 2088, 3, 0], [2, 7592, 3, 0, 0]],
        "segment_ids": [[0] * 5, [0] * 5],
        "padding_mask": [[1, 1, 1, 1, 0], [1, 1, 1, 0, 0]],
    }
    inputs = {
        "fill_mask": {"text": batch_of(FILL_TEXTS)},
        "sentence_pair": {
            "text_a": [a for a, _ in pairs],
            "text_b": [b for _, b in pairs],
        },
        "question_answering": {
            "question": [q for q, _ in questions],
            "context": [c for _, c in questions],
        },
        "token_classification": {"text": batch_of(TEXTS)},
        "embedding": {"text": batch_of(TEXTS)},
    }
    return [
        {
            "model": str(exported[name][1]),
            "signature": signature,
            "inputs": value,
        }
        for name, text_inputs in inputs.items()
        for signature, value in (
            ("serving_default", text_inputs),
            ("serve_ids", ids),
        )
    ]


@pytest.fixture(scope="module")
def served(exported, tmp_path_factory):
    """(request, answer) pairs keyed by (model name, signature)."""
    asked = requests(exported)
    answers = serve(asked, tmp_path_factory.mktemp("serving"))
    names = {str(path): name for name, (_, path) in exported.items()}
    return {
        (names[request["model"]], request["signature"]): (request, answer)
        for request, answer in zip(asked, answers)
    }


def assert_same_ranking(tokens, scores, expected):
    """Top-k lists agree: scores within 1e-5; tokens equal, except that
    two tokens whose scores differ by less than 1e-5 may trade places."""
    expected_tokens = [token for token, _ in expected]
    expected_scores = [score for _, score in expected]
    np.testing.assert_allclose(scores, expected_scores, atol=1e-5)
    for index, (token, wanted) in enumerate(zip(tokens, expected_tokens)):
        if token != wanted:
            near = [t for t, s in expected if abs(s - scores[index]) < 1e-5]
            assert token in near, (index, tokens, expected_tokens)


def test_fill_mask_matches_the_pipeline(exported, served):
    from kbert.pipelines import FillMaskPipeline

    model, _ = exported["fill_mask"]
    request, answer = served["fill_mask", "serving_default"]
    texts = request["inputs"]["text"]
    expected = FillMaskPipeline(model, top_k=5, sequence_length=128)(texts)
    assert answer["num_masks"] == [len(rows) for rows in expected]
    assert answer["num_masks"][:9] == [1, 1, 3, 0, 0, 1, 1, 1, 1]
    for row, masks in enumerate(expected):
        for slot, ranked in enumerate(masks):
            assert_same_ranking(
                answer["tokens"][row][slot],
                answer["scores"][row][slot],
                ranked,
            )
        for slot in range(len(masks), len(answer["tokens"][row])):
            assert answer["tokens"][row][slot] == [""] * 5
            assert answer["scores"][row][slot] == [0.0] * 5


def test_sentence_pair_matches_the_pipeline(exported, served):
    from kbert.pipelines import SentencePairPipeline

    model, _ = exported["sentence_pair"]
    request, answer = served["sentence_pair", "serving_default"]
    expected = SentencePairPipeline(model, sequence_length=128)(
        request["inputs"]["text_a"], request["inputs"]["text_b"]
    )
    np.testing.assert_allclose(
        answer["probabilities"],
        [
            [e["probabilities"][n] for n in ("different", "same")]
            for e in expected
        ],
        atol=1e-5,
    )
    assert answer["label"] == [e["label"] for e in expected]


def test_question_answering_matches_the_pipeline(exported, served):
    from kbert.pipelines import QuestionAnsweringPipeline

    model, _ = exported["question_answering"]
    request, answer = served["question_answering", "serving_default"]
    questions = request["inputs"]["question"]
    contexts = request["inputs"]["context"]
    expected = QuestionAnsweringPipeline(model)(questions, contexts)
    assert answer["answer"] == [e["answer"] for e in expected]
    assert answer["start"] == [e["start"] for e in expected]
    assert answer["end"] == [e["end"] for e in expected]
    np.testing.assert_allclose(
        answer["score"], [e["score"] for e in expected], rtol=1e-5, atol=1e-5
    )
    for context, text, start, end in zip(
        contexts, answer["answer"], answer["start"], answer["end"]
    ):
        assert context[start:end] == text if start >= 0 else text == ""
    # The long context needs many windows; the empty one has no answer.
    assert answer["answer"][2] and answer["answer"][1] == ""


def test_token_classification_matches_the_pipeline(exported, served):
    from kbert.pipelines import TokenClassificationPipeline

    model, _ = exported["token_classification"]
    request, answer = served["token_classification", "serving_default"]
    texts = request["inputs"]["text"]
    expected = TokenClassificationPipeline(model, sequence_length=128)(texts)
    assert answer["num_entities"] == [len(e) for e in expected]
    assert sum(answer["num_entities"]) > 0
    for row, entities in enumerate(expected):
        count = len(entities)
        assert answer["entity_text"][row][:count] == [
            e["text"] for e in entities
        ]
        assert answer["entity_label"][row][:count] == [
            e["label"] for e in entities
        ]
        assert answer["entity_start"][row][:count] == [
            e["start"] for e in entities
        ]
        assert answer["entity_end"][row][:count] == [e["end"] for e in entities]
        assert set(answer["entity_label"][row][count:]) <= {""}


def test_embedding_matches_the_sentence_embedder(exported, served):
    from kbert.convert.sentence_embedder import SentenceEmbedder

    model, _ = exported["embedding"]
    request, answer = served["embedding", "serving_default"]
    expected = SentenceEmbedder(model, sequence_length=128).embed(
        request["inputs"]["text"]
    )
    np.testing.assert_allclose(answer["embedding"], expected, atol=1e-5)


@pytest.mark.parametrize(
    "name",
    [
        "fill_mask",
        "sentence_pair",
        "question_answering",
        "token_classification",
        "embedding",
    ],
)
def test_serve_ids_gives_the_model_outputs(exported, served, name):
    import keras

    model, _ = exported[name]
    request, answer = served[name, "serve_ids"]
    inputs = {
        key: np.array(value, "int32")
        for key, value in request["inputs"].items()
    }
    if name == "fill_mask":
        inputs["mask_positions"] = np.broadcast_to(
            np.arange(5, dtype="int32"), (2, 5)
        )
    outputs = model(inputs, training=False)
    assert sorted(answer) == sorted(outputs)
    # Serving's bound: the graph runs each dense's matmul, bias add and
    # GELU as one oneDNN kernel, whose rounding and erf differ from the
    # eager ops' by up to about 4e-5 on these logits.
    for key, value in outputs.items():
        np.testing.assert_allclose(
            answer[key],
            keras.ops.convert_to_numpy(value),
            atol=1e-4,
            rtol=1e-4,
        )


def test_question_answering_abstains_as_the_pipeline(exported, tmp_path):
    """A SQuAD 2.0 model: its no-answer threshold travels in the .keras
    file into the SavedModel, which answers "" exactly where the pipeline
    does."""
    from kbert.export import export_saved_model
    from kbert.pipelines import QuestionAnsweringPipeline
    from kbert.saving import load_model

    model, _ = exported["question_answering"]
    questions = [q for q, _ in QUESTIONS]
    contexts = [c for _, c in QUESTIONS]
    always = QuestionAnsweringPipeline(model)(questions, contexts)
    margins = sorted(
        e["null_score"] - e["score"] for e in always if e["answer"]
    )
    # Halfway between two margins: some questions abstain, some answer.
    middle = len(margins) // 2
    threshold = float(np.mean(margins[middle - 1 : middle + 1]))
    model.no_answer_threshold = threshold
    try:
        model.save(tmp_path / "qa2.keras")
    finally:
        model.no_answer_threshold = None
    loaded = load_model(str(tmp_path / "qa2.keras"))
    assert loaded.no_answer_threshold == threshold
    export_saved_model(loaded, str(tmp_path / "qa2" / "1"))
    answer = serve_one(
        tmp_path / "qa2" / "1",
        {"question": questions, "context": contexts},
        tmp_path,
    )
    expected = QuestionAnsweringPipeline(loaded)(questions, contexts)
    assert answer["answer"] == [e["answer"] for e in expected]
    assert answer["start"] == [e["start"] for e in expected]
    assert answer["end"] == [e["end"] for e in expected]
    np.testing.assert_allclose(
        answer["null_score"], [e["null_score"] for e in expected], atol=1e-5
    )
    abstained = [
        a["answer"] != "" and e["answer"] == ""
        for a, e in zip(always, expected)
    ]
    assert 0 < sum(abstained) < sum(1 for a in always if a["answer"])


def test_multiple_choice_matches_the_keras_model(exported, tmp_path):
    """`context` + `endings` [N, C] in, the Keras model's choice out."""
    from kbert.data.multiple_choice import (
        MultipleChoiceExample,
        multiple_choice_features,
    )
    from kbert.pipelines import text_inputs

    model, path = exported["multiple_choice"]
    contexts = ["Jane Austen wrote Emma.", "", "東京は首都です。", LONG_TEXT]
    endings = [
        ["She was born in 1775.", "The cat sat.", "Emma is a novel.", "?"],
        ["", "a", "b c", "😀"],
        ["Москва.", "首都", "Paris", "no"],
        ["one", "two", "three", LONG_TEXT],
    ]
    examples = [
        MultipleChoiceExample(str(i), context, tuple(choices), None)
        for i, (context, choices) in enumerate(zip(contexts, endings))
    ]
    features, _ = multiple_choice_features(
        examples, text_inputs.tokenizer_for(model), 128
    )
    logits = text_inputs.run_model(model, features)["logits"]
    text, ids = serve(
        [
            {
                "model": str(path),
                "signature": "serving_default",
                "inputs": {"context": contexts, "endings": endings},
            },
            {
                "model": str(path),
                "signature": "serve_ids",
                "inputs": {k: v.tolist() for k, v in features.items()},
            },
        ],
        tmp_path,
    )
    assert text["label"] == logits.argmax(-1).tolist()
    np.testing.assert_allclose(
        text["probabilities"], text_inputs.softmax(logits), atol=1e-5
    )
    np.testing.assert_allclose(ids["logits"], logits, atol=1e-4)
    # serve-check has an example for both signatures (ids nested to [N, C, T]).
    from kbert.export.serve_check import check_saved_model

    report = {entry["name"]: entry for entry in check_saved_model(str(path))}
    assert report["serving_default"]["inputs"] == {
        "context": "string [None]",
        "endings": "string [None, None]",
    }
    assert len(report["serving_default"]["example"]["probabilities"][0]) == 2
    assert report["serve_ids"]["example"]["logits"][0][0] == pytest.approx(
        float(text_inputs.run_model(model, {
            "token_ids": np.array([[[2, 1, 3]]], "int32"),
            "segment_ids": np.zeros((1, 1, 3), "int32"),
            "padding_mask": np.ones((1, 1, 3), "int32"),
        })["logits"][0][0]), abs=1e-4)  # fmt: skip
