#!/usr/bin/env bash
# The default suite: everything on tensorflow, then the tests marked
# `multibackend` on jax and torch. Extra arguments go to every pytest run.
# Two pytest-xdist workers (CI has 2 cores), each given whole test files, so
# a file's module fixtures are built once. On 2 cores the tensorflow run
# took 11:55 this way and 18:13 one test after another: many tests spend
# their time in a single Python thread (imports, tracing, subprocesses).
# `bash tests/run.sh -n 0` runs serially. The short jax and torch runs stay
# serial: two workers made them slower (1:41 against 1:33 under jax).
set -u
cd "$(dirname "$0")/.."
status=0
KERAS_BACKEND=tensorflow python -m pytest -n 2 --dist loadfile \
  -m "not slow" "$@" || status=1
for backend in jax torch; do
  KERAS_BACKEND=$backend python -m pytest -m "multibackend and not slow" \
    "$@" || status=1
done
exit $status
