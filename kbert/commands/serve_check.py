"""Lists a SavedModel's signatures and runs one example request each.

python -m kbert serve-check savedmodels/qa/serving/1
"""

import json


def add_arguments(parser):
    parser.add_argument("path", help="a SavedModel folder")


def run(args):
    from kbert.export.serve_check import check_saved_model

    try:
        report = check_saved_model(args.path)
    except FileNotFoundError as error:
        raise SystemExit(f"error: {error}") from None
    for signature in report:
        print(f"signature {signature['name']}")
        for title in ("inputs", "outputs"):
            for key, spec in signature[title].items():
                print(f"  {title[:-1]:6} {key}: {spec}")
        example = json.dumps(signature["example"], ensure_ascii=False)
        print(f"  example -> {example[:400]}")
