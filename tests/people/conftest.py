"""People fixtures: users of every role (trainees untrained), and a real SMTP server (aiosmtpd)
on 127.0.0.1 that keeps what it receives."""

from __future__ import annotations

import email
import email.policy
import socket
import time
from collections.abc import Iterator
from email.message import Message

import pytest

from jobqueue.context import Context
from jobqueue.users import create_user


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802 - aiosmtpd's hook
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)  # headers decoded
        msg["X-Rcpt"] = ",".join(envelope.rcpt_tos)
        self.messages.append(msg)
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if address in m["X-Rcpt"]]

    def wait(self, count: int, timeout: float = 60.0) -> list[Message]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        return self.messages


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("FABLAB_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("FABLAB_SMTP_PORT", str(port))
    monkeypatch.setenv("FABLAB_SMTP_FROM", "fablab@example.org")
    monkeypatch.setenv("FABLAB_BASE_URL", "http://fablab.example.org")
    yield inbox
    controller.stop()


@pytest.fixture
def people(fablab_env: Context) -> dict[str, int]:
    """trainer, fabmanager, admin; member and trainees a1..a3 untrained (tier training for trainees)."""
    out = {}
    with fablab_env.session() as s:
        for name, role, tier, lang in (("trainer", "trainer", "member", "fr"), ("fab", "fabmanager", "member", "fr"),
                                       ("admin", "admin", "member", "fr"), ("member", "member", "member", "fr"),
                                       ("a1", "trainee", "training", "fr"), ("a2", "trainee", "training", "en"),
                                       ("a3", "trainee", "training", "fr")):
            user = create_user(s, name, f"{name}-pw", role=role, tier=tier)
            user.language, user.email = lang, f"{name}@example.org"
            out[name] = user.id
    return out
