"""A real SMTP server for the tests (aiosmtpd on 127.0.0.1), to deliver the outbox end to end.

Use it through the `smtp_server` fixture of tests/conftest.py: it starts a server on a free port, points the
`app` fixture's config at it (MAIL_SERVER=127.0.0.1, MAIL_PORT, no TLS, MAIL_TIMEOUT=5) and yields the
`SMTPServer` below, stopped after the test::

    def test_delivered(app, world, smtp_server):
        ...queue a message, commit...
        with app.app_context():
            sender.send_due()
        (message,) = smtp_server.messages              # email.message.EmailMessage (email.policy.default)
        assert message["To"] == "learner@example.org"
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()

What it does, switched at any time (`smtp_server.mode = ...`, `smtp_server.refused.add(...)`, `smtp_server.reset()`):
- `mode = "accept"` (the default): every message is accepted and kept in `messages` (and its envelope in
  `envelopes`: (mail_from, [rcpt_to...])).
- `refused`: a set of addresses (lowercase) answered « 550 5.1.1 » at RCPT TO: a permanent refusal (a bounce);
  the other recipients of the same connection are still accepted.
- `refuse_all_with = 451` (or 550, 421...): every RCPT TO is answered with that code (451 = try again later).
  None (the default) turns it off.
- `mode = "drop_ehlo"`: the connection is closed when the client says EHLO/HELO (the client sees the server
  disconnect before anything is sent). `mode = "drop_data"`: closed once the message's data is received,
  before answering (the message is not kept: the client must try again).
- `connections`: how many SMTP sessions were opened (one per batch expected from the sender).

Starting one costs a few milliseconds (one thread, one event loop).
"""

import email
import email.policy
import socket
import threading
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

MODES = ("accept", "drop_ehlo", "drop_data")
REASONS = {
    421: "421 4.3.2 Service not available, try again later",
    450: "450 4.2.0 Mailbox unavailable, try again later",
    451: "451 4.3.0 Temporary failure, try again later",
    452: "452 4.3.1 Insufficient storage",
    550: "550 5.1.1 No such user here",
    551: "551 5.1.6 User not local",
    552: "552 5.2.2 Mailbox full",
    553: "553 5.1.3 Mailbox name not allowed",
    554: "554 5.7.1 Rejected",
}


class SMTPServer:
    """The handler of aiosmtpd and the state the tests read and switch (see the module's docstring)."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refused: set[str] = set()
        self.refuse_all_with: int | None = None
        self.mode = "accept"
        self.connections = 0
        self.port = 0
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    def reset(self) -> None:
        """Back to accepting everything, nothing received."""
        with self._lock:
            self.messages.clear()
            self.envelopes.clear()
            self.refused.clear()
            self.refuse_all_with = None
            self.mode = "accept"
            self.connections = 0

    def recipients(self) -> list[str]:
        """The To of each message received, in order."""
        return [str(message["To"]) for message in self.messages]

    # aiosmtpd's hooks, run on the server's thread

    async def handle_EHLO(self, server: SMTP, session: Session, envelope: Envelope, hostname: str,
                          responses: list[str]) -> list[str]:
        with self._lock:
            self.connections += 1
        if self.mode == "drop_ehlo":
            server.transport.close()
            return []
        session.host_name = hostname
        return responses

    async def handle_HELO(self, server: SMTP, session: Session, envelope: Envelope, hostname: str) -> str:
        with self._lock:
            self.connections += 1
        if self.mode == "drop_ehlo":
            server.transport.close()
            return ""
        session.host_name = hostname
        return f"250 {server.hostname}"

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        if self.refuse_all_with is not None:
            return REASONS.get(self.refuse_all_with, f"{self.refuse_all_with} Refused")
        if address.lower() in self.refused:
            return REASONS[550]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.mode == "drop_data":
            server.transport.close()
            return ""
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self._lock:
            self.messages.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK: queued"

    # life

    def start(self) -> "SMTPServer":
        last_error: OSError | None = None
        for _ in range(5):  # a free port, taken between our probe and the bind by someone else: try another
            self.port = free_port()
            controller = Controller(self, hostname="127.0.0.1", port=self.port, ready_timeout=5)
            try:
                controller.start()
            except (OSError, RuntimeError) as error:
                last_error = error if isinstance(error, OSError) else OSError(str(error))
                continue
            self._controller = controller
            self.reset()  # the controller's own probe connection does not count
            return self
        raise last_error or OSError("no free port for the test SMTP server")

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __setattr__(self, name: str, value: object) -> None:
        if name == "mode" and value not in MODES:
            raise ValueError(f"unknown mode {value!r}: one of {', '.join(MODES)}")
        super().__setattr__(name, value)


def free_port() -> int:
    """A TCP port nobody listens on at the moment (also used by the tests for « the server is down »)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
