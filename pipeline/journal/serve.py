"""``invoke serve``: dist/ over HTTP for reading and review, and the OAI-PMH endpoint at ``/oai``.

Standard-library HTTP (one thread per request); the protocol is the ``oaipmh`` library's, answered by
pipeline/journal/oai.py from what dist/ holds (read again whenever the build has changed the journal).
Only what the protocol leaves to the server is decided here: a repeated argument is ``badArgument``, and
so is a date finer than a day or in another form."""

from __future__ import annotations

import errno
import functools
import re
import signal
import threading
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from oaipmh import error
from oaipmh.server import BatchingServer

from pipeline.errors import PipelineError
from pipeline.journal import oai
from pipeline.journal.publish import STATE_FOLDER, STATE_NAME
from pipeline.model import House

OAI_PATH = "/oai"
XML_TYPE = "text/xml; charset=utf-8"
# The two forms of a datestamp the repository's granularity allows.
DATESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}Z)?")


class Endpoint:
    """The OAI-PMH server of one dist/, made again when the journal's state file changes."""

    def __init__(self, dist: Path, house: House) -> None:
        self.dist = dist
        self.house = house
        self._lock = threading.Lock()
        self._made: tuple[float | None, str, BatchingServer] | None = None

    def server(self, base_url: str) -> BatchingServer:
        state = self.dist / STATE_FOLDER / STATE_NAME
        stamp = state.stat().st_mtime if state.is_file() else None
        with self._lock:
            if self._made is None or self._made[:2] != (stamp, base_url):
                self._made = (stamp, base_url, oai.server(self.dist, self.house, base_url))
            return self._made[2]

    def answer(self, query: str, base_url: str) -> bytes:
        arguments = parse_qs(query, keep_blank_values=True)
        server = self.server(base_url)
        repeated = sorted(name for name, values in arguments.items() if len(values) > 1)
        problem = f"the argument {repeated[0]!r} is repeated" if repeated else _bad_date(arguments)
        if problem:
            fault = error.BadArgumentError(problem)
            return server.handleException({}, (type(fault), fault, None))
        return server.handleRequest({name: values[0] for name, values in arguments.items()})


def _bad_date(arguments: dict[str, list[str]]) -> str | None:
    for name in ("from", "until"):
        value = arguments.get(name, [None])[0]
        if value is not None and not DATESTAMP.fullmatch(value):
            return f"{name}={value!r} is not a date of the form YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ"
    return None


class Handler(SimpleHTTPRequestHandler):
    endpoint: Endpoint

    def do_GET(self) -> None:
        if urlsplit(self.path).path == OAI_PATH:
            self._oai(urlsplit(self.path).query)
        else:
            super().do_GET()

    def do_POST(self) -> None:
        if urlsplit(self.path).path != OAI_PATH:
            self.send_error(HTTPStatus.METHOD_NOT_ALLOWED)
            return
        length = int(self.headers.get("Content-Length") or 0)
        self._oai(self.rfile.read(length).decode("utf-8", "replace"))

    def _oai(self, query: str) -> None:
        host = self.headers.get("Host") or f"{self.server.server_address[0]}:{self.server.server_address[1]}"
        body = self.endpoint.answer(query, f"http://{host}{OAI_PATH}")
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", XML_TYPE)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: ANN401 (http.server's signature)
        print(f"{self.address_string()} {format % args}", flush=True)


def make_server(dist: Path, house: House, host: str, port: int) -> ThreadingHTTPServer:
    """A server bound to ``host``:``port`` (0: any free port); a port that is taken is one PipelineError line."""
    if not dist.is_dir():
        raise PipelineError(f"{dist} does not exist: run `invoke build-all` first")
    handler = type("JournalHandler", (Handler,), {"endpoint": Endpoint(dist, house)})
    try:
        return ThreadingHTTPServer((host, port), functools.partial(handler, directory=str(dist)))
    except OSError as fault:
        if fault.errno == errno.EADDRINUSE:
            raise PipelineError(f"port {port} on {host} is already in use; choose another with --port") from None
        raise PipelineError(f"cannot listen on {host}:{port}: {fault.strerror}") from None


def _interrupt(_signal: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def serve(dist: Path, house: House, host: str, port: int) -> None:
    """Serve until interrupted (Ctrl-C or SIGTERM), then close the socket and return."""
    server = make_server(dist, house, host, port)
    signal.signal(signal.SIGTERM, _interrupt)
    bound_host, bound_port = server.server_address[:2]
    address = f"http://{bound_host}:{bound_port}"
    try:
        # Inside the try: a Ctrl-C the moment this line is out (a reader waiting for it) still stops cleanly.
        print(f"serving {dist} at {address}/ (OAI-PMH at {address}{OAI_PATH}); Ctrl-C stops", flush=True)
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped", flush=True)
    finally:
        server.server_close()
