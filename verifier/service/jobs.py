"""The jobs interface: how the API starts background work without knowing it runs on Celery.

Why: the API must not import the workers (import-linter keeps "The API reaches Celery only through
the jobs interface"), and the tests and embedded tools want to swap the backend. The backend is
named in settings (VERIFIER_JOBS_BACKEND, "module:Class", default "workers.jobs:CeleryJobs") and
loaded by name, once per process.
"""

from __future__ import annotations

import importlib
from functools import lru_cache
from typing import Protocol, runtime_checkable


@runtime_checkable
class Jobs(Protocol):
    """What the API asks of the background workers."""

    def enqueue_brief(self, brief_id: str) -> None:
        """Start a stored brief's work (its rows are committed)."""


class JobsBackendError(RuntimeError):
    """The configured backend cannot be loaded or does not implement Jobs."""


@lru_cache(maxsize=8)
def load_jobs(dotted: str) -> Jobs:
    """The Jobs backend named `module:Class` (instantiated without arguments)."""
    module_name, _, attr = dotted.partition(":")
    if not module_name or not attr:
        raise JobsBackendError(f"jobs backend must be 'module:Class', not {dotted!r}")
    try:
        backend = getattr(importlib.import_module(module_name), attr)()
    except (ImportError, AttributeError) as e:
        raise JobsBackendError(f"cannot load the jobs backend {dotted!r}: {e}") from e
    if not isinstance(backend, Jobs):
        raise JobsBackendError(f"{dotted!r} does not implement enqueue_brief")
    return backend
