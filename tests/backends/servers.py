"""Real servers the backend tests talk to, all on 127.0.0.1.

- ``RTServer``: a real Request Tracker 5 with its own site config and a copy
  of the installed SQLite database, so tests never touch the system RT.
- ``DeskServer``: a small implementation of the ``http`` backend contract in
  docs/backends.md (JSON + base64 or multipart, Idempotency-Key, lookups).
- ``FaultProxy``: an HTTP proxy in front of either that misbehaves on POSTs as
  told (hold the answer past the client timeout, 429, 500, reset mid-upload),
  optionally speaking TLS with a self-signed certificate.
- ``RecordingHandler``: an aiosmtpd handler that keeps every message.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

RT_SERVER = Path("/usr/share/request-tracker5/libexec/rt-server")
RT_DB = Path("/var/lib/dbconfig-common/sqlite3/request-tracker5/rtdb")
RT_USER, RT_PASSWORD = "root", "password"


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_cert(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1/localhost (its own CA), via openssl."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert),
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True)
    return cert, key


# -- Request Tracker ----------------------------------------------------------------------

SITE_CONFIG = """\
Set($rtname, 'tokohelp-test');
Set($Organization, 'tokohelp.invalid');
Set($DatabaseType, 'SQLite');
Set($DatabaseName, '{db}');
Set($WebDomain, '127.0.0.1');
Set($WebPort, {port});
Set($WebBaseURL, 'http://127.0.0.1:{port}');
Set($WebPath, '');
Set($MasonDataDir, '{mason}');
Set($MailCommand, 'testfile');
Set($LogToSyslog, undef);
Set($LogToSTDERR, 'error');
1;
"""


def rt_missing_reason() -> str | None:
    """Why RT cannot be started here, or None when it can."""
    if not RT_SERVER.exists():
        return f"{RT_SERVER} not found (run .ci/install-rt.sh)"
    if not os.access(RT_DB, os.R_OK):
        return f"{RT_DB} missing or unreadable (run .ci/install-rt.sh as root)"
    return None


@dataclass
class RTServer:
    """One RT process on a free loopback port with a private database copy."""

    root: Path
    port: int = field(default_factory=free_port)
    username: str = RT_USER
    password: str = RT_PASSWORD
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, wait: float = 180.0) -> None:
        """Write the site config, copy the database, start RT, wait for REST2."""
        (self.root / "mason").mkdir(parents=True, exist_ok=True)
        (self.root / "site.d").mkdir(exist_ok=True)
        shutil.copyfile(RT_DB, self.root / "rtdb")
        site = self.root / "RT_SiteConfig.pm"
        site.write_text(SITE_CONFIG.format(db=self.root / "rtdb", port=self.port,
                                           mason=self.root / "mason"))
        env = {**os.environ, "RT_SITE_CONFIG": str(site),
               "RT_SITE_CONFIG_DIR": str(self.root / "site.d")}
        with (self.root / "rt.log").open("wb") as log:
            self.process = subprocess.Popen(
                [str(RT_SERVER), "--host", "127.0.0.1", "--port", str(self.port),
                 "--max-workers", "4"], env=env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, cwd=self.root, start_new_session=True)
        self._wait(wait)

    def _wait(self, wait: float) -> None:
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"RT exited early:\n{self.log_tail()}")
            try:
                if self.api("GET", "queues/all").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"RT did not answer within {wait:.0f} s:\n{self.log_tail()}")

    def log_tail(self) -> str:
        return (self.root / "rt.log").read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        """Stop RT and its prefork workers (its own process group)."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """A REST2 call as root, for test setup and counting."""
        return httpx.request(method, f"{self.url}/REST/2.0/{path}",
                             auth=(self.username, self.password), timeout=30, **kwargs)

    def tickets_with_subject(self, subject: str) -> list[str]:
        """Ids of every ticket with exactly this subject (counts duplicates)."""
        literal = "'" + subject.replace("\\", "\\\\").replace("'", "\\'") + "'"
        data = self.api("GET", "tickets", params={"query": f"Subject = {literal}",
                                                  "per_page": 100}).json()
        return [str(item["id"]) for item in data["items"]]

    def correspond(self, ticket_id: str, text: str) -> None:
        """Add a reply from the help desk side."""
        response = self.api("POST", f"ticket/{ticket_id}/correspond",
                            json={"Content": text, "ContentType": "text/plain"})
        response.raise_for_status()


# -- the http backend contract -------------------------------------------------------------


def json_reply(handler: BaseHTTPRequestHandler, status: int, data: Any,
               headers: dict[str, str] | None = None) -> None:
    """Answer an HTTP request with a JSON body."""
    body = json.dumps(data).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


@dataclass
class DeskState:
    """What the contract server holds; tests read it to count tickets."""

    token: str | None = None
    tickets: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_key: dict[str, str] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def create(self, key: str, document: dict[str, Any], files: list[dict[str, Any]],
               base: str) -> tuple[int, dict[str, Any]]:
        """201 with a new ticket, or 200 with the one this key already made."""
        with self.lock:
            if key in self.by_key:
                return 200, self.summary(self.by_key[key], base)
            ticket_id = f"T{len(self.tickets) + 1}"
            self.tickets[ticket_id] = {**document, "files": files, "status": "open",
                                       "replies": []}
            self.by_key[key] = ticket_id
            return 201, self.summary(ticket_id, base)

    def summary(self, ticket_id: str, base: str) -> dict[str, Any]:
        return {"id": ticket_id, "url": f"{base}/desk/{ticket_id}"}

    def add_reply(self, ticket_id: str, key: str, document: dict[str, Any],
                  files: list[dict[str, Any]]) -> tuple[int, dict[str, Any]]:
        """201 with a new reply on the ticket, or 200 with the one this key already made."""
        with self.lock:
            ticket = self.tickets[ticket_id]
            known = next((r for r in ticket.setdefault("user_replies", [])
                          if r["idempotency_key"] == key), None)
            if known is None:
                known = {**document, "id": f"{ticket_id}-R{len(ticket['user_replies']) + 1}",
                         "files": files}
                ticket["user_replies"].append(known)
                return 201, {"id": known["id"], "idempotency_key": key}
            return 200, {"id": known["id"], "idempotency_key": key}

    def find_reply(self, ticket_id: str, key: str) -> dict[str, Any] | None:
        replies = self.tickets.get(ticket_id, {}).get("user_replies", [])
        found = next((r for r in replies if r["idempotency_key"] == key), None)
        return {"id": found["id"], "idempotency_key": key} if found else None


class DeskHandler(BaseHTTPRequestHandler):
    """POST /tickets, GET /tickets?idempotency_key=K, GET /tickets/{id}."""

    server: DeskHTTPServer

    def log_message(self, *args: Any) -> None:
        """Quiet: pytest shows failures, not access logs."""

    def _reply(self, status: int, data: dict[str, Any], headers: dict[str, str] | None = None):
        json_reply(self, status, data, headers)

    def _authorised(self) -> bool:
        state = self.server.state
        state.requests.append({"method": self.command, "path": self.path,
                               "headers": dict(self.headers.items())})
        if state.token and self.headers.get("Authorization") != f"Bearer {state.token}":
            self._reply(401, {"error": "missing or wrong bearer token"})
            return False
        return True

    def do_GET(self) -> None:
        if not self._authorised():
            return
        parts = urlsplit(self.path)
        state = self.server.state
        key = parse_qs(parts.query).get("idempotency_key", [None])[0]
        if parts.path.endswith("/replies") and key:
            found = state.find_reply(parts.path.split("/")[2], key)
            self._reply(200, found) if found else self._reply(404, {"error": "no such reply"})
            return
        if parts.path == "/tickets" and key:
            found = state.by_key.get(key)
            if found:
                self._reply(200, state.summary(found, self.server.base))
            else:
                self._reply(404, {"error": "no ticket with that key"})
            return
        ticket = state.tickets.get(parts.path.rsplit("/", 1)[-1])
        if ticket is None or not parts.path.startswith("/tickets/"):
            self._reply(404, {"error": "not found"})
            return
        self._reply(200, {"id": parts.path.rsplit("/", 1)[-1], "status": ticket["status"],
                          "replies": ticket["replies"]})

    def do_POST(self) -> None:
        if not self._authorised():
            return
        key = self.headers.get("Idempotency-Key")
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        document, files = self._parse(body)
        if not key or document.get("idempotency_key") != key:
            self._reply(400, {"error": "Idempotency-Key header and body must match"})
            return
        path = urlsplit(self.path).path
        if path.endswith("/replies"):  # POST /tickets/{id}/replies
            ticket_id = path.split("/")[2]
            if ticket_id not in self.server.state.tickets:
                self._reply(404, {"error": "no such ticket"})
                return
            self._reply(*self.server.state.add_reply(ticket_id, key, document, files))
            return
        status, data = self.server.state.create(key, document, files, self.server.base)
        self._reply(status, data)

    def _parse(self, body: bytes) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        kind = self.headers.get("Content-Type", "")
        if kind.startswith("application/json"):
            document = json.loads(body)
            files = [{"name": a["name"], "mime": a["mime"],
                      "data": base64.b64decode(a["content_base64"])}
                     for a in document.get("attachments", [])]
            return document, files
        return parse_multipart(kind, body)


def parse_multipart(content_type: str, body: bytes) -> tuple[dict[str, Any], list[dict]]:
    """The ``ticket`` JSON part and the ``attachment`` file parts of a multipart body."""
    message = BytesParser(policy=policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    document: dict[str, Any] = {}
    files = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name in ("ticket", "reply"):
            document = json.loads(part.get_payload(decode=True))
        elif name == "attachment":
            files.append({"name": part.get_filename(), "mime": part.get_content_type(),
                          "data": part.get_payload(decode=True)})
    return document, files


class DeskHTTPServer(ThreadingHTTPServer):
    """The contract server; ``url`` is what a config's ``url`` points at."""

    daemon_threads = True

    def __init__(self, token: str | None = None) -> None:
        super().__init__(("127.0.0.1", 0), DeskHandler)
        self.state = DeskState(token=token)
        self.base = f"http://127.0.0.1:{self.server_address[1]}"
        self.url = f"{self.base}/tickets"

    def start(self) -> DeskHTTPServer:
        threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


# -- fault injection -------------------------------------------------------------------------

HOP_HEADERS = {"host", "connection", "keep-alive", "transfer-encoding", "content-length",
               "proxy-connection", "upgrade"}


class FaultHandler(BaseHTTPRequestHandler):
    """Forwards to the upstream server; each POST first takes the next planned fault."""

    server: FaultProxy

    def log_message(self, *args: Any) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        self._forward(None)

    def do_POST(self) -> None:
        self._forward(self.server.next_fault())

    def do_PUT(self) -> None:
        self._forward(self.server.next_fault())

    def _forward(self, fault: str | None) -> None:
        length = int(self.headers.get("Content-Length", 0))
        if fault == "reset":
            self.rfile.read(min(length, 64 * 1024))
            self._reset()
            return
        body = self.rfile.read(length)
        if fault in ("429", "503", "500"):
            self._answer(int(fault), {"Retry-After": "1", "Content-Type": "application/json"},
                         b'{"message": "injected fault"}')
            return
        status, headers, data = self._upstream(body)
        if fault == "hold":
            time.sleep(self.server.hold)
        self._answer(status, headers, data)

    def _upstream(self, body: bytes) -> tuple[int, dict[str, str], bytes]:
        host, port = self.server.upstream
        conn = http.client.HTTPConnection(host, port, timeout=120)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
        conn.request(self.command, self.path, body=body or None, headers=headers)
        response = conn.getresponse()
        data = response.read()
        conn.close()
        self.server.forwarded.append(self.command)
        if self.command in ("POST", "PUT"):
            self.server.upstream_answered.set()
        kept = {k: v for k, v in response.getheaders() if k.lower() not in HOP_HEADERS}
        return response.status, kept, data

    def _answer(self, status: int, headers: dict[str, str], data: bytes) -> None:
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            pass  # the client gave up (the "hold" fault): exactly what we simulate

    def _reset(self) -> None:
        """Abort with a TCP RST while the client is still uploading."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()


class FaultProxy(ThreadingHTTPServer):
    """A loopback proxy with a plan of faults, one per POST, then plain forwarding."""

    daemon_threads = True

    def __init__(self, upstream: str, port: int = 0, *, hold: float = 3.0,
                 tls: tuple[Path, Path] | None = None) -> None:
        super().__init__(("127.0.0.1", port), FaultHandler)
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname, parts.port)
        self.upstream_path = parts.path
        self.hold = hold
        self.plan: list[str] = []
        self.faults_done: list[str] = []
        self.forwarded: list[str] = []
        self.upstream_answered = threading.Event()  # the server has answered a POST
        self._lock = threading.Lock()
        scheme = "https" if tls else "http"
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self.socket = context.wrap_socket(self.socket, server_side=True)
        self.url = f"{scheme}://127.0.0.1:{self.server_address[1]}{self.upstream_path}"

    def next_fault(self) -> str | None:
        with self._lock:
            fault = self.plan.pop(0) if self.plan else None
            if fault:
                self.faults_done.append(fault)
            return fault

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Injected resets and failed TLS handshakes are expected here, not test noise."""

    def start(self) -> FaultProxy:
        threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class PlainGreeter:
    """A plain-HTTP port that answers at once, before any request: TLS to it fails at once.

    A real HTTP server may wait for a request line that a TLS ClientHello never
    completes, so ``https://`` to it can time out instead of failing; this one
    makes "the server does not speak TLS on this port" deterministic.
    """

    ANSWER = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self._stop = threading.Event()

    def start(self) -> PlainGreeter:
        threading.Thread(target=self._serve, daemon=True).start()
        return self

    def _serve(self) -> None:
        self.sock.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn, contextlib.suppress(OSError):
                conn.sendall(self.ANSWER)

    def stop(self) -> None:
        self._stop.set()
        self.sock.close()


class DripServer:
    """Answers slowly on purpose: ``headers`` drips a header line every ``interval``
    seconds for ever, ``body`` drips the body a byte at a time, ``huge`` promises a
    3 GB body and sends zeros, ``found`` answers every request ``200 {"id": "LIST"}``,
    ``smtp`` drips an SMTP greeting that never ends, ``gzip`` sends a body that is not
    the gzip it claims.
    """

    def __init__(self, mode: str, interval: float = 0.5) -> None:
        self.mode, self.interval = mode, interval
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/tickets"
        self.requests = 0
        self._stop = threading.Event()

    def start(self) -> DripServer:
        threading.Thread(target=self._serve, daemon=True).start()
        return self

    def _serve(self) -> None:
        self.sock.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):
            conn.settimeout(5)
            if self.mode == "smtp":  # an SMTP server speaks first: a greeting without end
                self.requests += 1
                while not self._stop.is_set():
                    conn.sendall(b"220-still greeting\r\n")
                    time.sleep(self.interval)
                return
            request = conn.recv(65536)
            while b"\r\n\r\n" not in request:
                request += conn.recv(65536)
            self.requests += 1
            getattr(self, f"_{self.mode}")(conn)

    def _headers(self, conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 201 Created\r\n")
        while not self._stop.is_set():
            conn.sendall(b"X-Slow: 1\r\n")
            time.sleep(self.interval)

    def _body(self, conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 100000\r\n\r\n")
        while not self._stop.is_set():
            conn.sendall(b" ")
            time.sleep(self.interval)

    def _huge(self, conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 3000000000\r\n\r\n")
        zeros = b"0" * 65536
        while not self._stop.is_set():
            conn.sendall(zeros)

    def _gzip(self, conn: socket.socket) -> None:
        body = b"not gzip at all"
        conn.sendall(b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
                     b"Content-Encoding: gzip\r\nContent-Length: " + str(len(body)).encode()
                     + b"\r\nConnection: close\r\n\r\n" + body)

    def _found(self, conn: socket.socket) -> None:
        body = b'{"id": "LIST"}'
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                     + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)

    def stop(self) -> None:
        self._stop.set()
        self.sock.close()


# -- SMTP ------------------------------------------------------------------------------------


class RecordingHandler:
    """aiosmtpd handler keeping each message; ``delays`` hold the answer to DATA, one each."""

    def __init__(self, delays: list[float] | None = None) -> None:
        self.messages: list[Any] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.delays = list(delays or [])

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        import asyncio

        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        if self.delays:
            await asyncio.sleep(self.delays.pop(0))
        return "250 OK"
