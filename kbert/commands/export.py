"""Exports a kbert `.keras` model as a TF Serving SavedModel.

    python -m kbert export --model qa.keras --output savedmodels/qa/serving/1

The SavedModel gets a text-in `serving_default` signature (tokenization,
inference and post-processing in the graph, core TensorFlow ops only) and
an ids-in `serve_ids`. The model is always loaded under the tensorflow
backend, so a model trained under jax or torch exports through its `.keras`
file.
"""

import os


def add_arguments(parser):
    parser.add_argument("--model", required=True, help="a kbert .keras file")
    parser.add_argument(
        "--output",
        required=True,
        help="the version folder, e.g. savedmodels/qa/serving/1",
    )
    parser.add_argument(
        "--kind",
        choices=(
            "fill_mask",
            "sentence_pair",
            "text_classification",
            "question_answering",
            "token_classification",
            "embedding",
        ),
        help="the text-in signature (default: the model's own; a "
        "pretrainer may serve sentence_pair through its NSP head, a "
        "classifier text_classification for single sentences)",
    )
    parser.add_argument(
        "--sequence-length",
        type=int,
        help="longest input in tokens (default 384 for QA, else 128)",
    )
    parser.add_argument("--top-k", type=int, default=5)
    parser.add_argument("--doc-stride", type=int, default=128)
    parser.add_argument("--max-query-length", type=int, default=64)
    parser.add_argument(
        "--xla",
        action="store_true",
        help="compile the model part with XLA (faster on CPU; stock TF "
        "Serving then needs --xla_cpu_compilation_enabled)",
    )


def run(args):
    # The SavedModel is a TensorFlow graph: build it under tensorflow
    # whatever backend the model was trained on.
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    if backend != "tensorflow":
        print(f"note: exporting under tensorflow (KERAS_BACKEND={backend})")
    os.environ["KERAS_BACKEND"] = "tensorflow"
    import keras

    if keras.backend.backend() != "tensorflow":
        raise SystemExit(
            "error: keras was already loaded with the "
            f"{keras.backend.backend()} backend; run with "
            "KERAS_BACKEND=tensorflow."
        )
    from kbert.export import export_saved_model
    from kbert.saving import load_model

    try:
        kind = export_saved_model(
            load_model(args.model),
            args.output,
            kind=args.kind,
            sequence_length=args.sequence_length,
            top_k=args.top_k,
            doc_stride=args.doc_stride,
            max_query_length=args.max_query_length,
            xla=args.xla,
        )
    except (ValueError, FileNotFoundError, FileExistsError) as error:
        raise SystemExit(f"error: {error}") from None
    print(
        f"wrote {args.output} ({kind}; signatures serving_default, serve_ids)"
    )
