"""Fine-tunes a BERT on GLUE, CoNLL-2003 NER or SQuAD v1.1.

python -m kbert finetune glue --task sst2 --model backbone.keras --output DIR
python -m kbert finetune ner --model backbone.keras --output DIR
python -m kbert finetune squad --model backbone.keras --output DIR

Each writes DIR/model.keras (the fine-tuned model, vocabulary inside) and
DIR/metrics.json (dev/test metrics, losses, wall time, settings); squad also
writes DIR/predictions.json ({question id: answer}).
"""

# Defaults per task: BERT's fine-tuning recipe, sized for the bundled data.
DEFAULTS = {
    "glue": dict(
        epochs=3, batch_size=32, learning_rate=2e-5, sequence_length=128
    ),
    "ner": dict(
        epochs=3, batch_size=32, learning_rate=5e-5, sequence_length=128
    ),
    "squad": dict(
        epochs=2, batch_size=32, learning_rate=5e-5, sequence_length=384
    ),
}


def add_common_arguments(parser, task):
    from kbert.training.finetune import DEFAULT_DATA_DIR

    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--model", help="a .keras backbone or task model")
    source.add_argument("--preset", help="a preset name (random weights)")
    parser.add_argument(
        "--vocabulary", help="vocab.txt, when the model carries none"
    )
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    parser.add_argument("--eval-batch-size", type=int, default=64)
    parser.add_argument(
        "--max-eval-examples",
        type=int,
        help="evaluate on the first N examples only (for quick checks)",
    )
    parser.add_argument(
        "--sequence-length",
        type=int,
        default=DEFAULTS.get(task, {}).get("sequence_length", 128),
    )


def add_training_arguments(parser, task):
    defaults = DEFAULTS[task]
    parser.add_argument("--output", required=True, help="output folder")
    parser.add_argument("--epochs", type=int, default=defaults["epochs"])
    parser.add_argument(
        "--batch-size", type=int, default=defaults["batch_size"]
    )
    parser.add_argument(
        "--learning-rate", type=float, default=defaults["learning_rate"]
    )
    parser.add_argument("--warmup-proportion", type=float, default=0.1)
    parser.add_argument(
        "--layer-decay",
        type=float,
        help="layer-wise learning-rate decay: the top encoder block trains "
        "at this factor of the rate, each block below at one more factor, "
        "the embeddings lowest (default: one rate for all)",
    )
    parser.add_argument(
        "--max-train-examples",
        type=int,
        help="train on the first N examples only (for quick checks)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--verbose", type=int, default=2, choices=(0, 1, 2))


def add_squad_arguments(parser):
    parser.add_argument(
        "--dataset", help="SQuAD v1.1 JSON (default: the bundled dev set)"
    )
    parser.add_argument("--doc-stride", type=int, default=128)
    parser.add_argument("--max-query-length", type=int, default=64)
    parser.add_argument("--n-best-size", type=int, default=20)
    parser.add_argument("--max-answer-length", type=int, default=30)
    parser.add_argument(
        "--eval-articles",
        default="24:",
        help="articles to evaluate on, START:STOP (default: the last 24)",
    )


def add_arguments(parser):
    from kbert.data.glue import GLUE_TASKS

    tasks = parser.add_subparsers(dest="task_kind", metavar="TASK")
    tasks.required = True
    glue = tasks.add_parser("glue", help="a GLUE task (BertClassifier)")
    glue.add_argument("--task", required=True, choices=sorted(GLUE_TASKS))
    glue.add_argument("--train-file")
    glue.add_argument("--eval-file")
    add_common_arguments(glue, "glue")
    add_training_arguments(glue, "glue")

    ner = tasks.add_parser("ner", help="CoNLL-2003 (BertTokenClassifier)")
    ner.add_argument("--train-file", help="default: conll2003/train.txt.gz")
    ner.add_argument("--eval-file", help="default: conll2003/test.txt")
    ner.add_argument("--scheme", choices=("iob2", "iob1"), default="iob2")
    add_common_arguments(ner, "ner")
    add_training_arguments(ner, "ner")

    squad = tasks.add_parser("squad", help="SQuAD v1.1 (BertQuestionAnswerer)")
    squad.add_argument(
        "--train-articles",
        default=":24",
        help="articles to train on, START:STOP (default: the first 24)",
    )
    squad.add_argument(
        "--train-answers",
        choices=("all", "first"),
        default="all",
        help="train on each distinct gold answer of a question as its own "
        "example (default; the dev file's questions have up to five), or "
        "on the first only (BERT's run_squad.py, for one-answer train "
        "files the same)",
    )
    add_common_arguments(squad, "squad")
    add_training_arguments(squad, "squad")
    add_squad_arguments(squad)


def settings_from(args):
    settings = {
        key: value for key, value in vars(args).items() if key != "task_kind"
    }
    settings.setdefault("max_train_examples", None)
    return settings


def run(args):
    from kbert.training import finetune

    settings = settings_from(args)
    runner = {
        "glue": finetune.finetune_glue,
        "ner": finetune.finetune_ner,
        "squad": finetune.finetune_squad,
    }[args.task_kind]
    try:
        metrics = runner(settings)
    except ValueError as error:
        raise SystemExit(f"error: {error}") from None
    scores = {
        key: round(value, 4)
        for key, value in metrics["metrics"].items()
        if isinstance(value, float)
    }
    print(
        f"{metrics['task']}: {scores} in {metrics['wall_time_s']} s; "
        f"wrote {args.output}/model.keras and metrics.json"
    )
