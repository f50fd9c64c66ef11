"""Evaluates a fine-tuned model, or scores a SQuAD predictions file.

python -m kbert evaluate glue --task sst2 --model DIR/model.keras
python -m kbert evaluate ner --model DIR/model.keras [--eval-file F]
python -m kbert evaluate squad --model DIR/model.keras [--eval-articles 24:]
python -m kbert evaluate squad --dataset dev-v1.1.json --predictions p.json

Prints the metrics as JSON (and writes them with --output FILE).
"""

import json


def add_arguments(parser):
    from kbert.commands.finetune import (
        add_squad_arguments,
    )
    from kbert.data.glue import GLUE_TASKS

    tasks = parser.add_subparsers(dest="task_kind", metavar="TASK")
    tasks.required = True
    glue = tasks.add_parser("glue", help="a GLUE dev set")
    glue.add_argument("--task", required=True, choices=sorted(GLUE_TASKS))
    glue.add_argument("--eval-file")
    ner = tasks.add_parser("ner", help="a CoNLL-2003 file")
    ner.add_argument("--eval-file", help="default: conll2003/test.txt")
    ner.add_argument("--scheme", choices=("iob2", "iob1"), default="iob2")
    squad = tasks.add_parser("squad", help="SQuAD v1.1 EM/F1")
    squad.add_argument(
        "--predictions",
        help="a {question id: answer} JSON to score (no model needed)",
    )
    squad.add_argument(
        "--write-predictions", help="write the model's answers here"
    )
    add_squad_arguments(squad)
    for sub, task in ((glue, "glue"), (ner, "ner"), (squad, "squad")):
        sub.add_argument("--model", help="a fine-tuned .keras")
        sub.add_argument("--data-dir", default=None)
        sub.add_argument("--output", help="also write the metrics here")
        sub.add_argument("--eval-batch-size", type=int, default=64)
        sub.add_argument("--max-eval-examples", type=int)
        sub.add_argument(
            "--sequence-length",
            type=int,
            default=384 if task == "squad" else 128,
        )


def _score_squad_file(args):
    from kbert.data.squad import load_squad_json
    from kbert.evaluation import squad_scores

    if args.dataset is None:
        raise ValueError("--predictions needs --dataset FILE.")
    dataset = load_squad_json(args.dataset)
    if dataset.get("version") != "1.1":
        print(
            f"warning: {args.dataset} has version "
            f"{dataset.get('version')!r}, not '1.1'"
        )
    try:
        with open(args.predictions, encoding="utf-8") as file:
            predictions = json.load(file)
    except (OSError, json.JSONDecodeError) as error:
        raise ValueError(
            f"Cannot read predictions {args.predictions!r}: {error}"
        ) from None
    scores = squad_scores(dataset, predictions)
    return {
        "exact_match": scores["exact_match"],
        "f1": scores["f1"],
        "total": scores["total"],
        "unanswered": len(scores["unanswered"]),
    }


def _evaluate(args):
    from pathlib import Path

    from kbert.training import finetune

    data_dir = Path(args.data_dir or finetune.DEFAULT_DATA_DIR)
    if args.task_kind == "squad" and args.predictions:
        return _score_squad_file(args)
    if args.model is None:
        raise ValueError("Give --model FILE (a fine-tuned .keras).")
    settings = vars(args)
    finetune.check_settings(settings)
    model, tokenizer = finetune.load_task_model(args.model)
    if args.task_kind == "glue":
        _, path = finetune.glue_paths(args.task, data_dir, None, args.eval_file)
        return finetune.evaluate_glue(
            model, tokenizer, args.task, path, settings
        )
    if args.task_kind == "ner":
        path = args.eval_file or data_dir / "conll2003" / "test.txt"
        return finetune.evaluate_ner(
            model, tokenizer, path, settings, args.scheme
        )
    from kbert.data.squad import load_squad_json

    path = args.dataset or data_dir / "squad_v1.1" / "dev-v1.1.json.gz"
    scores, predictions = finetune.evaluate_squad(
        model, tokenizer, load_squad_json(path), settings
    )
    if args.write_predictions:
        with open(args.write_predictions, "w", encoding="utf-8") as file:
            json.dump(predictions, file, ensure_ascii=False)
    return scores


def run(args):
    try:
        metrics = _evaluate(args)
    except ValueError as error:
        raise SystemExit(f"error: {error}") from None
    text = json.dumps(metrics, indent=2, sort_keys=True)
    print(text)
    if args.output:
        with open(args.output, "w") as file:
            file.write(text + "\n")
