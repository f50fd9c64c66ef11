"""Writes a kbert model as a TF Serving SavedModel with text-in signatures."""

import os

from kbert.models.bert_backbone import INPUT_NAMES
from kbert.saving import backbone_of

# The serving kinds of each model class; the first is the default.
KINDS = {
    "BertPretrainer": ("fill_mask", "sentence_pair"),
    "BertClassifier": ("sentence_pair", "text_classification"),
    "BertQuestionAnswerer": ("question_answering",),
    "BertTokenClassifier": ("token_classification",),
    "BertBackbone": ("embedding",),
    "BertMultipleChoice": ("multiple_choice",),
}


def model_kind(model, kind=None):
    """The serving kind of a kbert model (its default, or `kind` checked).

    A pretrainer serves fill-mask or, with `kind="sentence_pair"`, its
    next-sentence head; a classifier serves pairs or, with
    `kind="text_classification"`, single texts.
    """
    kinds = KINDS.get(type(model).__name__)
    if kinds is None:
        raise ValueError(
            f"Cannot export a {type(model).__name__}: expected one of "
            f"{sorted(KINDS)}."
        )
    if kind is None:
        return kinds[0]
    if kind not in kinds:
        raise ValueError(
            f"A {type(model).__name__} serves as {' or '.join(kinds)}; "
            f"received kind={kind!r}."
        )
    return kind


def check_output_folder(output):
    """TF Serving reads `<model>/<integer version>/`: insist on that, and
    never write over an existing export."""
    version = os.path.basename(os.path.normpath(output))
    if not version.isdigit():
        raise ValueError(
            "The export folder must end in an integer version, as TF "
            f"Serving expects (e.g. savedmodels/qa/serving/1); received "
            f"{output!r}."
        )
    if os.path.exists(output) and os.listdir(output):
        raise FileExistsError(
            f"{output} exists and is not empty; choose a new version number "
            "or remove it."
        )


def export_saved_model(
    model,
    output,
    *,
    kind=None,
    sequence_length=None,
    top_k=5,
    doc_stride=128,
    max_query_length=64,
    n_best_size=20,
    max_answer_length=30,
    xla=False,
):
    """Exports `model` with a text-in `serving_default` and `serve_ids`.

    Signatures (method `tensorflow/serving/predict`), by model class:
    `BertPretrainer` fill-mask (`text` -> `tokens`, `scores`),
    `BertClassifier` sentence pair (`text_a`, `text_b` -> `probabilities`,
    `label`, or `score` for regression), `BertQuestionAnswerer` (`question`,
    `context` -> `answer`, `start`, `end`, `score`), `BertTokenClassifier`
    (`text` -> entity spans), `BertBackbone` (`text` -> `embedding`),
    `BertMultipleChoice` (`context`, `endings` `[N, C]` -> `probabilities`,
    `label`). Every
    export also has `serve_ids` (`token_ids`, `segment_ids`,
    `padding_mask` -> the model's raw outputs; a pretrainer returns
    masked-LM logits at every position). Tokenization uses core TensorFlow
    ops only, so stock TF Serving loads the result.

    Runs on the tensorflow backend, and on jax through `jax2tf`; save a
    model trained under torch as `.keras` and export that file (`python -m
    kbert export` always loads it under tensorflow).

    Args:
        model: a kbert model carrying its vocabulary.
        output: the version folder, e.g. `savedmodels/qa/serving/1`.
        kind: the text-in signature, when the model allows more than one
            (see `model_kind`).
        sequence_length: the longest input the text signatures build,
            specials included (default 384 for QA, else 128; never more
            than the model's positions).
        top_k: tokens per mask (fill-mask).
        doc_stride, max_query_length, n_best_size, max_answer_length: QA
            windows and decoding (BERT's SQuAD values by default).
        xla: compile the model part with XLA (`kbert.export.xla`; stock TF
            Serving then needs `--xla_cpu_compilation_enabled`).

    Returns:
        The serving kind (`fill_mask`, `sentence_pair`, ...).
    """
    import keras
    import tensorflow as tf

    from kbert.export.xla import xla_model_fn
    from kbert.models import BertMultipleChoice, BertPretrainer
    from kbert.text import CoreBertTokenizer

    backend = keras.backend.backend()
    if backend not in ("tensorflow", "jax"):
        raise RuntimeError(
            f"SavedModel export runs on the tensorflow or jax backend, not "
            f"{backend!r}: save the model with `model.save('model.keras')` "
            "and run `python -m kbert export --model model.keras ...`."
        )
    kind = model_kind(model, kind)
    backbone = backbone_of(model)
    if backbone.vocabulary is None:
        raise ValueError(
            "The model carries no vocabulary, so a text-in signature cannot "
            "be built; attach one with `backbone.set_vocabulary(...)`."
        )
    check_output_folder(output)
    default_length = 384 if kind == "question_answering" else 128
    sequence_length = min(
        sequence_length or default_length, backbone.max_sequence_length
    )
    tokenizer = CoreBertTokenizer(
        backbone.vocabulary, lowercase=backbone.lowercase
    )

    archive = keras.export.ExportArchive()
    # Under jax (through jax2tf) every input shares the batch and length
    # dimensions, and the length is bounded by the position table.
    endpoint_options = {}
    # Multiple choice takes [N, C, T] ids.
    ids_shape = [None] * (3 if isinstance(model, BertMultipleChoice) else 2)
    if xla and backend != "tensorflow":
        raise ValueError(
            f"An XLA export is built on the tensorflow backend, not "
            f"{backend!r}; export the `.keras` file with `python -m kbert "
            "export --xla`."
        )
    if backend == "jax":
        names = INPUT_NAMES
        if isinstance(model, BertPretrainer):
            names += ("mask_positions",)
        dims = "(batch, choices, length)" if len(ids_shape) == 3 else (
            "(batch, length)"
        )
        endpoint_options["jax2tf_kwargs"] = {
            "polymorphic_shapes": [{name: dims for name in names}],
            "polymorphic_constraints": (
                f"length <= {backbone.max_sequence_length}",
            ),
            "with_gradient": False,  # serving needs no gradients
        }
    ids_spec = {
        name: tf.TensorSpec(ids_shape, tf.int32, name=name)
        for name in INPUT_NAMES
    }

    def add_model_endpoint(name, input_signature):
        if not xla:
            return archive.track_and_add_endpoint(
                name, model, input_signature=input_signature, **endpoint_options
            )
        archive.track(model)
        model_fn = xla_model_fn(
            model, input_signature, backbone.max_sequence_length
        )
        archive.add_endpoint(name, model_fn)
        return model_fn

    if isinstance(model, BertPretrainer):
        model_fn = add_model_endpoint(
            "serve_features",
            [
                {
                    **ids_spec,
                    "mask_positions": tf.TensorSpec(
                        [None, None], tf.int32, name="mask_positions"
                    ),
                }
            ],
        )

        @tf.function(input_signature=[ids_spec])
        def serve_ids(features):
            # Masked-LM logits at every position.
            shape = tf.shape(features["token_ids"])
            every = tf.broadcast_to(tf.range(shape[1])[None, :], shape)
            return model_fn({**features, "mask_positions": every})

        archive.add_endpoint("serve_ids", serve_ids)
    else:
        model_fn = add_model_endpoint("serve_ids", [ids_spec])
    archive.track(tokenizer)
    archive.add_endpoint(
        "serving_default",
        _text_signature(
            kind,
            model,
            model_fn,
            tokenizer,
            sequence_length=sequence_length,
            top_k=top_k,
            doc_stride=doc_stride,
            max_query_length=max_query_length,
            n_best_size=n_best_size,
            max_answer_length=max_answer_length,
        ),
    )
    archive.write_out(output, verbose=False)
    return kind


def _text_signature(kind, model, model_fn, tokenizer, **settings):
    from kbert.export.embedding_signature import embedding_signature
    from kbert.export.fill_mask_signature import fill_mask_signature
    from kbert.export.multiple_choice_signature import (
        multiple_choice_signature,
    )
    from kbert.export.question_answering_signature import (
        question_answering_signature,
    )
    from kbert.export.sentence_pair_signature import sentence_pair_signature
    from kbert.export.token_classification_signature import (
        token_classification_signature,
    )
    from kbert.pipelines.sentence_pair_pipeline import classifier_output

    length = settings["sequence_length"]
    if kind == "fill_mask":
        return fill_mask_signature(
            model_fn,
            tokenizer,
            sequence_length=length,
            top_k=settings["top_k"],
        )
    if kind in ("sentence_pair", "text_classification"):
        output, names = classifier_output(model)
        return sentence_pair_signature(
            model_fn,
            tokenizer,
            sequence_length=length,
            output=output,
            label_names=names,
            pair=kind == "sentence_pair",
        )
    if kind == "multiple_choice":
        return multiple_choice_signature(
            model_fn, tokenizer, sequence_length=length
        )
    if kind == "question_answering":
        return question_answering_signature(
            model_fn,
            tokenizer,
            sequence_length=length,
            doc_stride=settings["doc_stride"],
            max_query_length=settings["max_query_length"],
            n_best_size=settings["n_best_size"],
            max_answer_length=settings["max_answer_length"],
            no_answer_threshold=model.no_answer_threshold,
        )
    if kind == "token_classification":
        if model.label_names is None:
            raise ValueError(
                "The token classifier carries no `label_names`, so entity "
                "spans cannot be named; build it with IOB2 label names "
                "(`python -m kbert finetune ner` does)."
            )
        return token_classification_signature(
            model_fn,
            tokenizer,
            sequence_length=length,
            label_names=model.label_names,
        )
    return embedding_signature(model_fn, tokenizer, sequence_length=length)
