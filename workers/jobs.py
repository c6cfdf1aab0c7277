"""The Celery implementation of the jobs interface (verifier.service.jobs.Jobs).

Why a class of its own: the API loads it by name from settings, so it reaches Celery without
importing the workers package.
"""

from __future__ import annotations

from workers import tasks


class CeleryJobs:
    """Jobs run as Celery chords on the fetch/match/ocr queues."""

    def enqueue_brief(self, brief_id: str) -> None:
        tasks.enqueue_brief(brief_id)
