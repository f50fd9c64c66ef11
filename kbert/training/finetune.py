"""Fine-tuning and evaluation runs: GLUE, CoNLL-2003 NER, SQuAD v1.1.

Each run is flat: load a backbone (a `.keras` file or a preset) and its
tokenizer, read the data, build features, fit, evaluate, save the fine-tuned
`.keras` and a metrics JSON. The `finetune` and `evaluate` commands are thin
argument parsers over these functions.
"""

import json
import math
import os
import time
from pathlib import Path

# The bundled datasets, beside the repository (../shared/data).
DEFAULT_DATA_DIR = Path(__file__).resolve().parents[3] / "shared" / "data"

GLUE_FILES = {
    "sst2": ("SST-2", "train.tsv.gz", "dev.tsv"),
    "mrpc": ("MRPC", "train.tsv", "dev.tsv"),
    "rte": ("RTE", "train.tsv", "dev.tsv"),
    # No QNLI train file is bundled: pass --train-file to fine-tune on one.
    "qnli": ("QNLI", None, "dev.tsv.gz"),
    "stsb": ("STS-B", "train.tsv", "dev.tsv"),
    "cola": ("CoLA", "train.tsv", "dev.tsv"),
}
MODEL_FILE = "model.keras"
METRICS_FILE = "metrics.json"


def load_backbone(model=None, preset=None, vocabulary=None, lowercase=True):
    """A backbone and its tokenizer from a `.keras` file or a preset.

    Args:
        model: path to a `.keras` holding a `BertBackbone` or any kbert task
            model (its backbone is used).
        preset: a preset name, for a randomly initialised backbone.
        vocabulary: a vocab.txt; required with `preset` and with a model
            that carries no vocabulary.
        lowercase: casing of `vocabulary` when given with a preset.

    Returns:
        `(backbone, tokenizer, loaded)`: `loaded` is the model in the
        `.keras` file (None with a preset), for `_continued`.
    """
    from kbert.saving import load_model
    from kbert.models import BertBackbone
    from kbert.text import BertTokenizer, load_vocabulary

    if (model is None) == (preset is None):
        raise ValueError("Give exactly one of --model FILE and --preset NAME.")
    loaded = None
    if model is not None:
        if not os.path.isfile(model):
            raise ValueError(f"No model file at {model!r}.")
        loaded = load_model(model, compile=False)
        backbone = getattr(loaded, "backbone", loaded)
        if not isinstance(backbone, BertBackbone):
            raise ValueError(
                f"{model!r} holds a {type(loaded).__name__}, not a kbert "
                "BertBackbone or task model."
            )
    else:
        if vocabulary is None:
            raise ValueError(
                f"--preset {preset} builds a new model: give --vocabulary."
            )
        tokens = load_vocabulary(vocabulary)
        backbone = BertBackbone.from_preset(
            preset, vocabulary_size=len(tokens), lowercase=lowercase
        )
        backbone.set_vocabulary(tokens)
    if vocabulary is not None and backbone.vocabulary is None:
        backbone.set_vocabulary(load_vocabulary(vocabulary))
    if backbone.vocabulary is None:
        raise ValueError(
            f"{model!r} carries no vocabulary: give --vocabulary vocab.txt."
        )
    tokenizer = BertTokenizer(backbone.vocabulary, lowercase=backbone.lowercase)
    return backbone, tokenizer, loaded


def _continued(loaded, fresh):
    """The model to train: `loaded` (the `--model` file's) when it is a task
    model like `fresh` (the same class and head settings), so that a run
    continues it, head included; otherwise `fresh`, a new head on its
    backbone."""

    def head(model):
        config = model.get_config()
        for key in ("backbone", "name", "trainable"):
            config.pop(key, None)
        return config

    if type(loaded) is not type(fresh) or head(loaded) != head(fresh):
        return fresh
    print(
        f"Continuing the {type(loaded).__name__} in the model file, its "
        "head included.",
        flush=True,
    )
    return loaded


def load_task_model(path):
    """A saved kbert task model and the tokenizer for its vocabulary."""
    from kbert.saving import load_model
    from kbert.text import BertTokenizer

    if not os.path.isfile(path):
        raise ValueError(f"No model file at {path!r}.")
    model = load_model(path, compile=False)
    backbone = getattr(model, "backbone", None)
    if backbone is None or backbone.vocabulary is None:
        raise ValueError(
            f"{path!r} is not a kbert task model carrying a vocabulary."
        )
    return model, BertTokenizer(
        backbone.vocabulary, lowercase=backbone.lowercase
    )


# Settings that must be positive ints when present (None: not given).
POSITIVE_INT_SETTINGS = (
    "epochs",
    "batch_size",
    "eval_batch_size",
    "sequence_length",
    "max_train_examples",
    "max_eval_examples",
    "doc_stride",
    "max_query_length",
    "n_best_size",
    "max_answer_length",
)
OPTIONAL_SETTINGS = ("max_train_examples", "max_eval_examples")


def check_settings(settings):
    """Refuses settings that would fail late (after the data is read, or as
    a KeyError from an empty `fit`), naming the setting and its value."""
    from kbert.layers.validation import (
        check_positive_float,
        check_positive_int,
        check_rate,
    )

    for name in POSITIVE_INT_SETTINGS:
        if name not in settings:
            continue
        if settings[name] is None and name in OPTIONAL_SETTINGS:
            continue
        check_positive_int(name, settings[name])
    if "learning_rate" in settings:
        check_positive_float("learning_rate", settings["learning_rate"])
    if "warmup_proportion" in settings:
        check_rate("warmup_proportion", settings["warmup_proportion"])
    for name in ("train_articles", "eval_articles"):
        if name in settings:
            parse_articles(settings[name])


def _take(items, limit):
    return items if limit is None else items[:limit]


def _fit(model, features, labels, weights, settings):
    """Shuffled mini-batch fine-tuning with BERT's AdamW schedule, on
    batches of examples of similar length (`length_batches`)."""
    from kbert.training.length_batches import length_grouped_batches
    from kbert.training.optimizer import (
        layer_decay_multipliers,
        make_optimizer,
    )

    count = len(features["token_ids"])
    steps_per_epoch = math.ceil(count / settings["batch_size"])
    total_steps = max(1, steps_per_epoch * settings["epochs"])
    multipliers = None
    if settings["layer_decay"] is not None:
        multipliers = layer_decay_multipliers(
            model.backbone, settings["layer_decay"]
        )
    model.compile(
        optimizer=make_optimizer(
            settings["learning_rate"],
            total_steps=total_steps,
            warmup_steps=int(settings["warmup_proportion"] * total_steps),
            learning_rate_multipliers=multipliers,
        )
    )
    parts = (
        (features, labels) if weights is None else (features, labels, weights)
    )
    dataset = length_grouped_batches(
        parts, settings["batch_size"], seed=settings["seed"]
    ).prefetch(2)
    history = model.fit(
        dataset,
        epochs=settings["epochs"],
        verbose=settings["verbose"],
        shuffle=False,  # the dataset is shuffled above
    )
    return [float(value) for value in history.history["loss"]]


def _write_results(output, model, metrics):
    os.makedirs(output, exist_ok=True)
    if model is not None:
        model.save(os.path.join(output, MODEL_FILE))
    with open(os.path.join(output, METRICS_FILE), "w") as file:
        json.dump(metrics, file, indent=2, sort_keys=True)
        file.write("\n")


def _run_info(settings, started):
    import keras

    return {
        "backend": keras.backend.backend(),
        "wall_time_s": round(time.time() - started, 1),
        "settings": {
            key: value
            for key, value in settings.items()
            if key not in ("verbose",)
        },
    }


# --- GLUE ------------------------------------------------------------------


def glue_paths(task, data_dir, train_file=None, eval_file=None):
    from kbert.data.glue import glue_task

    glue_task(task)
    folder, train, dev = GLUE_FILES[task]
    base = Path(data_dir) / "glue" / folder
    train_path = train_file or (base / train if train else None)
    return train_path, eval_file or base / dev


def evaluate_glue(model, tokenizer, task, path, settings):
    """GLUE metrics of a classifier on a TSV file."""
    from kbert.data.glue import glue_features, read_glue
    from kbert.evaluation import glue_metrics

    examples = _take(read_glue(task, path), settings["max_eval_examples"])
    features, labels = glue_features(
        examples, tokenizer, settings["sequence_length"]
    )
    logits = model.predict(
        features, batch_size=settings["eval_batch_size"], verbose=0
    )["logits"]
    predictions = logits[:, 0] if logits.shape[-1] == 1 else logits.argmax(-1)
    return {
        **glue_metrics(task, predictions, labels),
        "eval_examples": len(examples),
    }


def finetune_glue(settings):
    """Fine-tunes a `BertClassifier` on a GLUE task; returns the metrics."""
    import keras

    from kbert.data.glue import (
        glue_features,
        label_names,
        num_labels,
        read_glue,
    )
    from kbert.models import BertClassifier

    check_settings(settings)
    started = time.time()
    keras.utils.set_random_seed(settings["seed"])
    task = settings["task"]
    train_path, eval_path = glue_paths(
        task,
        settings["data_dir"],
        settings.get("train_file"),
        settings.get("eval_file"),
    )
    if train_path is None:
        raise ValueError(
            f"No {task} train file is bundled; give --train-file FILE."
        )
    backbone, tokenizer, loaded = load_backbone(
        settings["model"], settings["preset"], settings["vocabulary"]
    )
    examples = _take(
        read_glue(task, train_path), settings["max_train_examples"]
    )
    features, labels = glue_features(
        examples, tokenizer, settings["sequence_length"]
    )
    model = _continued(
        loaded,
        BertClassifier(
            backbone,
            num_classes=num_labels(task),
            label_names=label_names(task),
        ),
    )
    losses = _fit(model, features, labels, None, settings)
    metrics = {
        "task": task,
        "metrics": evaluate_glue(model, tokenizer, task, eval_path, settings),
        "eval_file": str(eval_path),
        "train_examples": len(examples),
        "train_losses": losses,
        **_run_info(settings, started),
    }
    _write_results(settings["output"], model, metrics)
    return metrics


# --- CoNLL-2003 NER --------------------------------------------------------


def evaluate_ner(model, tokenizer, path, settings, scheme="iob2"):
    """conlleval entity scores of a token classifier on a CoNLL file."""
    from kbert.data.conll import conll_features, read_conll, tags_from_logits
    from kbert.evaluation import entity_scores

    sentences = _take(
        read_conll(path, scheme=scheme), settings["max_eval_examples"]
    )
    features, _, _, positions = conll_features(
        sentences, tokenizer, settings["sequence_length"]
    )
    logits = model.predict(
        features, batch_size=settings["eval_batch_size"], verbose=0
    )["logits"]
    predicted = tags_from_logits(logits, positions)
    scores = entity_scores([tags for _, tags in sentences], predicted)
    truncated = sum(p < 0 for row in positions for p in row)
    return {
        **scores,
        "eval_sentences": len(sentences),
        "words_without_position": truncated,
    }


def finetune_ner(settings):
    """Fine-tunes a `BertTokenClassifier` on CoNLL-2003; returns metrics."""
    import keras

    from kbert.data.conll import CONLL_LABELS, conll_features, read_conll
    from kbert.models import BertTokenClassifier

    check_settings(settings)
    started = time.time()
    keras.utils.set_random_seed(settings["seed"])
    folder = Path(settings["data_dir"]) / "conll2003"
    train_path = settings.get("train_file") or folder / "train.txt.gz"
    eval_path = settings.get("eval_file") or folder / "test.txt"
    backbone, tokenizer, loaded = load_backbone(
        settings["model"], settings["preset"], settings["vocabulary"]
    )
    sentences = _take(
        read_conll(train_path, scheme=settings["scheme"]),
        settings["max_train_examples"],
    )
    features, labels, weights, _ = conll_features(
        sentences, tokenizer, settings["sequence_length"]
    )
    model = _continued(
        loaded,
        BertTokenClassifier(
            backbone, num_classes=len(CONLL_LABELS), label_names=CONLL_LABELS
        ),
    )
    losses = _fit(model, features, labels, weights, settings)
    metrics = {
        "task": "conll2003",
        "metrics": evaluate_ner(
            model, tokenizer, eval_path, settings, settings["scheme"]
        ),
        "eval_file": str(eval_path),
        "train_sentences": len(sentences),
        "train_losses": losses,
        **_run_info(settings, started),
    }
    _write_results(settings["output"], model, metrics)
    return metrics


# --- SQuAD v1.1 ------------------------------------------------------------


def parse_articles(text):
    """ "0:24" -> slice(0, 24); "24:" -> slice(24, None)."""
    try:
        start, _, stop = text.partition(":")
        return slice(int(start) if start else None, int(stop) if stop else None)
    except ValueError:
        raise ValueError(
            f"Articles must be a START:STOP range such as 0:24; received "
            f"{text!r}."
        ) from None


def _squad_windows(examples, tokenizer, settings):
    """Returns the QA windows' features and the model inputs among them."""
    from kbert.data.squad import squad_features
    from kbert.models.bert_backbone import INPUT_NAMES

    features = squad_features(
        examples,
        tokenizer,
        sequence_length=settings["sequence_length"],
        doc_stride=settings["doc_stride"],
        max_query_length=settings["max_query_length"],
    )
    return features, {name: features[name] for name in INPUT_NAMES}


def predict_squad(model, tokenizer, examples, settings):
    """Answer text per question id, decoded across windows."""
    from kbert.pipelines import QuestionAnsweringPipeline

    pipeline = QuestionAnsweringPipeline(
        model,
        sequence_length=settings["sequence_length"],
        doc_stride=settings["doc_stride"],
        max_query_length=settings["max_query_length"],
        n_best_size=settings["n_best_size"],
        max_answer_length=settings["max_answer_length"],
        tokenizer=tokenizer,
    )
    results = pipeline(
        [example.question for example in examples],
        [example.context for example in examples],
    )
    return {
        example.id: result["answer"]
        for example, result in zip(examples, results)
    }


def evaluate_squad(model, tokenizer, dataset, settings):
    """Official EM/F1 on the chosen articles; returns (scores, predictions)."""
    from kbert.data.squad import squad_examples
    from kbert.evaluation import squad_scores

    articles = parse_articles(settings["eval_articles"])
    examples = _take(
        squad_examples(dataset, articles), settings["max_eval_examples"]
    )
    predictions = predict_squad(model, tokenizer, examples, settings)
    scores = squad_scores(
        dataset["data"][articles],
        predictions,
        question_ids={example.id for example in examples},
    )
    return {
        "exact_match": scores["exact_match"],
        "f1": scores["f1"],
        "eval_questions": scores["total"],
    }, predictions


def finetune_squad(settings):
    """Fine-tunes a `BertQuestionAnswerer` on SQuAD v1.1 articles."""
    import keras

    from kbert.data.squad import (
        load_squad_json,
        one_example_per_answer,
        squad_examples,
    )
    from kbert.models import BertQuestionAnswerer

    check_settings(settings)
    started = time.time()
    keras.utils.set_random_seed(settings["seed"])
    path = settings.get("dataset") or (
        Path(settings["data_dir"]) / "squad_v1.1" / "dev-v1.1.json.gz"
    )
    dataset = load_squad_json(path)
    backbone, tokenizer, loaded = load_backbone(
        settings["model"], settings["preset"], settings["vocabulary"]
    )
    examples = _take(
        squad_examples(dataset, parse_articles(settings["train_articles"])),
        settings["max_train_examples"],
    )
    targets = examples
    if settings["train_answers"] == "all":
        targets = one_example_per_answer(examples)
    features, inputs = _squad_windows(targets, tokenizer, settings)
    labels = {
        "start": features["start_positions"],
        "end": features["end_positions"],
    }
    model = _continued(loaded, BertQuestionAnswerer(backbone))
    losses = _fit(model, inputs, labels, None, settings)
    scores, predictions = evaluate_squad(model, tokenizer, dataset, settings)
    metrics = {
        "task": "squad_v1.1",
        "metrics": scores,
        "dataset": str(path),
        "train_questions": len(examples),
        "train_targets": len(targets),
        "train_windows": len(inputs["token_ids"]),
        "train_losses": losses,
        **_run_info(settings, started),
    }
    _write_results(settings["output"], model, metrics)
    with open(os.path.join(settings["output"], "predictions.json"), "w") as f:
        json.dump(predictions, f, ensure_ascii=False)
    return metrics
