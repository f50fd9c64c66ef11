"""Runs `python -m kbert pretrain ARGS...` and kills itself with SIGKILL the
moment the checkpoint of step KILL_AT_STEP is on disk, as a crash would:

    python -m tests.training.killed_pretrain_worker KILL_AT_STEP ARGS...
"""

import os
import signal
import sys

from kbert import cli
from kbert.training import checkpoints


def main():
    kill_at = int(sys.argv[1])
    save = checkpoints.save_checkpoint

    def save_then_die(model, directory, step, **kwargs):
        save(model, directory, step, **kwargs)
        if step == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    checkpoints.save_checkpoint = save_then_die
    return cli.main(["pretrain", *sys.argv[2:]])


if __name__ == "__main__":
    sys.exit(main())
