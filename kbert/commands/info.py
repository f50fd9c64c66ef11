"""Prints a preset's configuration and exact parameter count."""

import json

from kbert import presets


def add_arguments(parser):
    parser.add_argument(
        "--preset", required=True, choices=sorted(presets.PRESETS)
    )
    parser.add_argument(
        "--pretrainer",
        action="store_true",
        help="count the MLM and NSP heads too",
    )


def run(args):
    from kbert.models import BertBackbone, BertPretrainer

    config = presets.preset_config(args.preset)
    model = BertBackbone(**config)
    print(f"{args.preset}: {presets.PRESETS[args.preset]['description']}")
    print(json.dumps(config, indent=2))
    print(f"backbone parameters: {model.count_params():,}")
    if args.pretrainer:
        pretrainer = BertPretrainer(model)
        print(f"pretrainer parameters: {pretrainer.count_params():,}")
