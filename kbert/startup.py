"""A quiet start for the command line and the demo.

TensorFlow writes its C++ start-up lines ("oneDNN custom operations are
on", "Could not find cuda drivers", "failed call to cuInit") to the stderr
file descriptor before its logging is set up, so `TF_CPP_MIN_LOG_LEVEL`
cannot hide them; on a machine without a GPU they read as errors. They are
written while TensorFlow is imported and its devices are first listed;
`import_tensorflow_quietly` does both with file descriptor 2 pointed at
/dev/null, then restores it, so every later warning and error shows.
"""

import os
import sys


def import_tensorflow_quietly():
    """Imports TensorFlow (and lists its devices) without its start-up
    lines; does nothing when TensorFlow is already imported.

    An import that fails raises as usual, after stderr is restored.
    """
    if "tensorflow" in sys.modules:
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.stderr.flush()
    saved = os.dup(2)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 2)
    try:
        import tensorflow as tf

        tf.config.list_physical_devices()
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(null)
        os.close(saved)
