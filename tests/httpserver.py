"""A small threaded HTTP server on 127.0.0.1 for tests: routes you write, hits you can count.

    with LoopbackServer() as srv:
        srv.page("/a", b"<html>...</html>")                     # 200 with a body
        srv.route("/gone", Reply(410, b"gone"))                   # any status/headers
        srv.redirect("/old", "/a", status=301)
        srv.route("/flaky", sequence(Reply(503), Reply(200, b"ok")))  # per-hit answers
        srv.route("/echo", lambda req: Reply(200, req.headers.get("User-Agent", "").encode()))
        url = srv.url("/a"); srv.hits["/a"]; srv.total_hits()

A route is a Reply or a function of the Request returning one. Reply.delay sleeps
before answering; Reply.body may be an iterable of byte chunks (streamed, with the
Content-Length you give). Unknown paths answer 404.
"""

from __future__ import annotations

import http.server
import socketserver
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class Reply:
    status: int = 200
    body: bytes | Iterable[bytes] = b""
    content_type: str | None = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to sleep before answering
    content_length: int | None = None  # for streamed bodies; bytes bodies get their own length


@dataclass
class Request:
    path: str  # without the query
    query: str
    headers: dict[str, str]  # names lower-cased
    hit: int  # 1 for the first request to this path


Route = Reply | Callable[[Request], Reply]


def sequence(*replies: Reply) -> Callable[[Request], Reply]:
    """Answer the n-th hit with the n-th reply; the last one repeats."""
    return lambda req: replies[min(req.hit, len(replies)) - 1]


class LoopbackServer:
    """Threaded HTTP/1.1 server bound to 127.0.0.1 on a free port."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _make_handler(self))
        self.port: int = self._server.server_address[1]
        self._thread: threading.Thread | None = None

    # -- routes
    def route(self, path: str, route: Route) -> None:
        self.routes[path] = route

    def page(self, path: str, body: bytes, content_type: str | None = "text/html; charset=utf-8",
             headers: dict[str, str] | None = None) -> None:
        self.routes[path] = Reply(200, body, content_type, headers or {})

    def redirect(self, path: str, location: str, status: int = 302) -> None:
        self.routes[path] = Reply(status, b"", "text/html", {"Location": location})

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def total_hits(self) -> int:
        with self._lock:
            return sum(self.hits.values())

    # -- lifecycle
    def start(self) -> LoopbackServer:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _answer(self, raw_path: str, headers: dict[str, str]) -> Reply:
        parts = urlsplit(raw_path)
        with self._lock:
            self.hits[parts.path] += 1
            req = Request(parts.path, parts.query, headers, self.hits[parts.path])
            self.requests.append(req)
        route = self.routes.get(parts.path)
        if route is None:
            return Reply(404, b"<html><head><title>Not Found</title></head><body><h1>Not Found</h1></body></html>")
        return route(req) if callable(route) else route


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256


def _make_handler(site: LoopbackServer) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_HEAD(self) -> None:
            self._serve(head=True)

        def do_GET(self) -> None:
            self._serve(head=False)

        def _serve(self, head: bool) -> None:
            reply = site._answer(self.path, {k.lower(): v for k, v in self.headers.items()})
            if reply.delay:
                time.sleep(reply.delay)
            body = reply.body
            try:
                self.send_response(reply.status)
                if reply.content_type is not None:
                    self.send_header("Content-Type", reply.content_type)
                if isinstance(body, bytes):
                    self.send_header("Content-Length", str(len(body)))
                elif reply.content_length is not None:
                    self.send_header("Content-Length", str(reply.content_length))
                else:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                self.end_headers()
                if head:
                    return
                if isinstance(body, bytes):
                    self.wfile.write(body)
                else:
                    for chunk in body:
                        self.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

    return Handler
