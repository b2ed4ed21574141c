"""One traced graph per model function: an attack's gradient step is traced once per `model_fn` and
settings, and reused by its later calls (restarts, batches, eps, APGD-T's targets). Tracing through
the unrolled search costs seconds each time; a run calls the same path tens of times."""

import weakref

_GRAPHS = weakref.WeakKeyDictionary()


def traced(model_fn, key, make):
    """The tf.function `make(fn)` builds for (`model_fn`, `key`), built on the first call; `fn` calls
    `model_fn` through a weak reference, so the cache never keeps a model alive. `model_fn` must be pure:
    what it computes may not depend on Python state that changes between calls (its graph is reused).
    Functions that cannot be weakly referenced are traced on every call."""
    try:
        ref = weakref.ref(model_fn)
        per_fn = _GRAPHS.setdefault(model_fn, {})
    except TypeError:
        return make(model_fn)
    if key not in per_fn:
        per_fn[key] = make(lambda *args: ref()(*args))
    return per_fn[key]
