"""Fine-tuning and evaluation runs: GLUE, CoNLL-2003 NER, SQuAD, SWAG.

`settings.py` holds the settings every run reads and builds them from flags
and a TOML file, `runner.py` the run every task shares, `task.py` the
`Task` interface, and one module per task (glue.py, ner.py, squad.py,
swag.py) its settings classes and its `Task`. See `runner.py` for adding a task.
"""

from kbert.training.finetuning.glue import (
    GlueEvaluationSettings,
    GlueSettings,
    GlueTask,
)
from kbert.training.finetuning.ner import (
    NerEvaluationSettings,
    NerSettings,
    NerTask,
)
from kbert.training.finetuning.runner import (
    TASKS,
    load_backbone,
    load_task_model,
    run_evaluation,
    run_finetuning,
)
from kbert.training.finetuning.settings import (
    EvaluationSettings,
    FineTuneSettings,
    RunSettings,
    default_data_dir,
)
from kbert.training.finetuning.squad import (
    SquadEvaluationSettings,
    SquadSettings,
    SquadTask,
)
from kbert.training.finetuning.swag import (
    SwagEvaluationSettings,
    SwagSettings,
    SwagTask,
)
from kbert.training.finetuning.task import Task, TrainingData
from kbert.training.settings import add_arguments, settings_from_args

__all__ = [
    "TASKS",
    "EvaluationSettings",
    "FineTuneSettings",
    "GlueEvaluationSettings",
    "GlueSettings",
    "GlueTask",
    "NerEvaluationSettings",
    "NerSettings",
    "NerTask",
    "RunSettings",
    "SquadEvaluationSettings",
    "SquadSettings",
    "SquadTask",
    "SwagEvaluationSettings",
    "SwagSettings",
    "SwagTask",
    "Task",
    "TrainingData",
    "add_arguments",
    "default_data_dir",
    "load_backbone",
    "load_task_model",
    "run_evaluation",
    "run_finetuning",
    "settings_from_args",
]
