"""The HTTP API, assembled: error handlers and one router per resource. Work runs through the jobs interface.

Why only assembly here: each resource's routes live in their own module (briefs, sources, events,
webhooks, health, web) and take their dependencies from verifier.api.deps, so a route can be read,
and its dependencies overridden in a test, without this file.
"""

from __future__ import annotations

from fastapi import FastAPI

from verifier.api import briefs, errors, events, health, sources, web, webhooks
from verifier.api.fastpoll import FastPoll

ROUTERS = (health.router, briefs.router, sources.router, events.router, webhooks.router, web.router)


def create_app() -> FastAPI:
    app = FastAPI(title="verifier", version="0.1.0",
                  description="Checks that quoted passages stand, word for word, in the sources a brief cites.")
    errors.install(app)
    app.add_middleware(FastPoll)
    for router in ROUTERS:
        app.include_router(router)
    return app


app = create_app()
