"""`python -m kbert <command>`: argparse subcommands.

Each command lives in its own module under `kbert/commands/` with two
functions, `add_arguments(parser)` and `run(args)`, and a module docstring
whose first line is the command's help. Modules are imported only when their
command runs, so `python -m kbert --help` stays fast.
"""

import argparse
import importlib
import os
import sys

# command name -> module under kbert.commands
COMMANDS = {
    "convert": "convert",
    "embed": "embed",
    "features": "features",
    "info": "info",
    "smoke": "smoke",
    "corpus": "corpus",
    "pretraining-data": "pretraining_data",
    "pretrain": "pretrain",
    "tokenize": "tokenize",
    "vocab": "vocab",
    "finetune": "finetune",
    "evaluate": "evaluate",
    "export": "export",
    "serve-check": "serve_check",
    "demo": "demo",
}

HELP = {
    "convert": "convert Hugging Face / Google BERT checkpoints to .keras "
    "and back",
    "embed": "print mean-pooled, L2-normalised sentence embeddings of lines",
    "features": "every token's hidden states from chosen layers, as "
    "Google's extract_features.py writes them",
    "info": "print a preset's configuration and exact parameter count",
    "smoke": "build a small model and run it end to end on one sentence",
    "corpus": "raw text (gutenberg, wikitext, squad, text) -> a corpus file in "
    "Google's format",
    "pretraining-data": "print or write masked NSP pretraining examples "
    "from a corpus",
    "pretrain": "pretrain a BERT with MLM + NSP (resumes after a crash)",
    "tokenize": "tokenize stdin lines to JSON: ids, tokens, offsets, word ids",
    "vocab": "learn a WordPiece vocab.txt of a given size from text files",
    "finetune": "fine-tune on GLUE, CoNLL-2003 NER, SQuAD v1.1/2.0 or "
    "SWAG-format multiple choice",
    "evaluate": "evaluate a fine-tuned model, or score SQuAD predictions",
    "export": "export a .keras model as a TF Serving SavedModel with text-in "
    "signatures",
    "serve-check": "list a SavedModel's signatures and run an example "
    "through each",
    "demo": "start the Streamlit demo (exports missing TF Serving models)",
}


# Commands that never load TensorFlow (they start faster without it).
WITHOUT_TENSORFLOW = ("corpus",)


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m kbert", description="BERT for Keras 3."
    )
    parser.add_argument(
        "--verbose",
        action="store_true",
        help="show TensorFlow's C++ start-up lines (hidden by default)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for name in COMMANDS:
        subparsers.add_parser(name, help=HELP[name], add_help=False)
    return parser


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    verbose = argv[:1] == ["--verbose"]
    if verbose:
        argv = argv[1:]
    else:
        # TensorFlow's C++ start-up chatter is noise on a command line.
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    parser = build_parser()
    if not argv or argv[0] not in COMMANDS:
        parser.parse_args(argv)  # prints usage or an "invalid choice" error
        return 2
    name = argv[0]
    # Importing TensorFlow imports Keras too, so only under the tensorflow
    # backend (`export` picks its backend before Keras loads).
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    if not verbose and name not in WITHOUT_TENSORFLOW and (
        backend == "tensorflow"
    ):
        from kbert.startup import import_tensorflow_quietly

        import_tensorflow_quietly()
    module = importlib.import_module(f"kbert.commands.{COMMANDS[name]}")
    command_parser = argparse.ArgumentParser(
        prog=f"python -m kbert {name}", description=HELP[name]
    )
    module.add_arguments(command_parser)
    args = command_parser.parse_args(argv[1:])
    return module.run(args) or 0
