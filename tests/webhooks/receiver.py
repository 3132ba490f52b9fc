"""A real HTTP receiver for webhook tests: a threaded http.server on 127.0.0.1 that records
every request (headers, body) and answers what the test says: a status, a redirect, a wait,
or nothing at all (stopped, so connections are refused). With `keep_alive` it speaks HTTP/1.1
and keeps connections open, as most receivers do; each request notes the client's port, so a
test can count connections."""

import contextlib
import http.server
import socket
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes
    at: float
    peer_port: int = 0  # the client's port: one per connection


@dataclass
class Behaviour:
    status: int = 200
    location: str = ""
    body: bytes = b"ok"
    hold: threading.Event | None = None  # the handler waits until it is set
    entered: threading.Event = field(default_factory=threading.Event)


class Receiver:
    """Start with `start()`; `url` is where it listens; `received` what arrived, in order."""

    def __init__(self, keep_alive=False):
        self.keep_alive = keep_alive
        self.received = []
        self.behaviour = Behaviour()
        self.port = None
        self._server = None
        self._lock = threading.Lock()
        self._connections = set()  # open sockets, closed by stop() as a receiver going down

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self):
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if self.keep_alive else "HTTP/1.0"

            def setup(self):
                super().setup()
                with receiver._lock:
                    receiver._connections.add(self.connection)

            def finish(self):
                super().finish()
                with receiver._lock:
                    receiver._connections.discard(self.connection)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                behaviour = receiver.behaviour
                behaviour.entered.set()
                if behaviour.hold is not None:
                    behaviour.hold.wait(30)
                with receiver._lock:
                    receiver.received.append(
                        Received(
                            self.path,
                            dict(self.headers),
                            body,
                            time.time(),
                            self.client_address[1],
                        )  # fmt: skip
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
        with self._lock:
            for sock in self._connections:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            self._connections.clear()
