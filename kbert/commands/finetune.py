"""Fine-tunes a BERT on GLUE, CoNLL-2003 NER or SQuAD v1.1.

python -m kbert finetune glue --task sst2 --model backbone.keras --output DIR
python -m kbert finetune ner --model backbone.keras --output DIR
python -m kbert finetune squad --model backbone.keras --output DIR
python -m kbert finetune squad --config run.toml --epochs 3

Each writes DIR/model.keras (the fine-tuned model, vocabulary inside) and
DIR/metrics.json (dev/test metrics, losses, wall time, settings); squad also
writes DIR/predictions.json ({question id: answer}). A --config TOML file
holds any settings under their flag names (`batch_size` for --batch-size);
flags override it.
"""


def add_task_parsers(parser, evaluation=False):
    """Adds a sub-command per task (glue, ner, squad) with `--config` and a
    flag per field of the task's settings class: its `settings_class`, or
    with `evaluation` its `evaluation_settings_class`."""
    from kbert.training.finetuning import TASKS, add_arguments

    tasks = parser.add_subparsers(dest="task_kind", metavar="TASK")
    tasks.required = True
    for task in TASKS.values():
        subparser = tasks.add_parser(
            task.name,
            help=task.evaluate_help if evaluation else task.finetune_help,
        )
        add_arguments(subparser, _settings_class(task, evaluation))


def task_settings(args, evaluation=False):
    """The settings of the task sub-command `args` were parsed for."""
    from kbert.training.finetuning import TASKS, settings_from_args

    task = TASKS[args.task_kind]
    return settings_from_args(_settings_class(task, evaluation), args)


def _settings_class(task, evaluation):
    if evaluation:
        return task.evaluation_settings_class
    return task.settings_class


def add_arguments(parser):
    add_task_parsers(parser)


def run(args):
    from kbert.training.finetuning import run_finetuning

    try:
        settings = task_settings(args)
        metrics = run_finetuning(settings)
    except ValueError as error:
        raise SystemExit(f"error: {error}") from None
    scores = {
        key: round(value, 4)
        for key, value in metrics["metrics"].items()
        if isinstance(value, float)
    }
    print(
        f"{metrics['task']}: {scores} in {metrics['wall_time_s']} s; "
        f"wrote {settings.output}/model.keras and metrics.json"
    )
