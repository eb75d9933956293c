"""A site of made-up hosts served on 127.0.0.1, reached as an HTTP proxy.

The demo site, the test suite's loopback sites and the benchmarks' generated news site
all work this way: the crawler is given ``proxy_url`` as its proxy, so URLs keep their
real-looking hosts (``http://tass.example/...``) while every connection stays on this
machine. ``ProxySite`` is what they share: binding, the serving thread, the handler
(HTTP/1.1 keep-alive, and SOCKS5 for clients that only speak it), the absolute URL of a
request. A site says how it answers in ``answer(handler)``, usually through ``send``.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self, cast


class ProxySite:
    """Serves ``answer`` on ``host:port`` (port 0 picks a free one) in a daemon thread."""

    #: The Server header of every response.
    server_version = "wirecrawl-site/1.0"
    #: Accept SOCKS5 connections too (trafilatura reaches proxies only through SOCKS).
    speaks_socks = False

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._bind = (host, port)
        #: Log every request to stderr (``python -m crawler.app.demo.site --verbose``).
        self.verbose = False
        self.server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        """Answer the request ``handler`` holds (GET or HEAD)."""
        raise NotImplementedError

    # -- helpers for ``answer`` ----------------------------------------------------------

    @staticmethod
    def target_of(handler: BaseHTTPRequestHandler) -> str:
        """The absolute URL asked for (a proxy request names it; a direct one has a Host)."""
        target = handler.path
        if not target.startswith("http"):
            target = f"http://{handler.headers.get('Host', '')}{target}"
        return target

    @staticmethod
    def send(
        handler: BaseHTTPRequestHandler,
        status: int,
        headers: Iterable[tuple[str, str]],
        body: bytes = b"",
    ) -> None:
        """Write one response; the headers are sent as given (Content-Length included)."""
        handler.send_response(status)
        for name, value in headers:
            handler.send_header(name, value)
        handler.end_headers()
        if body:
            handler.wfile.write(body)

    # -- lifecycle -----------------------------------------------------------------------

    def open(self) -> ThreadingHTTPServer:
        """Bind (once) and return the server, without serving yet."""
        if self.server is None:
            server = ThreadingHTTPServer(self._bind, _handler_for(self))
            server.daemon_threads = True
            server.request_queue_size = 256
            self.server = server
        return self.server

    def start(self) -> Self:
        """Serve in a daemon thread; returns ``self``."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self.open().serve_forever, name=type(self).__name__, daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        server, thread = self.server, self._thread
        self.server = self._thread = None
        if server is not None:
            if thread is not None:
                server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def proxy_url(self) -> str:
        """The server's address, to be used as the crawler's HTTP proxy."""
        if self.server is None:
            raise RuntimeError(f"the {type(self).__name__} is not running: call start() first")
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"


def _handler_for(site: ProxySite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # HTTP/1.1 keeps connections open between a crawler's requests; responses carry a
        # Content-Length for that.
        protocol_version = "HTTP/1.1"
        server_version = site.server_version
        # Headers and body go out in two writes; with Nagle's algorithm on, a keep-alive
        # client's delayed ACK stalls every response by ~40 ms.
        disable_nagle_algorithm = True

        def handle(self) -> None:
            # A SOCKS5 client sends 0x05 first; after the handshake the connection
            # carries plain HTTP.
            socks = site.speaks_socks and cast(io.BufferedReader, self.rfile).peek(1)[:1] == b"\x05"
            if socks and not _socks_handshake(self):
                return
            super().handle()

        def do_GET(self) -> None:
            site.answer(self)

        def do_HEAD(self) -> None:
            site.answer(self)

        def log_message(self, format: str, *args: Any) -> None:
            if site.verbose:
                super().log_message(format, *args)

    return Handler


def _socks_handshake(handler: BaseHTTPRequestHandler) -> bool:
    """Accept a SOCKS5 CONNECT without authentication; False when it is not one."""
    methods = handler.rfile.read(2)[1]
    handler.rfile.read(methods)
    handler.wfile.write(b"\x05\x00")  # no authentication
    version, command, _, kind = handler.rfile.read(4)
    if kind == 3:
        handler.rfile.read(handler.rfile.read(1)[0])
    else:
        handler.rfile.read(4 if kind == 1 else 16)
    handler.rfile.read(2)  # port
    if version != 5 or command != 1:
        handler.wfile.write(b"\x05\x07\x00\x01" + bytes(6))
        return False
    handler.wfile.write(b"\x05\x00\x00\x01" + bytes(6))
    return True
