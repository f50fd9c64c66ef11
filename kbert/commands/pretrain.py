"""Pretrains a BERT with MLM + NSP (resumes after a crash)."""

from kbert.training import pretraining_config


def add_arguments(parser):
    pretraining_config.add_arguments(parser)


def run(args):
    # As `finetune` does: a bad setting or file (ValueError) is one line.
    try:
        settings = pretraining_config.resolve(args)  # before importing keras
        from kbert.training.pretrain import pretrain

        metrics = pretrain(settings)
    except ValueError as error:
        raise SystemExit(f"error: {error}") from None
    print(
        f"Done at step {metrics['step']}: eval loss "
        f"{metrics['eval_loss']:.4f}. Models in {settings.output}: "
        "pretrainer.keras, backbone.keras."
    )
