"""Converts BERT checkpoints: Hugging Face or Google -> .keras, and back.

Examples:
    python -m kbert convert --from hf --input DIR --output model.keras
    python -m kbert convert --from google --input DIR --output model.keras
    python -m kbert convert --to hf --input model.keras --output DIR
    python -m kbert convert --to google --input model.keras --output DIR
    python -m kbert convert --from keras-hub --input DIR --output m.keras
    python -m kbert convert --to keras-hub --input model.keras --output DIR
"""

import sys

READERS = ("hf", "google", "keras", "keras-hub")
WRITERS = ("keras", "hf", "google", "keras-hub")


def add_arguments(parser):
    parser.add_argument(
        "--from",
        dest="source",
        choices=READERS,
        default="keras",
        help="input format: a Hugging Face directory (config.json, "
        "model.safetensors, vocab.txt), a Google TF1 directory "
        "(bert_config.json, bert_model.ckpt.*, vocab.txt), a keras-hub "
        "BertBackbone (a .keras file or a preset folder) or a kbert "
        ".keras file (default)",
    )
    parser.add_argument(
        "--to",
        dest="target",
        choices=WRITERS,
        default="keras",
        help="output format: a kbert .keras file (default), a Hugging "
        "Face directory, a Google TF1 directory or a keras-hub BertBackbone "
        "(a preset folder with its tokenizer, or a .keras file)",
    )
    parser.add_argument(
        "--vocabulary",
        help="vocab.txt for a keras-hub file that carries no tokenizer",
    )
    parser.add_argument("--input", required=True, help="input path")
    parser.add_argument("--output", required=True, help="output path")
    casing = parser.add_mutually_exclusive_group()
    casing.add_argument(
        "--uncased",
        dest="lowercase",
        action="store_const",
        const=True,
        help="the vocabulary is uncased (default: read from the checkpoint "
        "or guessed from the vocabulary)",
    )
    casing.add_argument(
        "--cased",
        dest="lowercase",
        action="store_const",
        const=False,
        help="the vocabulary is cased",
    )


def run(args):
    try:
        return _convert(args)
    except (FileNotFoundError, ValueError, ImportError) as error:
        print(f"kbert convert: error: {error}", file=sys.stderr)
        return 2


def _convert(args):
    from kbert import convert, saving

    if args.target == "keras" and not args.output.endswith(".keras"):
        raise ValueError(
            f"--output must end in .keras, received: {args.output}"
        )
    if args.source == "hf":
        model = convert.load_hf_checkpoint(args.input, args.lowercase)
    elif args.source == "google":
        model = convert.load_google_checkpoint(args.input, args.lowercase)
    elif args.source == "keras-hub":
        model = convert.load_keras_hub(
            args.input, args.lowercase, args.vocabulary
        )
    else:
        model = saving.load_model(args.input)
        if args.lowercase is not None:
            saving.backbone_of(model).lowercase = args.lowercase

    if args.target == "hf":
        convert.save_hf_checkpoint(model, args.output)
    elif args.target == "google":
        convert.save_google_checkpoint(model, args.output)
    elif args.target == "keras-hub":
        convert.save_keras_hub(model, args.output)
    else:
        model.save(args.output)

    backbone = saving.backbone_of(model)
    casing = "uncased" if backbone.lowercase else "cased"
    print(
        f"wrote {args.output}: {type(model).__name__}, "
        f"{backbone.num_layers} layers, hidden {backbone.hidden_dim}, "
        f"{backbone.vocabulary_size:,}-token {casing} vocabulary, "
        f"{model.count_params():,} parameters"
    )
    return 0
