"""Calls a SavedModel the way stock TF Serving would: no tensorflow_text.

Run as `python serving_worker.py REQUESTS.json OUT.json`: the requests are
`{"model": SAVEDMODEL, "signature": name, "inputs": {name: list}}`
objects; the answers are the outputs as lists (strings decoded from
UTF-8). Importing
tensorflow_text is made impossible before tensorflow loads, so a SavedModel
that needed one of its ops would fail to load here.
"""

import json
import sys

sys.modules["tensorflow_text"] = None  # `import tensorflow_text` now fails

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402


def plain(value):
    value = value.numpy()
    if value.dtype == object:
        return (
            np.vectorize(
                lambda item: item.decode("utf-8", "replace"), otypes=[object]
            )(value).tolist()
            if value.size
            else value.tolist()
        )
    return value.tolist()


def main(requests_path, out_path):
    with open(requests_path, encoding="utf-8") as file:
        requests = json.load(file)
    loaded, answers = {}, []
    for request in requests:
        if request["model"] not in loaded:
            loaded[request["model"]] = tf.saved_model.load(request["model"])
        function = loaded[request["model"]].signatures[request["signature"]]
        spec = function.structured_input_signature[1]
        inputs = {
            name: tf.constant(value, dtype=spec[name].dtype)
            for name, value in request["inputs"].items()
        }
        outputs = function(**inputs)
        answers.append({name: plain(value) for name, value in outputs.items()})
    with open(out_path, "w", encoding="utf-8") as file:
        json.dump(answers, file)


if __name__ == "__main__":
    main(*sys.argv[1:3])
