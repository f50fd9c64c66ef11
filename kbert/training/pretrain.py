"""A pretraining run: settings -> vocabulary -> data -> model -> fit -> save.

Phase 1 trains most steps at a short length, phase 2 the rest at a long
one, continuing from phase 1's weights and optimizer state. Checkpoints are
written every `checkpoint_every` steps; running the same command again
after a crash (even `kill -9`) resumes from the newest one with the step,
optimizer state, dropout randomness and data position carried over, and
ends where an uninterrupted run ends.
"""

import json
import os

import keras

from kbert import presets
from kbert.saving import backbone_of
from kbert.training import checkpoints
from kbert.training.distribution import resolve_distribution
from kbert.training.optimizer import make_optimizer
from kbert.training.pretraining_config import SIZE_OVERRIDES


def pretrain(settings, verbose="auto"):
    """Runs (or resumes) pretraining; returns the final metrics dict.

    Args:
        settings: a `PretrainingSettings`.
        verbose: `model.fit` verbosity.

    Returns:
        `{"step", "eval_loss", "eval_mlm_accuracy", ...}`: the run's last
        step and the loss of the final model on a fixed batch (the first
        phase-1 batch of `seed`, inference mode), also written to
        `OUTPUT/metrics.json`.
    """
    settings.check_input_files()
    # First: multi-worker collectives must be set up before any TF op runs.
    distribution = resolve_distribution(settings.strategy)
    output = settings.output
    os.makedirs(output, exist_ok=True)
    keras.utils.set_random_seed(settings.seed)
    if settings.mixed_precision != "none":
        keras.config.set_dtype_policy(f"mixed_{settings.mixed_precision}")

    start = _starting_model(settings)
    if start is not None:
        vocabulary = backbone_of(start).vocabulary
        lowercase = backbone_of(start).lowercase
    else:
        vocabulary = _vocabulary(settings)
        lowercase = settings.lowercase
    corpus = _tokenized_corpus(settings.corpus, vocabulary, lowercase, output)

    with distribution.scope():
        model = _build_model(settings, vocabulary, start)
    # Other workers write beside the chief's files, never over them.
    worker_dir = output
    if not distribution.is_chief:
        worker_dir = os.path.join(output, f"worker-{distribution.worker_index}")
    checkpoint_dir = os.path.join(worker_dir, "checkpoints")
    step = 0
    latest = checkpoints.latest_checkpoint(os.path.join(output, "checkpoints"))
    if latest is not None:
        step = checkpoints.restore_checkpoint(model, latest[1])
        print(f"Resuming from {latest[1]} (step {step}).", flush=True)

    tensorboard = keras.callbacks.TensorBoard(
        os.path.join(worker_dir, "logs"), update_freq=settings.log_every
    )
    for phase, (first, end, length, predictions) in enumerate(
        settings.phases()
    ):
        if step >= end:
            continue
        dataset = _dataset(
            settings, corpus, vocabulary, phase, start_step=step - first
        )
        print(
            f"Phase {phase + 1}: steps {step}..{end} at length {length} "
            f"with {predictions} predictions.",
            flush=True,
        )
        accumulation = settings.gradient_accumulation_steps
        model.fit(
            dataset,
            steps_per_epoch=(end - step) * accumulation,  # micro-batches
            epochs=1,
            verbose=verbose,
            callbacks=[
                checkpoints.CheckpointEvery(
                    checkpoint_dir,
                    settings.checkpoint_every,
                    step,
                    batches_per_step=accumulation,
                ),
                tensorboard,
            ],
        )
        step = end

    metrics = {
        "step": step,
        **_evaluate(model, settings, corpus, vocabulary, distribution),
    }
    if distribution.is_chief:
        model.save(os.path.join(output, "pretrainer.keras"))
        model.backbone.save(os.path.join(output, "backbone.keras"))
        with open(os.path.join(output, "metrics.json"), "w") as file:
            json.dump(metrics, file, indent=2)
    return metrics


def _vocabulary(settings):
    from kbert.text import load_vocabulary

    if settings.vocab:
        return load_vocabulary(settings.vocab)
    path = os.path.join(settings.output, "vocab.txt")
    if not os.path.exists(path):
        from kbert.data.atomic_file import atomic_write
        from kbert.text.vocab_trainer import count_words, train_vocabulary

        print(
            f"Training a {settings.vocab_size}-token vocabulary from "
            f"{settings.corpus} into {path}.",
            flush=True,
        )
        with open(settings.corpus, encoding="utf-8", errors="replace") as file:
            counts = count_words(file, settings.lowercase)
        tokens = train_vocabulary(counts, settings.vocab_size)
        with atomic_write(path, encoding="utf-8") as file:
            file.writelines(token + "\n" for token in tokens)
    return load_vocabulary(path)


def _starting_model(settings):
    """The model of `init_from`, checked against the run; None without.

    A `BertPretrainer` starts the run with its MLM and NSP heads; from any
    other kbert model only the backbone is taken (new heads).

    Raises:
        ValueError: when it has no vocabulary, or a phase's sequence length
            exceeds its `max_sequence_length`.
    """
    if not settings.init_from:
        return None
    from kbert.models import BertPretrainer
    from kbert.saving import load_model

    path = settings.init_from
    start = load_model(path)
    backbone = backbone_of(start)
    if backbone.vocabulary is None:
        raise ValueError(
            f"The model in init_from={path!r} carries no vocabulary; save "
            "it after `backbone.set_vocabulary(...)`."
        )
    for _, _, length, _ in settings.phases():
        if length > backbone.max_sequence_length:
            raise ValueError(
                f"A sequence length of {length} exceeds the "
                f"max_sequence_length={backbone.max_sequence_length} of "
                f"init_from={path!r}; lower phase1_max_seq_length / "
                "phase2_max_seq_length (or set phase1_fraction = 1.0)."
            )
    if isinstance(start, BertPretrainer):
        print(
            f"Starting from the pretrainer in {path} (its MLM and NSP heads).",
            flush=True,
        )
        return start
    print(
        f"Starting from the backbone in {path} (new MLM and NSP heads).",
        flush=True,
    )
    return backbone


def _tokenized_corpus(path, vocabulary, lowercase, output):
    from kbert.data.tokenized_corpus import tokenize_corpus_file

    return tokenize_corpus_file(
        path,
        vocabulary,
        lowercase=lowercase,
        cache_dir=os.path.join(output, "cache"),
    )


def _build_model(settings, vocabulary, start=None):
    """A compiled `BertPretrainer`: new, or from `init_from`'s model."""
    from kbert.models import BertPretrainer

    if start is None:
        backbone = _new_backbone(settings, vocabulary)
    else:
        backbone = _copy_backbone(backbone_of(start))
    model = BertPretrainer(backbone)
    if isinstance(start, BertPretrainer):
        model.set_weights(start.get_weights())  # the heads too
    model.compile(
        optimizer=make_optimizer(
            settings.learning_rate,
            total_steps=settings.steps,
            warmup_steps=settings.warmup_steps,
            weight_decay=settings.weight_decay,
            gradient_accumulation_steps=settings.gradient_accumulation_steps,
            global_clipnorm=settings.clipnorm,
            learning_rate_multipliers=_backbone_multipliers(model, settings),
        ),
        jit_compile=settings.jit_compile,
    )
    return model


def _backbone_multipliers(model, settings):
    """`{path: backbone_learning_rate / learning_rate}` for the backbone's
    variables, or None when the backbone trains at `learning_rate`."""
    rate = settings.backbone_learning_rate
    if rate is None:
        return None
    factor = rate / settings.learning_rate
    return {v.path: factor for v in model.backbone.trainable_variables}


def _copy_backbone(start):
    """A backbone like `start`, built here, holding its weights.

    Built afresh (not used as loaded) so that its variables live under the
    current distribution scope and it takes the run's dtype policy.
    """
    from kbert.models import BertBackbone

    config = start.get_config()
    del config["dtype"]  # the run's (mixed) precision, not the file's
    backbone = BertBackbone.from_config(config)
    backbone.set_weights(start.get_weights())
    backbone.set_vocabulary(start.vocabulary)
    return backbone


def _new_backbone(settings, vocabulary):
    from kbert.models import BertBackbone

    overrides = {
        name: getattr(settings, name)
        for name in SIZE_OVERRIDES
        if getattr(settings, name) is not None
    }
    longest = max(
        settings.phase1_max_seq_length, settings.phase2_max_seq_length
    )
    config = presets.preset_config(
        settings.preset,
        vocabulary_size=len(vocabulary),
        lowercase=settings.lowercase,
        **overrides,
    )
    config["max_sequence_length"] = max(config["max_sequence_length"], longest)
    backbone = BertBackbone(**config)
    backbone.set_vocabulary(vocabulary)
    return backbone


def _dataset(settings, corpus, vocabulary, phase, start_step):
    """Phase `phase`'s batches from its `start_step`-th on."""
    from kbert.data.pretraining_dataset import make_pretraining_dataset

    _, _, length, predictions = settings.phases()[phase]

    # With accumulation, each optimizer update consumes several batches.
    accumulation = settings.gradient_accumulation_steps
    return make_pretraining_dataset(
        corpus,
        vocabulary,
        batch_size=settings.batch_size // accumulation,
        max_seq_length=length,
        max_predictions_per_seq=predictions,
        whole_word_masking=settings.whole_word_masking,
        seed=settings.seed * 1000 + phase,
        start_step=start_step * accumulation,
    )


def _evaluate(model, settings, corpus, vocabulary, distribution):
    from kbert.data.pretraining_dataset import make_pretraining_dataset

    _, _, length, predictions = settings.phases()[0]
    dataset = make_pretraining_dataset(
        corpus,
        vocabulary,
        batch_size=settings.batch_size,
        max_seq_length=length,
        max_predictions_per_seq=predictions,
        seed=settings.seed * 1000 + 999,
    )
    # `steps=1`: on a dataset of unknown length Keras would also average in
    # an empty step.
    results = model.evaluate(dataset, steps=1, verbose=0, return_dict=True)
    return {f"eval_{name}": float(value) for name, value in results.items()}
