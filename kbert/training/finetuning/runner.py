"""One fine-tuning run and one evaluation, for every task.

`run_finetuning(settings)` is flat: seed, load a backbone (a `.keras` file
or a preset) and its tokenizer, read the task's training data, build its
model (or continue the one in the model file), fit, evaluate, save the
fine-tuned `.keras` and a metrics JSON. `run_evaluation(settings)` loads a
fine-tuned model and evaluates it the same way. What differs per task is
its `Task` in `TASKS`; the `finetune` and `evaluate` commands are thin
argument parsers over these two functions.
"""

import dataclasses
import json
import math
import os
import time

from kbert.training.finetuning.glue import GlueTask
from kbert.training.finetuning.ner import NerTask
from kbert.training.finetuning.squad import SquadTask
from kbert.training.finetuning.swag import SwagTask

# Sub-command -> task. A new task is a module with a `Task` subclass, and
# one more entry here.
TASKS = {
    task.name: task for task in (GlueTask, NerTask, SquadTask, SwagTask)
}
MODEL_FILE = "model.keras"
METRICS_FILE = "metrics.json"


def task_for(settings):
    """The `Task` serving a run with `settings`."""
    for task in TASKS.values():
        kinds = (task.settings_class, task.evaluation_settings_class)
        if isinstance(settings, kinds):
            return task(settings)
    raise ValueError(
        f"No fine-tuning task reads {type(settings).__name__}; known: "
        f"{sorted(TASKS)}."
    )


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
        `.keras` file (None with a preset), for `continued`.
    """
    from kbert.models import BertBackbone
    from kbert.saving import load_model
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


def check_evaluated_model(task, model):
    """Refuses a model file of a class `task` does not evaluate (a
    classifier given to `evaluate squad`), naming what it holds."""
    import kbert.models

    accepted = tuple(getattr(kbert.models, n) for n in task.evaluated_models)
    if not isinstance(model, accepted):
        raise ValueError(
            f"evaluate {task.name} needs a "
            f"{' or a '.join(task.evaluated_models)}; the model file holds "
            f"a {type(model).__name__}."
        )


def continued(loaded, fresh):
    """The model to train: `loaded` (the `--model` file's) when it is a task
    model like `fresh` (the same class and head settings), so that a run
    continues it, head included; otherwise `fresh`, a new head on its
    backbone."""

    def head(model):
        config = model.get_config()
        # The no-answer threshold is tuned after training, not trained.
        for key in ("backbone", "name", "trainable", "no_answer_threshold"):
            config.pop(key, None)
        return config

    if type(loaded) is not type(fresh) or head(loaded) != head(fresh):
        return fresh
    if getattr(loaded, "no_answer_threshold", None) is not None:
        # Tuned for the weights before this run: evaluation tunes anew.
        loaded.no_answer_threshold = None
    print(
        f"Continuing the {type(loaded).__name__} in the model file, its "
        "head included.",
        flush=True,
    )
    return loaded


def fit(model, data, settings):
    """Shuffled mini-batch fine-tuning with BERT's AdamW schedule, on
    batches of examples of similar length (`length_batches`).

    With `settings.checkpoint_every`, a checkpoint (weights, optimizer
    state, step) goes to `OUTPUT/checkpoints` every that many steps and
    after the last, and a
    run started again on the same output resumes from the newest one, on
    the batches an uninterrupted run would have seen next.

    Returns:
        The mean training loss of each pass over the data (of the steps
        this call ran).
    """
    from kbert.training import checkpoints
    from kbert.training.length_batches import length_grouped_batches
    from kbert.training.optimizer import (
        layer_decay_multipliers,
        make_optimizer,
    )

    count = len(data.features["token_ids"])
    steps_per_epoch = math.ceil(count / settings.batch_size)
    total_steps = max(1, steps_per_epoch * settings.epochs)
    multipliers = None
    if settings.layer_decay is not None:
        multipliers = layer_decay_multipliers(
            model.backbone, settings.layer_decay
        )
    model.compile(
        optimizer=make_optimizer(
            settings.learning_rate,
            total_steps=total_steps,
            warmup_steps=int(settings.warmup_proportion * total_steps),
            learning_rate_multipliers=multipliers,
        )
    )
    directory = os.path.join(settings.output, "checkpoints")
    done = 0
    latest = checkpoints.latest_checkpoint(directory)
    if latest is not None:
        done = checkpoints.restore_checkpoint(model, latest[1])
        print(f"Resuming from {latest[1]} (step {done}).", flush=True)
    losses = checkpoints.EpochLosses(steps_per_epoch, done)
    callbacks = [losses]
    if settings.checkpoint_every:
        os.makedirs(directory, exist_ok=True)
        callbacks.append(
            checkpoints.CheckpointEvery(
                directory, settings.checkpoint_every, done
            )
        )
    if done >= total_steps:
        return []
    parts = (data.features, data.labels)
    if data.weights is not None:
        parts += (data.weights,)
    # Each pass reshuffles (the same way on every run with this seed), so
    # skipping the steps done puts a resumed run on the uninterrupted
    # run's next batch.
    dataset = (
        length_grouped_batches(parts, settings.batch_size, seed=settings.seed)
        .repeat(settings.epochs)
        .skip(done)
        .prefetch(2)
    )
    model.fit(
        dataset,
        epochs=1,
        steps_per_epoch=total_steps - done,
        verbose=settings.verbose,
        shuffle=False,  # the dataset is shuffled above
        callbacks=callbacks,
    )
    if settings.checkpoint_every and total_steps % settings.checkpoint_every:
        # The last step too, so that a run killed while it evaluates
        # resumes there instead of training again since the last one.
        checkpoints.save_checkpoint(model, directory, total_steps)
    return losses.means()


def run_finetuning(settings):
    """Fine-tunes the task model `settings` names and evaluates it.

    Args:
        settings: a task's `FineTuneSettings` (`GlueSettings`,
            `NerSettings`, `SquadSettings`).

    Returns:
        The metrics, as written to `settings.output`/metrics.json beside
        the fine-tuned model.keras.
    """
    import keras

    task = task_for(settings)
    started = time.time()
    keras.utils.set_random_seed(settings.seed)
    backbone, tokenizer, loaded = load_backbone(
        settings.model, settings.preset, settings.vocabulary
    )
    data = task.training_data(tokenizer)
    model = continued(loaded, task.build_model(backbone))
    if model is not loaded:
        task.start_head(model, loaded)
    losses = fit(model, data, settings)
    metrics = {
        **task.result_fields(),
        "metrics": task.evaluate(model, tokenizer),
        **data.counts,
        "train_losses": losses,
        "backend": keras.backend.backend(),
        "wall_time_s": round(time.time() - started, 1),
        "settings": {
            key: value
            for key, value in dataclasses.asdict(settings).items()
            if key != "verbose"
        },
    }
    os.makedirs(settings.output, exist_ok=True)
    model.save(os.path.join(settings.output, MODEL_FILE))
    with open(os.path.join(settings.output, METRICS_FILE), "w") as file:
        json.dump(metrics, file, indent=2, sort_keys=True)
        file.write("\n")
    task.write_outputs()
    return metrics


def run_evaluation(settings):
    """The metrics of a fine-tuned model on the task's evaluation data.

    Args:
        settings: a task's `EvaluationSettings` (`GlueEvaluationSettings`,
            ...).

    Returns:
        The metrics dict.
    """
    task = task_for(settings)
    if settings.model is None:
        # The settings allow no model only where saved predictions are
        # scored instead (`evaluate squad --predictions`).
        return task.score_predictions()
    model, tokenizer = load_task_model(settings.model)
    check_evaluated_model(task, model)
    metrics = task.evaluate(model, tokenizer)
    task.write_outputs()
    return metrics
