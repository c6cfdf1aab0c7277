"""Celery tasks for rechecks: beat runs `sweep_due`, workers run `recheck_batch` (queue `recheck`).

Why batches: a Celery task costs ~0.65 ms even doing nothing, so one task per URL tops out near
1,500 URLs/s and floods Redis with tiny messages. The sweep claims due sources in the database
(one conditional UPDATE … RETURNING, most overdue first, at most recheck_sweep_limit per tick) and
sends them in batches of recheck_batch_size ids; each batch is fetched concurrently within the
per-host limits (shared through Redis across workers) and written with a constant number of queries.

Safety: the claim (Source.claimed_until) is what makes a duplicated beat tick or a second beat
harmless; a batch redelivered after it finished finds its claims released and skips those ids; a
worker that dies mid-batch leaves claims that expire after recheck_lease seconds, and the next
sweep takes the sources again.
"""

from __future__ import annotations

import logging
from typing import Any

from verifier.net.politeness import HostLimiter, Limiter
from verifier.service import recheck
from verifier.settings import Settings, get_settings
from verifier.storage import db
from workers.celery_app import app

log = logging.getLogger("verifier.service.recheck")


def _limiter_factory(settings: Settings) -> Any:
    """Per-host limits shared by every worker through Redis; in-process limits if Redis is absent."""
    def make() -> Limiter:
        try:
            from verifier.net.politeness import RedisHostLimiter

            return RedisHostLimiter.from_settings(settings)
        except Exception as e:
            log.warning("per-host limits fall back to this process only: %s", e)
            return HostLimiter.from_settings(settings)
    return make


def chunks(ids: list[int], size: int) -> list[list[int]]:
    return [ids[i:i + size] for i in range(0, len(ids), max(1, size))]


@app.task(name="workers.recheck.sweep_due", ignore_result=True)
def sweep_due(limit: int | None = None) -> int:
    """Claim due sources (most overdue first, capped) and send them to workers in batches."""
    settings = get_settings()
    with db.session_for(settings.database_url) as session:
        ids = recheck.claim_sources(session, settings, due_only=True, limit=limit or recheck.sweep_limit(settings))
    batches = chunks(ids, recheck.batch_size(settings))
    for i, batch in enumerate(batches):
        try:
            recheck_batch.apply_async(args=[batch], queue="recheck")
        except Exception:
            # the broker is down: give the unsent claims back rather than wait out the lease
            with db.session_for(settings.database_url) as session:
                recheck.release(session, [sid for b in batches[i:] for sid in b])
            raise
    if ids:
        log.info("recheck sweep: %d sources in %d batches", len(ids), len(batches))
    return len(ids)


@app.task(bind=True, name="workers.recheck.recheck_batch", acks_late=True, max_retries=2,
          default_retry_delay=30)
def recheck_batch(self: Any, source_ids: list[int]) -> dict[str, Any]:
    """Recheck one batch of claimed sources; ids already released (done) are skipped."""
    settings = get_settings()
    try:
        with db.session_for(settings.database_url) as session:
            summary = recheck.recheck_ids(session, settings, source_ids, claimed_only=True,
                                          make_limiter=_limiter_factory(settings))
    except Exception as exc:
        raise self.retry(exc=exc) from exc
    return summary.as_dict()


@app.task(name="workers.recheck.deliver_webhooks", ignore_result=True)
def deliver_webhooks() -> int:
    """POST organisations' undelivered events to their webhooks, signed (run by beat)."""
    from verifier.service.webhooks import deliver_pending

    settings = get_settings()
    with db.session_for(settings.database_url) as session:
        return deliver_pending(session, settings)
