"""Evaluates a fine-tuned model, or scores a SQuAD predictions file.

python -m kbert evaluate glue --task sst2 --model DIR/model.keras
python -m kbert evaluate ner --model DIR/model.keras [--eval-file F]
python -m kbert evaluate squad --model DIR/model.keras [--eval-articles 24:]
python -m kbert evaluate squad --dataset dev-v1.1.json --predictions p.json

Prints the metrics as JSON (and writes them with --output FILE). A --config
TOML file holds any settings under their flag names; flags override it.
"""

import json

from kbert.commands.finetune import add_task_parsers, task_settings


def add_arguments(parser):
    add_task_parsers(parser, evaluation=True)


def run(args):
    from kbert.training.finetuning import run_evaluation

    try:
        settings = task_settings(args, evaluation=True)
        metrics = run_evaluation(settings)
    except ValueError as error:
        raise SystemExit(f"error: {error}") from None
    text = json.dumps(metrics, indent=2, sort_keys=True)
    print(text)
    if settings.output:
        with open(settings.output, "w") as file:
            file.write(text + "\n")
