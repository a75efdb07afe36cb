"""A real SMTP server on localhost for tests: the few commands `smtplib` sends (RFC 5321).

Written by hand because no SMTP server package is a dependency (aiosmtpd is not installed):
EHLO/HELO, MAIL FROM, RCPT TO, DATA (dot-unstuffed), RSET, NOOP, QUIT. Each message is
kept as (sender, recipients, parsed `EmailMessage`). `fail_next` makes the next MAIL
command answer 451, to test retries. It runs in a thread (`socketserver`), so the code under
test talks to it over a real TCP socket.
"""

from __future__ import annotations

import socketserver
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from types import TracebackType


@dataclass
class ReceivedMail:
    """One message as the server received it."""

    sender: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class _State:
    received: list[ReceivedMail] = field(default_factory=list)
    fail_next: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def _reply(self, line: str) -> None:
        self.wfile.write(line.encode("ascii") + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        state = self.server.state
        self._reply("220 accord-test ESMTP")
        sender, recipients = "", list[str]()
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            line = raw.decode("ascii", "replace").rstrip("\r\n")
            verb = line[:4].upper()
            if verb == "EHLO":
                self._reply("250-accord-test")
                self._reply("250 8BITMIME")
            elif verb == "HELO":
                self._reply("250 accord-test")
            elif verb == "MAIL":
                with state.lock:
                    failing = state.fail_next > 0
                    state.fail_next -= 1 if failing else 0
                if failing:
                    self._reply("451 4.3.0 try again later")
                    continue
                sender, recipients = line.split(":", 1)[1].strip().strip("<>"), []
                self._reply("250 OK")
            elif verb == "RCPT":
                recipients.append(line.split(":", 1)[1].strip().strip("<>"))
                self._reply("250 OK")
            elif verb == "DATA":
                self._reply("354 end with <CRLF>.<CRLF>")
                lines: list[bytes] = []
                while True:
                    data = self.rfile.readline()
                    if data in (b".\r\n", b".\n", b""):
                        break
                    lines.append(data[1:] if data.startswith(b"..") else data)
                parsed = message_from_bytes(b"".join(lines), policy=policy.default)
                assert isinstance(parsed, EmailMessage)
                with state.lock:
                    state.received.append(ReceivedMail(sender, recipients, parsed))
                self._reply("250 OK queued")
            elif verb == "RSET":
                sender, recipients = "", []
                self._reply("250 OK")
            elif verb == "NOOP":
                self._reply("250 OK")
            elif verb == "QUIT":
                self._reply("221 bye")
                return
            else:
                self._reply("502 command not implemented")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = _State()


class SmtpServer:
    """`with SmtpServer() as smtp:` then `smtp.port`, `smtp.received`, `smtp.fail_next`."""

    def __init__(self) -> None:
        self._server = _Server()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        """The TCP port it listens on (127.0.0.1)."""
        return int(self._server.server_address[1])

    @property
    def received(self) -> list[ReceivedMail]:
        """Messages received so far, in order."""
        with self._server.state.lock:
            return list(self._server.state.received)

    def fail_next(self, count: int = 1) -> None:
        """Answer the next `count` MAIL commands with 451 (a temporary failure)."""
        with self._server.state.lock:
            self._server.state.fail_next = count

    def __enter__(self) -> SmtpServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
