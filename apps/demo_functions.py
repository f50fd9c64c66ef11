"""The demo's logic, free of Streamlit: checks, loading, shaping, HTML.

`apps/demo.py` draws widgets and calls these; tests call them directly.
Input checks return a friendly message (str) for the page to show, or None
when the input is fine, so bad input never reaches a model as an exception.
"""

import html
import json
import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# The models the app shows, by folder name under the models folder.
MODEL_NAMES = ("fill_mask", "paraphrase", "qa")
MODEL_TITLES = {
    "fill_mask": "Fill-mask (masked-LM and next-sentence heads)",
    "paraphrase": "Paraphrase classifier (MRPC)",
    "qa": "Question answering (SQuAD)",
}
BUILD_COMMAND = "bash savedmodels/build.sh"
# The QA page's paragraph (tests ask the bundled model about it).
EXAMPLE_CONTEXT = (
    "Jane Austen was an English novelist known for her six major novels. "
    "She was born in 1775 in Steventon, Hampshire, and died in Winchester "
    "in 1817. Pride and Prejudice, her second novel, appeared in 1813."
)

MASK = "[MASK]"
# Each [MASK] gets its own chart; more would not fit one page.
MAX_MASKS = 5
# Sentences are short by nature. A QA context may be a few pages, which the
# pipeline covers window by window: 5,000 characters are about 8 windows of
# 384 tokens, answered in under 2 s with MiniLM-L6 on 2 CPU cores
# (tests/benchmarks/demo_latency.py); 20,000 took 7.6 s.
MAX_SENTENCE_CHARS = 2_000
MAX_QUESTION_CHARS = 500
MAX_CONTEXT_CHARS = 5_000
# Attention maps over more tokens than this are too dense to read.
ATTENTION_TOKENS = 64
TOP_K = 5


def models_dir():
    """The models folder: `$KBERT_MODELS_DIR`, else `savedmodels/` here.

    Returns:
        A `Path`.

    Example:
    >>> models_dir().name  # doctest: +SKIP
    'savedmodels'
    """
    return Path(os.environ.get("KBERT_MODELS_DIR") or REPO / "savedmodels")


def model_path(name, root=None):
    """`<root>/<name>/model.keras`, the model file the app loads."""
    return Path(root or models_dir()) / name / "model.keras"


def missing_model_message(name, root=None):
    """What to tell the user when a model file is missing, or None.

    Args:
        name: one of `MODEL_NAMES`.
        root: the models folder (default `models_dir()`).

    Returns:
        A message naming the missing file and the command that builds it,
        or None when the file exists.

    Example:
    >>> missing_model_message("qa", "/nowhere")
    'The qa model is missing (/nowhere/qa/model.keras). Build the demo \
models with: bash savedmodels/build.sh'
    """
    path = model_path(name, root)
    if path.is_file():
        return None
    return (
        f"The {name} model is missing ({path}). Build the demo models "
        f"with: {BUILD_COMMAND}"
    )


def load_demo_models(name, path):
    """Loads one demo model and builds everything its pages call.

    Tokenizers and pipelines are built here, once, so a button press costs
    only the forward pass. The app caches the result (`st.cache_resource`).

    Args:
        name: one of `MODEL_NAMES`.
        path: its `model.keras`.

    Returns:
        A dict: fill_mask -> `fill_mask` and `next_sentence` pipelines and
        the `model`; paraphrase -> `paraphrase` pipeline and `embedder`;
        qa -> `qa` pipeline.
    """
    from kbert.convert.sentence_embedder import SentenceEmbedder
    from kbert.pipelines import (
        FillMaskPipeline,
        QuestionAnsweringPipeline,
        SentencePairPipeline,
    )
    from kbert.saving import load_model

    if name not in MODEL_NAMES:
        raise ValueError(
            f"Unknown demo model {name!r}; expected one of {MODEL_NAMES}."
        )
    model = load_model(str(path))
    # Each first call traces a tokenizer graph (about a second); done here,
    # at load time, so the first button press is as fast as the rest.
    if name == "fill_mask":
        models = {
            "model": model,
            "fill_mask": FillMaskPipeline(model, top_k=TOP_K),
            "next_sentence": SentencePairPipeline(model),
        }
        # One tokenizer (one traced graph) for both; they are equal.
        models["next_sentence"].tokenizer = models["fill_mask"].tokenizer
        models["fill_mask"]("A [MASK].")
        next_sentence_probability(models["next_sentence"], "A.", "B.")
        attention_weights(models, "A.")
    elif name == "paraphrase":
        pipeline = SentencePairPipeline(model)
        models = {
            "paraphrase": pipeline,
            "embedder": SentenceEmbedder(model, tokenizer=pipeline.tokenizer),
        }
        models["paraphrase"]("A.", "B.")
        models["embedder"].embed(["A.", "B."])
    else:
        models = {"qa": QuestionAnsweringPipeline(model)}
        models["qa"]("A?", "B.")
    return models


def text_problem(text, label, limit):
    """Why `text` cannot be used, as a friendly message, or None.

    Args:
        text: what the user typed.
        label: how the page names the field ("the sentence").
        limit: the most characters allowed.

    Returns:
        A message, or None when the text is fine.

    Example:
    >>> text_problem("   ", "the question", 500)
    'Please type the question.'
    >>> text_problem("🎉🎉", "the question", 500)
    'The question has no letters or digits; please type some words.'
    """
    if not text or not text.strip():
        return f"Please type {label}."
    if len(text) > limit:
        return (
            f"{label[0].upper()}{label[1:]} is {len(text):,} characters "
            f"long; the limit is {limit:,}. Please shorten it."
        )
    if not any(character.isalnum() for character in text):
        return (
            f"{label[0].upper()}{label[1:]} has no letters or digits; "
            "please type some words."
        )
    return None


def fill_mask_problem(text):
    """Why `text` cannot be filled in, or None: 1 to `MAX_MASKS` `[MASK]`s,
    some words.

    Example:
    >>> fill_mask_problem("Paris is the capital of France.")
    'Put a [MASK] where a word should be predicted, e.g. "Paris is the \
[MASK] of France."'
    >>> fill_mask_problem("[MASK] " * 6 + "words")
    'The sentence has 6 [MASK] tokens; the limit is 5.'
    """
    if not text or not text.strip():
        return f"Please type a sentence with a {MASK}."
    problem = text_problem(text, "the sentence", MAX_SENTENCE_CHARS)
    if problem:
        return problem
    count = text.count(MASK)
    if count == 0:
        hint = " (in capitals)" if "[mask]" in text.lower() else ""
        return (
            f"Put a {MASK}{hint} where a word should be predicted, e.g. "
            '"Paris is the [MASK] of France."'
        )
    if count > MAX_MASKS:
        return (
            f"The sentence has {count} {MASK} tokens; the limit is "
            f"{MAX_MASKS}."
        )
    if not any(character.isalnum() for character in text.replace(MASK, "")):
        return (
            f"Around the {MASK} there are no letters or digits; please "
            "type a sentence."
        )
    return None


def fill_mask_rows(predictions):
    """The pipeline's `(token, probability)` pairs as chart rows.

    Args:
        predictions: one mask's list from `FillMaskPipeline`.

    Returns:
        A list of dicts with `rank` (1 = most likely), `token` and
        `probability`.

    Example:
    >>> fill_mask_rows([("capital", 0.75), ("city", 0.25)])
    [{'rank': 1, 'token': 'capital', 'probability': 0.75}, \
{'rank': 2, 'token': 'city', 'probability': 0.25}]
    """
    return [
        {"rank": rank, "token": token, "probability": probability}
        for rank, (token, probability) in enumerate(predictions, start=1)
    ]


def next_sentence_probability(pipeline, sentence_a, sentence_b):
    """The NSP head's probability that `sentence_b` follows `sentence_a`.

    Args:
        pipeline: a `SentencePairPipeline` over a `BertPretrainer`.
        sentence_a, sentence_b: str.

    Returns:
        A float in [0, 1].
    """
    result = pipeline([sentence_a], [sentence_b])[0]
    return result["probabilities"]["is_next"]


def pair_scores(models, sentence_a, sentence_b):
    """Next-sentence and paraphrase probabilities and cosine similarity.

    Args:
        models: name -> the dict of `load_demo_models`, or None where that
            model is missing (its scores are then None).
        sentence_a, sentence_b: the two sentences.

    Returns:
        A dict with `next_sentence` (probability that b follows a),
        `paraphrase` (probability that they mean the same) and `cosine`
        (of their mean-pooled embeddings under the paraphrase model's
        backbone), each a float or None.
    """
    scores = {"next_sentence": None, "paraphrase": None, "cosine": None}
    fill_mask = models.get("fill_mask")
    if fill_mask is not None:
        scores["next_sentence"] = next_sentence_probability(
            fill_mask["next_sentence"], sentence_a, sentence_b
        )
    paraphrase = models.get("paraphrase")
    if paraphrase is not None:
        pipeline = paraphrase["paraphrase"]
        result = pipeline(sentence_a, sentence_b)[0]
        # The positive class is "equivalent" in MRPC; the last one otherwise.
        positive = (
            "equivalent"
            if "equivalent" in pipeline.label_names
            else pipeline.label_names[-1]
        )
        scores["paraphrase"] = result["probabilities"][positive]
        embeddings = paraphrase["embedder"].embed([sentence_a, sentence_b])
        scores["cosine"] = float(embeddings[0] @ embeddings[1])
    return scores


def highlight_html(context, start, end):
    """The context as HTML with `context[start:end]` in a `<mark>`.

    Everything the user typed is escaped, so a context holding markup
    shows as text. Line breaks are kept by the `pre-wrap` style.

    Args:
        context: the text.
        start, end: character offsets of the answer (start < 0: none).

    Returns:
        An HTML str.

    Example:
    >>> highlight_html("a <b> & c", 2, 5)
    '<div class="kbert-context" style="white-space: pre-wrap">a \
<mark>&lt;b&gt;</mark> &amp; c</div>'
    """
    if start < 0 or end <= start:
        body = html.escape(context)
    else:
        body = (
            html.escape(context[:start])
            + "<mark>"
            + html.escape(context[start:end])
            + "</mark>"
            + html.escape(context[end:])
        )
    return (
        '<div class="kbert-context" style="white-space: pre-wrap">'
        f"{body}</div>"
    )


def answer_html(answer):
    """The answer line of the QA page, escaped.

    Example:
    >>> answer_html("<b> & co")
    '<p class="kbert-answer">Answer: <b>&lt;b&gt; &amp; co</b></p>'
    """
    return f'<p class="kbert-answer">Answer: <b>{html.escape(answer)}</b></p>'


def runner_up_rows(result, count=4):
    """The answers after the best one, as table rows.

    Args:
        result: one dict of `QuestionAnsweringPipeline`.
        count: how many runner-ups.

    Returns:
        A list of dicts with `answer` and `score`.

    Example:
    >>> runner_up_rows({"candidates": [{"text": "a", "score": 2.0},
    ...     {"text": "b", "score": 1.5}]})
    [{'answer': 'b', 'score': 1.5}]
    """
    return [
        {"answer": candidate["text"], "score": candidate["score"]}
        for candidate in result["candidates"][1 : 1 + count]
    ]


def attention_weights(fill_mask, text):
    """Tokens and attention weights of `text` under the fill-mask backbone.

    `kbert.pipelines.attention_maps` with the fill-mask pipeline's
    tokenizer (building a tokenizer costs about a second with a 30k
    vocabulary).

    Args:
        fill_mask: the fill_mask dict of `load_demo_models`.
        text: str.

    Returns:
        `(tokens, weights)`: `[CLS] ... [SEP]` cut to `ATTENTION_TOKENS`,
        and float32 `(layers, heads, T, T)`.
    """
    from kbert.pipelines import attention_maps

    pipeline = fill_mask["fill_mask"]
    return attention_maps(
        pipeline.model,
        text,
        sequence_length=ATTENTION_TOKENS,
        tokenizer=pipeline.tokenizer,
    )


def attention_rows(tokens, weights, layer, head):
    """One head's attention as long-form heatmap rows.

    Tokens are labelled with their position ("3 the") because a token may
    appear more than once.

    Args:
        tokens: the WordPiece tokens of `attention_maps`.
        weights: `(layers, heads, T, T)` from `attention_maps`.
        layer, head: 1-based, as the page shows them.

    Returns:
        A list of dicts with `query`, `key` (labels), `query_index`,
        `key_index` and `weight` (how much the query attends to the key).

    Example:
    >>> import numpy as np
    >>> attention_rows(["[CLS]", "[SEP]"], np.array([[[[0.5, 0.5],
    ...     [1.0, 0.0]]]]), 1, 1)[2]
    {'query': '1 [SEP]', 'key': '0 [CLS]', 'query_index': 1, \
'key_index': 0, 'weight': 1.0}
    """
    labels = [f"{index} {token}" for index, token in enumerate(tokens)]
    matrix = weights[layer - 1, head - 1]
    return [
        {
            "query": labels[query],
            "key": labels[key],
            "query_index": query,
            "key_index": key,
            "weight": float(matrix[query, key]),
        }
        for query in range(len(tokens))
        for key in range(len(tokens))
    ]


def model_card(name, root=None):
    """What the About page says about one model.

    Args:
        name: one of `MODEL_NAMES`.
        root: the models folder.

    Returns:
        A dict: `title`, `missing` (message or None), `source` (str or
        None), `metrics` (dict name -> value, possibly empty) and `notes`
        (the rest of metrics.json, for the curious).
    """
    folder = Path(root or models_dir()) / name
    card = {
        "title": MODEL_TITLES[name],
        "missing": missing_model_message(name, root),
        "source": None,
        "metrics": {},
        "notes": {},
    }
    metrics_file = folder / "metrics.json"
    if not metrics_file.is_file():
        return card
    try:
        content = json.loads(metrics_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        card["source"] = f"metrics.json could not be read: {error}"
        return card
    if not isinstance(content, dict):
        card["source"] = "metrics.json holds no dict"
        return card
    card["source"] = content.get("source")
    metrics = content.get("metrics")
    card["metrics"] = metrics if isinstance(metrics, dict) else {}
    card["notes"] = {
        key: value
        for key, value in content.items()
        if key not in ("source", "metrics")
    }
    return card
