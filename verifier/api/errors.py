"""Every error the API answers, in the contract's one JSON shape: {"error": {"status", "message"}}.

Why one module: routes raise ApiError (or FastAPI's own validation and HTTP errors fire), and
these handlers are the only place the shape is written. Anything unexpected is logged and answered
in the same shape, never as a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from verifier.core.values import BriefError, BriefTooLarge

log = logging.getLogger("verifier.api")


class ApiError(StarletteHTTPException):
    """An HTTP error with a one-line message meant for the caller."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(status, message, headers)
        self.message = message


def error_response(status: int, message: str, headers: Mapping[str, str] | None = None,
                   **extra: object) -> JSONResponse:
    return JSONResponse({"error": {"status": status, "message": message, **extra}},
                        status_code=status, headers=headers)


async def _http_error(_req: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return error_response(exc.status_code, str(exc.detail), exc.headers)


def _printable(errors: list[dict[str, object]]) -> list[dict[str, object]]:
    """Validation details without the raw input (it may be huge, or bytes JSON cannot carry)."""
    return [{k: v for k, v in e.items() if k in ("loc", "msg", "type")} for e in errors]


async def _invalid(_req: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    first = errors[0] if errors else {}
    where = ".".join(str(x) for x in first.get("loc", ()))
    return error_response(422, f"{where}: {first.get('msg', 'invalid')}", details=_printable(errors))


async def _brief_error(_req: Request, exc: Exception) -> JSONResponse:
    """A brief refused once read (over a limit: 413; unusable: 400), wherever a route meets it."""
    assert isinstance(exc, BriefError)
    return error_response(413 if isinstance(exc, BriefTooLarge) else 400, str(exc))


async def _database_down(req: Request, exc: Exception) -> JSONResponse:
    """The database could not be reached (or dropped the connection twice): the caller may retry."""
    log.warning("database unavailable on %s %s: %s", req.method, req.url.path, str(exc).splitlines()[0])
    return error_response(503, "the database is unavailable; retry shortly", {"Retry-After": "5"})


async def _unexpected(req: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", req.method, req.url.path, exc_info=exc)
    return error_response(500, "internal error; it has been logged")


def install(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(BriefError, _brief_error)
    for down in (OperationalError, psycopg.OperationalError):
        app.add_exception_handler(down, _database_down)
    app.add_exception_handler(Exception, _unexpected)
