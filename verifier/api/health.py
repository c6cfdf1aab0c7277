"""Health: the database and the broker answer (no key needed; load balancers poll it)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from verifier.api.deps import SessionDep, SettingsDep

router = APIRouter(tags=["service"])


@router.get("/health")
def health(session: SessionDep, settings: SettingsDep) -> JSONResponse:
    checks: dict[str, str] = {}
    try:
        session.exec(text("SELECT 1"))  # type: ignore[call-overload]
        checks["database"] = "ok"
    except Exception as e:
        checks["database"] = f"error: {e}"
    try:
        import redis

        redis.Redis.from_url(settings.redis_url, socket_timeout=2).ping()
        checks["broker"] = "ok"
    except Exception as e:
        checks["broker"] = f"error: {e}"
    ok = all(v == "ok" for v in checks.values())
    return JSONResponse({"status": "ok" if ok else "degraded", **checks}, status_code=200 if ok else 503)
