"""`kbert.pipeline`: transformers' output formats, with the expected values
computed here from the Keras models' own outputs."""

import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import REPO, UNCASED_VOCABULARY

TAGS = ("O", "B-PER", "I-PER", "B-LOC", "I-LOC")
CLASS_NAMES = ("negative", "neutral", "positive")
CONTEXT = "Emma is a novel by Jane Austen."
QUESTION = "Who wrote Emma?"


def softmax(logits):
    """Softmax over the last axis, in float64."""
    logits = np.asarray(logits, "float64")
    exp = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return exp / exp.sum(axis=-1, keepdims=True)


def wide_backbone():
    """A random bert_tiny backbone over BERT's uncased vocabulary; the wide
    initializer spreads the logits so no ranking rests on round-off."""
    from kbert.models import BertBackbone
    from kbert.text import load_vocabulary

    if not UNCASED_VOCABULARY.is_file():
        pytest.skip(f"the BERT vocabulary is not at {UNCASED_VOCABULARY}")
    vocabulary = load_vocabulary(UNCASED_VOCABULARY)
    backbone = BertBackbone.from_preset(
        "bert_tiny",
        vocabulary_size=len(vocabulary),
        initializer_range=0.5,
        max_sequence_length=64,
    )
    backbone.set_vocabulary(vocabulary)
    return backbone


def assert_close(found, expected, rel=1e-4):
    """Equal nested results, floats equal up to round-off: texts run in one
    batch (padded together or not) differ from lone runs in the last bits,
    which the wide test models amplify."""
    if isinstance(expected, float):
        assert found == pytest.approx(expected, rel=rel)
    elif isinstance(expected, (list, dict)):
        assert type(found) is type(expected) and len(found) == len(expected)
        if isinstance(expected, dict):
            assert list(found) == list(expected)
            found, expected = found.values(), expected.values()
        for found_item, expected_item in zip(found, expected):
            assert_close(found_item, expected_item, rel)
    else:
        assert found == expected


def packed(tokenizer, text):
    """`[CLS] text [SEP]` ids."""
    return (
        [tokenizer.cls_id] + tokenizer.encode(text)["ids"] + [tokenizer.sep_id]
    )


def call(model, segments, **extra):
    """The model's NumPy outputs for one sequence made of `segments` (lists
    of ids, `[CLS]`/`[SEP]` included), segment ids 0, 1, ... per list."""
    import keras

    token_ids = np.array([sum(segments, [])], "int32")
    segment_ids = np.array(
        [sum(([i] * len(s) for i, s in enumerate(segments)), [])], "int32"
    )
    inputs = {
        "token_ids": token_ids,
        "segment_ids": segment_ids,
        "padding_mask": np.ones_like(token_ids),
        **{name: np.array(value, "int32") for name, value in extra.items()},
    }
    outputs = model(inputs, training=False)
    return {
        name: keras.ops.convert_to_numpy(value)[0]
        for name, value in outputs.items()
    }


@pytest.fixture(scope="module")
def tokenizer():
    from kbert.text import BertTokenizer, load_vocabulary

    if not UNCASED_VOCABULARY.is_file():
        pytest.skip(f"the BERT vocabulary is not at {UNCASED_VOCABULARY}")
    return BertTokenizer(load_vocabulary(UNCASED_VOCABULARY))


@pytest.fixture(scope="module")
def models():
    from kbert.models import (
        BertClassifier,
        BertPretrainer,
        BertQuestionAnswerer,
        BertTokenClassifier,
    )

    return {
        "pretrainer": BertPretrainer(wide_backbone()),
        "answerer": BertQuestionAnswerer(wide_backbone()),
        "classifier": BertClassifier(
            wide_backbone(), 3, label_names=CLASS_NAMES
        ),
        "tagger": BertTokenClassifier(wide_backbone(), 5, label_names=TAGS),
        "backbone": wide_backbone(),
    }


@pytest.fixture(scope="module")
def pipelines(models):
    import kbert

    return {
        "fill-mask": kbert.pipeline("fill-mask", model=models["pretrainer"]),
        "question-answering": kbert.pipeline(
            "question-answering", model=models["answerer"]
        ),
        "text-classification": kbert.pipeline(
            "text-classification", model=models["classifier"]
        ),
        "token-classification": kbert.pipeline(
            "token-classification", model=models["tagger"]
        ),
        "feature-extraction": kbert.pipeline(
            "feature-extraction", model=models["backbone"]
        ),
    }


# --- The entry point ------------------------------------------------------


def test_import_kbert_loads_no_framework_and_pipeline_lazily():
    code = (
        "import sys, kbert\n"
        "heavy = ('keras', 'tensorflow', 'jax', 'torch')\n"
        "print(sorted(name for name in heavy if name in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "[]"

    import kbert
    from kbert.pipelines import pipeline

    assert kbert.pipeline is pipeline
    with pytest.raises(AttributeError, match="'no_such_thing'"):
        kbert.no_such_thing  # noqa: B018


def test_an_unknown_task_is_named_and_the_tasks_listed(models):
    import kbert
    from kbert.pipelines import TASKS

    with pytest.raises(ValueError, match="'summarization'") as error:
        kbert.pipeline("summarization", model=models["backbone"])
    for task in TASKS:
        assert repr(task) in str(error.value)
    with pytest.raises(ValueError, match=r"\['fill-mask'\]"):
        kbert.pipeline(["fill-mask"], model=models["backbone"])
    assert set(TASKS) == {
        "fill-mask",
        "question-answering",
        "text-classification",
        "token-classification",
        "feature-extraction",
    }


def test_a_model_is_required():
    import kbert

    with pytest.raises(ValueError, match="'fill-mask'.*needs `model`"):
        kbert.pipeline("fill-mask")


@pytest.mark.parametrize(
    "task, model_name, class_name",
    [
        ("fill-mask", "classifier", "BertClassifier"),
        ("question-answering", "pretrainer", "BertPretrainer"),
        ("text-classification", "tagger", "BertTokenClassifier"),
        ("token-classification", "answerer", "BertQuestionAnswerer"),
        ("ner", "backbone", "BertBackbone"),
        ("feature-extraction", None, "dict"),
    ],
)
def test_a_model_of_the_wrong_kind_names_task_and_class(
    models, task, model_name, class_name
):
    import kbert

    model = {} if model_name is None else models[model_name]
    shown = "token-classification" if task == "ner" else task
    with pytest.raises(ValueError, match=f"'{shown}'.*{class_name}"):
        kbert.pipeline(task, model=model)


def test_a_path_to_a_saved_model_works(models, tmp_path):
    import kbert

    path = tmp_path / "classifier.keras"
    models["classifier"].save(path)
    from_memory = kbert.pipeline(
        "text-classification", model=models["classifier"], top_k=None
    )
    for model in (str(path), path):
        from_file = kbert.pipeline("text-classification", model=model)
        assert type(from_file.model).__name__ == "BertClassifier"
        assert_close(
            from_file("A quiet film.", top_k=None),
            from_memory("A quiet film."),
        )
    with pytest.raises(ValueError, match="'fill-mask'.*BertClassifier"):
        kbert.pipeline("fill-mask", model=path)


# --- fill-mask ----------------------------------------------------------


def mlm_probabilities(model, tokenizer, parts):
    """Masked-LM probabilities `(masks, V)` of `[MASK]`-joined `parts`."""
    ids = [tokenizer.cls_id]
    for index, part in enumerate(parts):
        if index:
            ids.append(tokenizer.mask_id)
        ids.extend(tokenizer.encode(part)["ids"])
    ids.append(tokenizer.sep_id)
    positions = [i for i, token in enumerate(ids) if token == tokenizer.mask_id]
    logits = call(model, [ids], mask_positions=[positions])["mlm"]
    return softmax(logits)


def test_fill_mask_scores_are_the_softmax_of_the_mlm_logits(
    models, pipelines, tokenizer
):
    text = "Paris is the [MASK] of France."
    (probabilities,) = mlm_probabilities(
        models["pretrainer"], tokenizer, text.split("[MASK]")
    )
    predictions = pipelines["fill-mask"](text)
    assert len(predictions) == 5  # transformers' default top_k
    best = np.argsort(-probabilities, kind="stable")[:5]
    assert [p["token"] for p in predictions] == best.tolist()
    np.testing.assert_allclose(
        [p["score"] for p in predictions], probabilities[best], rtol=1e-5
    )
    for prediction in predictions:
        assert set(prediction) == {"score", "token", "token_str", "sequence"}
        token = tokenizer.id_to_token(prediction["token"])
        assert prediction["token_str"] == token
        filled = (
            f"Paris is the{token[2:]} of France."
            if token.startswith("##")
            else f"Paris is the {token} of France."
        )
        assert prediction["sequence"] == filled

    top_two = pipelines["fill-mask"](text, top_k=2)
    assert top_two == predictions[:2]


def test_fill_mask_gives_a_list_per_mask_and_per_text(
    models, pipelines, tokenizer
):
    text = "the [MASK] sat on the [MASK]."
    probabilities = mlm_probabilities(
        models["pretrainer"], tokenizer, text.split("[MASK]")
    )
    masks = pipelines["fill-mask"](text, top_k=3)
    assert len(masks) == 2 and all(len(mask) == 3 for mask in masks)
    for mask, (predictions, expected) in enumerate(zip(masks, probabilities)):
        best = np.argsort(-expected, kind="stable")[:3]
        assert [p["token"] for p in predictions] == best.tolist()
        np.testing.assert_allclose(
            [p["score"] for p in predictions], expected[best], rtol=1e-5
        )
    # Each sequence fills its own mask; the other stays [MASK].
    first, second = masks[0][0]["token_str"], masks[1][0]["token_str"]
    assert masks[0][0]["sequence"].endswith(" sat on the [MASK].")
    assert masks[1][0]["sequence"].startswith("the [MASK] sat on the")
    assert first.lstrip("#") in masks[0][0]["sequence"]
    assert second.lstrip("#") in masks[1][0]["sequence"]

    single = "Paris is the [MASK] of France."
    both = pipelines["fill-mask"]([single, text], top_k=3)
    assert [p["token"] for p in both[0]] == [
        p["token"] for p in pipelines["fill-mask"](single, top_k=3)
    ]
    assert [[p["token"] for p in mask] for mask in both[1]] == [
        [p["token"] for p in mask] for mask in masks
    ]


def test_fill_mask_glues_continuation_pieces_and_needs_a_mask(pipelines):
    from kbert.pipelines.fill_mask_task import fill_mask_text

    assert fill_mask_text("un[MASK] and [MASK]", 0, "##able") == (
        "unable and [MASK]"
    )
    assert fill_mask_text("the [MASK] ran", 0, "##s") == "thes ran"
    assert fill_mask_text("a [MASK] b [MASK]!", 1, "cat") == "a [MASK] b cat!"
    with pytest.raises(ValueError, match="'no mask here'"):
        pipelines["fill-mask"](["a [MASK].", "no mask here"])
    with pytest.raises(ValueError, match="top_k"):
        pipelines["fill-mask"]("a [MASK].", top_k=0)


# --- question-answering -------------------------------------------------


def span_probabilities(model, tokenizer, question, context):
    """Every context span's start x end probability, from the model's
    logits for `[CLS] question [SEP] context [SEP]`: dict (start char, end
    char) -> probability, for spans of at most 30 tokens."""
    question_ids = tokenizer.encode(question)["ids"]
    encoded = tokenizer.encode(context)
    outputs = call(
        model,
        [
            [tokenizer.cls_id] + question_ids + [tokenizer.sep_id],
            encoded["ids"] + [tokenizer.sep_id],
        ],
    )
    start, end = softmax(outputs["start"]), softmax(outputs["end"])
    first = len(question_ids) + 2
    offsets = encoded["offsets"]
    return {
        (offsets[i][0], offsets[j][1]): start[first + i] * end[first + j]
        for i in range(len(offsets))
        for j in range(i, min(i + 30, len(offsets)))
    }


def test_qa_score_is_the_span_probability_of_the_start_and_end_logits(
    models, pipelines, tokenizer
):
    spans = span_probabilities(models["answerer"], tokenizer, QUESTION, CONTEXT)
    # Few enough tokens that the decoder's 20 best starts and ends see all.
    assert len(tokenizer.encode(QUESTION + " " + CONTEXT)["ids"]) + 3 <= 20
    ranked = sorted(spans.items(), key=lambda item: -item[1])
    qa = pipelines["question-answering"]

    answer = qa(question=QUESTION, context=CONTEXT)
    assert set(answer) == {"score", "start", "end", "answer"}
    (start, end), probability = ranked[0]
    assert (answer["start"], answer["end"]) == (start, end)
    assert answer["answer"] == CONTEXT[start:end]
    assert answer["score"] == pytest.approx(probability, rel=1e-5)

    top = qa(question=QUESTION, context=CONTEXT, top_k=3)
    assert [(a["start"], a["end"]) for a in top] == [s for s, _ in ranked[:3]]
    np.testing.assert_allclose(
        [a["score"] for a in top], [p for _, p in ranked[:3]], rtol=1e-5
    )
    for candidate in top:
        start, end = candidate["start"], candidate["end"]
        assert candidate["answer"] == CONTEXT[start:end]


def test_qa_takes_lists_dicts_and_positional_inputs(pipelines):
    qa = pipelines["question-answering"]
    one = qa(question=QUESTION, context=CONTEXT)
    other_context = "Bath is a city in Somerset."
    assert qa(QUESTION, CONTEXT) == one
    assert qa({"question": QUESTION, "context": CONTEXT}) == one
    both = qa(
        question=[QUESTION, "Where is Bath?"],
        context=[CONTEXT, other_context],
    )
    assert_close(
        both, [one, qa(question="Where is Bath?", context=other_context)]
    )
    assert qa([{"question": QUESTION, "context": CONTEXT}]) == [one]
    # One question over several contexts, as transformers pairs them.
    assert_close(qa(question=QUESTION, context=[CONTEXT, CONTEXT]), [one, one])


def test_qa_without_a_span_answers_empty(pipelines):
    qa = pipelines["question-answering"]
    assert qa(question=QUESTION, context="") == {
        "score": 0.0,
        "start": -1,
        "end": -1,
        "answer": "",
    }


def test_qa_agrees_with_question_answering_pipeline(models, pipelines):
    from kbert.pipelines import QuestionAnsweringPipeline

    (result,) = QuestionAnsweringPipeline(models["answerer"])(
        [QUESTION], [CONTEXT]
    )
    answer = pipelines["question-answering"](QUESTION, CONTEXT)
    # One window: the best logit sum is the best probability.
    assert (result["start"], result["end"]) == (answer["start"], answer["end"])
    assert set(result) == {
        "answer", "start", "end", "score", "null_score", "candidates"}


# --- text-classification ------------------------------------------------


def class_probabilities(model, tokenizer, text, text_pair=None):
    segments = [packed(tokenizer, text)]
    if text_pair is not None:
        segments.append(tokenizer.encode(text_pair)["ids"] + [tokenizer.sep_id])
    return softmax(call(model, segments)["logits"])


def test_text_classification_scores_are_the_softmax_of_the_logits(
    models, pipelines, tokenizer
):
    classify = pipelines["text-classification"]
    texts = ["A gripping film.", "Dull and far too long."]
    expected = [
        class_probabilities(models["classifier"], tokenizer, t) for t in texts
    ]

    (best,) = classify(texts[0])
    assert best["label"] == CLASS_NAMES[int(np.argmax(expected[0]))]
    assert best["score"] == pytest.approx(expected[0].max(), rel=1e-5)

    each = classify(texts)
    assert [p["label"] for p in each] == [
        CLASS_NAMES[int(np.argmax(e))] for e in expected
    ]
    np.testing.assert_allclose(
        [p["score"] for p in each], [e.max() for e in expected], rtol=1e-5
    )

    every = classify(texts, top_k=None)
    for labels, probabilities in zip(every, expected):
        order = np.argsort(-probabilities)
        assert [p["label"] for p in labels] == [CLASS_NAMES[i] for i in order]
        np.testing.assert_allclose(
            [p["score"] for p in labels], probabilities[order], rtol=1e-5
        )
    assert_close(classify(texts[0], top_k=None), every[0])
    assert_close(classify(texts[0], top_k=2), every[0][:2])


def test_text_classification_of_pairs(models, pipelines, tokenizer):
    classify = pipelines["text-classification"]
    pair = {"text": "He left.", "text_pair": "He went away."}
    expected = class_probabilities(
        models["classifier"], tokenizer, pair["text"], pair["text_pair"]
    )
    best = classify(pair)  # transformers: one dict for one pair
    assert best["label"] == CLASS_NAMES[int(np.argmax(expected))]
    assert best["score"] == pytest.approx(expected.max(), rel=1e-5)

    mixed = classify([pair, "He left."], top_k=None)
    order = np.argsort(-expected)
    assert [p["label"] for p in mixed[0]] == [CLASS_NAMES[i] for i in order]
    np.testing.assert_allclose(
        [p["score"] for p in mixed[0]], expected[order], rtol=1e-5
    )
    assert_close(mixed[1], classify("He left.", top_k=None))
    with pytest.raises(ValueError, match="'label'"):
        classify({"text": "a", "label": "b"})


def test_text_classification_labels_regression_and_next_sentence(
    models, tokenizer
):
    import kbert
    from kbert.models import BertClassifier
    from kbert.pipelines.sentence_pair_pipeline import NEXT_SENTENCE_LABELS

    backbone = models["classifier"].backbone
    unnamed = kbert.pipeline(
        "text-classification", model=BertClassifier(backbone, 2)
    )
    assert {p["label"] for p in unnamed("A film.", top_k=None)} == {
        "LABEL_0",
        "LABEL_1",
    }

    regressor = BertClassifier(backbone, 1)
    pair = {"text": "A man plays.", "text_pair": "A man is playing."}
    segments = [
        packed(tokenizer, pair["text"]),
        tokenizer.encode(pair["text_pair"])["ids"] + [tokenizer.sep_id],
    ]
    raw = float(call(regressor, segments)["logits"][0])
    result = kbert.pipeline("text-classification", model=regressor)(pair)
    assert result["label"] == "LABEL_0"
    assert result["score"] == pytest.approx(raw, rel=1e-5)  # no sigmoid

    next_sentence = kbert.pipeline(
        "text-classification", model=models["pretrainer"]
    )
    expected = softmax(
        call(models["pretrainer"], segments, mask_positions=[[0]])["nsp"]
    )
    labels = next_sentence(pair, top_k=None)
    order = np.argsort(-expected)
    assert [p["label"] for p in labels] == [
        NEXT_SENTENCE_LABELS[i] for i in order
    ]
    np.testing.assert_allclose(
        [p["score"] for p in labels], expected[order], rtol=1e-5
    )
    with pytest.raises(ValueError, match="pairs only"):
        next_sentence("A single text.")


def test_text_classification_agrees_with_sentence_pair_pipeline(
    models, pipelines
):
    from kbert.pipelines import SentencePairPipeline

    (old,) = SentencePairPipeline(models["classifier"])(["a b"], ["c d"])
    new = pipelines["text-classification"](
        {"text": "a b", "text_pair": "c d"}, top_k=None
    )
    assert set(old) == {"probabilities", "label"}
    assert old["label"] == new[0]["label"]
    for prediction in new:
        assert old["probabilities"][prediction["label"]] == pytest.approx(
            prediction["score"], rel=1e-6
        )


# --- token-classification -----------------------------------------------

NER_TEXT = "Jane Austen lived in Bath, unbelievably."


def tag_probabilities(model, tokenizer, text):
    """`(encoded text, (pieces, tags) probabilities)` from the logits."""
    encoded = tokenizer.encode(text)
    logits = call(model, [packed(tokenizer, text)])["logits"]
    return encoded, softmax(logits)[1:-1]


def test_token_classification_tags_every_wordpiece(
    models, pipelines, tokenizer
):
    encoded, probabilities = tag_probabilities(
        models["tagger"], tokenizer, NER_TEXT
    )
    expected = [
        {
            "entity": TAGS[tag],
            "score": probabilities[piece, tag],
            "index": piece + 1,
            "word": encoded["tokens"][piece],
            "start": encoded["offsets"][piece][0],
            "end": encoded["offsets"][piece][1],
        }
        for piece, tag in enumerate(np.argmax(probabilities, axis=-1))
        if TAGS[tag] != "O"
    ]
    entities = pipelines["token-classification"](NER_TEXT)
    assert entities, "the random tagger should tag some token"
    assert [{**e, "score": 0} for e in entities] == [
        {**e, "score": 0} for e in expected
    ]
    np.testing.assert_allclose(
        [e["score"] for e in entities],
        [e["score"] for e in expected],
        rtol=1e-5,
    )
    for entity in entities:
        piece = NER_TEXT[entity["start"] : entity["end"]].lower()
        assert entity["word"].removeprefix("##") == piece
    assert_close(
        pipelines["token-classification"]([NER_TEXT, NER_TEXT]),
        [entities, entities],
    )


def test_simple_aggregation_groups_as_transformers():
    from kbert.pipelines.token_classification_task import group_tokens

    tags = ["B-PER", "I-PER", "O", "I-LOC", "B-LOC", "I-LOC", "I-PER"]
    tokens = [
        {"entity": tag, "score": score, "start": 2 * i, "end": 2 * i + 1}
        for i, (tag, score) in enumerate(
            zip(tags, [0.9, 0.7, 0.5, 0.6, 0.8, 0.4, 0.3])
        )
    ]
    groups = group_tokens(tokens)
    assert [(g["entity_group"], g["start"], g["end"]) for g in groups] == [
        ("PER", 0, 3),
        ("O", 4, 5),
        ("LOC", 6, 7),  # a stray I- starts a group after another type
        ("LOC", 8, 11),  # B- starts a new group, I- of LOC joins it
        ("PER", 12, 13),
    ]
    np.testing.assert_allclose(
        [g["score"] for g in groups], [0.8, 0.5, 0.6, 0.6, 0.3]
    )


def test_token_classification_simple_aggregation(models, pipelines):
    import kbert

    grouped = kbert.pipeline(
        "ner", model=models["tagger"], aggregation_strategy="simple"
    )(NER_TEXT)
    tokens = pipelines["token-classification"](NER_TEXT)
    assert grouped
    covered = []
    for group in grouped:
        assert set(group) == {"entity_group", "score", "word", "start", "end"}
        assert group["word"] == NER_TEXT[group["start"] : group["end"]]
        members = [
            t
            for t in tokens
            if group["start"] <= t["start"] and t["end"] <= group["end"]
        ]
        assert {t["entity"][2:] for t in members} == {group["entity_group"]}
        assert group["score"] == pytest.approx(
            np.mean([t["score"] for t in members]), rel=1e-6
        )
        covered.extend(members)
    assert covered == tokens  # every non-O token, each in one group
    with pytest.raises(ValueError, match="aggregation_strategy='max'"):
        kbert.pipeline(
            "ner", model=models["tagger"], aggregation_strategy="max"
        )


# --- feature-extraction -------------------------------------------------


def test_feature_extraction_is_the_backbone_sequence_output(
    models, pipelines, tokenizer
):
    extract = pipelines["feature-extraction"]
    texts = ["A cat sat.", "A much longer sentence about a cat on a mat."]
    expected = [
        call(
            models["backbone"],
            [packed(tokenizer, t)],
        )["sequence_output"]
        for t in texts
    ]
    features = extract(texts[0])
    assert isinstance(features, list) and isinstance(features[0][0][0], float)
    assert np.array(features).shape == (1,) + expected[0].shape
    np.testing.assert_allclose(features[0], expected[0], rtol=0, atol=1e-6)

    batch = extract(texts)
    for features, wanted in zip(batch, expected):
        np.testing.assert_allclose(features[0], wanted, rtol=0, atol=1e-6)

    # A task model gives its backbone's output.
    import kbert

    tagger = models["tagger"]
    from_task = kbert.pipeline("feature-extraction", model=tagger)(texts[0])
    wanted = call(
        tagger.backbone,
        [packed(tokenizer, texts[0])],
    )["sequence_output"]
    np.testing.assert_allclose(from_task[0], wanted, rtol=0, atol=1e-6)


# --- The wrapped pipelines keep their own outputs ---------------------------


def test_fill_mask_and_entity_pipelines_keep_their_outputs(
    models, pipelines, tokenizer
):
    from kbert.pipelines import FillMaskPipeline, TokenClassificationPipeline
    from kbert.pipelines.token_classification_pipeline import entity_spans

    text = "Paris is the [MASK] of France."
    (masks,) = FillMaskPipeline(models["pretrainer"], top_k=3)([text])
    new = pipelines["fill-mask"](text, top_k=3)
    assert [token for token, _ in masks[0]] == [p["token_str"] for p in new]
    assert [score for _, score in masks[0]] == [p["score"] for p in new]

    encoded, probabilities = tag_probabilities(
        models["tagger"], tokenizer, NER_TEXT
    )
    tags = np.argmax(probabilities, axis=-1)
    first_pieces = [
        piece
        for piece, word in enumerate(encoded["word_ids"])
        if piece == 0 or encoded["word_ids"][piece - 1] != word
    ]
    last_pieces = [
        piece
        for piece, word in enumerate(encoded["word_ids"])
        if piece + 1 == len(encoded["word_ids"])
        or encoded["word_ids"][piece + 1] != word
    ]
    spans = entity_spans([TAGS[tags[piece]] for piece in first_pieces])
    offsets = encoded["offsets"]
    expected = [
        {
            "text": NER_TEXT[start:end],
            "label": label,
            "start": start,
            "end": end,
        }
        for label, first, last in spans
        for start, end in [
            (offsets[first_pieces[first]][0], offsets[last_pieces[last]][1])
        ]
    ]
    assert expected, "the random tagger should find some entity"
    assert TokenClassificationPipeline(models["tagger"])([NER_TEXT]) == [
        expected
    ]
