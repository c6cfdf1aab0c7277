"""The Celery implementation of the jobs interface (verifier.service.jobs.Jobs).

Why a class of its own: the API loads it by name from settings, so it reaches Celery without
importing the workers package.
"""

from __future__ import annotations

from workers import heartbeat, tasks


class CeleryJobs:
    """Jobs run as Celery chords on the fetch/match/ocr queues."""

    def enqueue_brief(self, brief_id: str) -> None:
        """Send the brief's work; raises at once (a quick ping first) when the broker is down.

        The brief is stored before this is called: a send that fails leaves it queued and unsent,
        and the workers' recovery sends it when the broker is back (workers.tasks.recover_stalled)."""
        heartbeat.redis_client().ping()
        tasks.enqueue_brief(brief_id)
