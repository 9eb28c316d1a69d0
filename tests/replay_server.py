"""A small HTTP server on 127.0.0.1 that answers from recorded or generated responses, for
testing the collectors with the real SDKs and no network.

Routes map a path to a function of (query, call number) returning an `Answer`: a status, a
JSON body, headers, and optionally a cut (the connection closes halfway through the body).
The server stops by itself after `lifetime` seconds, so a test that hangs cannot keep it up.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


@dataclass
class Answer:
    status: int = 200
    body: object = None
    headers: dict[str, str] = field(default_factory=dict)
    cut: bool = False  # send half the body, then close the connection


Route = Callable[[dict[str, list[str]], int], Answer]


class ReplayServer:
    def __init__(self, routes: dict[str, Route], lifetime: float = 120.0):
        self.routes = routes
        self.calls: list[tuple[str, dict[str, list[str]], dict[str, str]]] = []
        self.counts: dict[str, int] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                self.do_GET(body=self.rfile.read(length) if length else b"")

            def do_GET(self, body: bytes = b""):
                parsed = urlparse(self.path)
                query = parse_qs(parsed.query)
                if body:
                    query["body"] = [body.decode()]
                server.calls.append((parsed.path, query, dict(self.headers)))
                count = server.counts[parsed.path] = server.counts.get(parsed.path, 0) + 1
                route = server.routes.get(parsed.path)
                answer = (
                    route(query, count)
                    if route
                    else Answer(404, {"error": "NotFound", "message": parsed.path})
                )
                body = json.dumps(answer.body).encode()
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                if answer.cut:
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self._timer = threading.Timer(lifetime, self.httpd.shutdown)
        self._timer.daemon = True

    def __enter__(self) -> ReplayServer:
        self._thread.start()
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self._timer.cancel()
        self.httpd.shutdown()
        self.httpd.server_close()

    def paths(self) -> list[str]:
        return [path for path, _, _ in self.calls]


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens: an instance that is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
