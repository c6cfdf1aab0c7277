"""The Celery app: Redis as broker and result store, one queue per kind of work.

Queues: fetch (cited pages), match (judging), recheck, ocr (scanned PDF pages), render (headless
Chromium: a few slow, memory-hungry tasks that must never hold up fetching).
"""

from __future__ import annotations

from celery import Celery
from kombu import Queue

from verifier.settings import get_settings

#: a task may run this long before it is killed (OCR tasks get a limit fitted to their page count, at most
#: OCR_TIME_LIMIT). Redis redelivers unacked work only after the visibility timeout, so it is longer than
#: any task may run; a brief whose work was lost sooner is restarted by workers.tasks.recover_stalled.
TASK_TIME_LIMIT = 600
OCR_TIME_LIMIT = 5400
#: a page in headless Chromium: the render timeout per page, a browser start, and room to spare
RENDER_TIME_LIMIT = 180
VISIBILITY_TIMEOUT = OCR_TIME_LIMIT + 600


def make_app() -> Celery:
    s = get_settings()
    app = Celery("verifier", broker=s.redis_url, backend=s.redis_url, include=["workers.tasks", "workers.recheck"])
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_time_limit=TASK_TIME_LIMIT,
        task_soft_time_limit=TASK_TIME_LIMIT - 30,
        task_default_queue="match",
        task_queues=(Queue("fetch"), Queue("match"), Queue("recheck"), Queue("ocr"), Queue("render")),
        task_routes={"workers.tasks.fetch_sources": {"queue": "fetch"},
                     "workers.tasks.judge": {"queue": "match"},
                     "workers.tasks.judge_chunk": {"queue": "match"},
                     "workers.tasks.finish_judge": {"queue": "match"},
                     "workers.tasks.ocr_source": {"queue": "ocr"},
                     "workers.tasks.render_source": {"queue": "render"},
                     "workers.recheck.*": {"queue": "recheck"}},
        broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT},
        result_backend_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT},
        result_expires=86400,
        broker_connection_retry_on_startup=True,
        task_serializer="json",
        beat_schedule={
            "recover-stalled": {"task": "workers.tasks.recover_stalled", "schedule": 60.0},
            "recheck-sweep": {"task": "workers.recheck.sweep_due", "schedule": 60.0},
            "deliver-webhooks": {"task": "workers.recheck.deliver_webhooks", "schedule": 60.0},
        },
        accept_content=["json"],
    )
    return app


app = make_app()
