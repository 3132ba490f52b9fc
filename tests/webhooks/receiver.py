"""A real HTTP receiver for webhook tests: a threaded http.server on 127.0.0.1 that records
every request (headers, body) and answers what the test says: a status, a redirect, a wait,
or nothing at all (stopped, so connections are refused)."""

import http.server
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes
    at: float


@dataclass
class Behaviour:
    status: int = 200
    location: str = ""
    body: bytes = b"ok"
    hold: threading.Event | None = None  # the handler waits until it is set
    entered: threading.Event = field(default_factory=threading.Event)


class Receiver:
    """Start with `start()`; `url` is where it listens; `received` what arrived, in order."""

    def __init__(self):
        self.received = []
        self.behaviour = Behaviour()
        self.port = None
        self._server = None
        self._lock = threading.Lock()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self):
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                behaviour = receiver.behaviour
                behaviour.entered.set()
                if behaviour.hold is not None:
                    behaviour.hold.wait(30)
                with receiver._lock:
                    receiver.received.append(
                        Received(self.path, dict(self.headers), body, time.time())
                    )
                self.send_response(behaviour.status)
                if behaviour.location:
                    self.send_header("Location", behaviour.location)
                self.send_header("Content-Length", str(len(behaviour.body)))
                self.end_headers()
                self.wfile.write(behaviour.body)

            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port or 0), Handler)
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
