#!/usr/bin/env bash
# The default suite: everything on tensorflow, then the tests marked
# `multibackend` on jax and torch. Extra arguments go to every pytest run.
set -u
cd "$(dirname "$0")/.."
status=0
KERAS_BACKEND=tensorflow python -m pytest -m "not slow" "$@" || status=1
for backend in jax torch; do
  KERAS_BACKEND=$backend python -m pytest -m "multibackend and not slow" \
    "$@" || status=1
done
exit $status
