"""Pretrains a BERT with MLM + NSP (resumes after a crash)."""

from kbert.training import pretraining_config


def add_arguments(parser):
    pretraining_config.add_arguments(parser)


def run(args):
    try:
        settings = pretraining_config.resolve(args)
        pretraining_config.check_input_files(settings)
    except ValueError as error:
        raise SystemExit(f"error: {error}") from None
    from kbert.training.pretrain import pretrain

    metrics = pretrain(settings)
    print(
        f"Done at step {metrics['step']}: eval loss "
        f"{metrics['eval_loss']:.4f}. Models in {settings['output']}: "
        "pretrainer.keras, backbone.keras."
    )
