"""Several `flask mail send` at once (cron on several machines), real processes on one database (a SQLite file,
and PostgreSQL): each message reaches the SMTP server exactly once, and every one ends SENT."""

import os
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from bootcamp.extensions import db
from bootcamp.models import MessageState, OutboxMessage
from bootcamp.models.base import utcnow

from . import factories

ROOT = Path(__file__).resolve().parent.parent
MESSAGES = 40
SENDERS = 3
LIMIT = 15  # each sender claims up to 15: together they cover the 40 only if no message is claimed twice


def _settings(folder: Path, port: int) -> Path:
    settings = folder / "mail-settings.py"
    settings.write_text(
        'SECRET_KEY = "mail-race"\nBASE_URL = "http://127.0.0.1:5601"\nMAIL_SERVER = "127.0.0.1"\n'
        f"MAIL_PORT = {port}\nMAIL_USE_TLS = False\nMAIL_USE_SSL = False\nMAIL_TIMEOUT = 10\n"
    )
    return settings


def test_senders_at_once_send_each_message_exactly_once(app: Flask, smtp_server, tmp_path: Path) -> None:
    with app.app_context():
        messages = [factories.outbox_message(f"person{n}@example.org") for n in range(MESSAGES)]
        for dead in messages[:5]:  # claimed by a sender that died: taken over
            dead.state, dead.claimed_until = MessageState.SENDING, utcnow() - timedelta(minutes=1)
        db.session.commit()
        uri = app.config["SQLALCHEMY_DATABASE_URI"]
        if uri.startswith("sqlite"):
            assert Path(uri.removeprefix("sqlite:///")).is_file()  # a file several processes share
    environment = {"DATABASE_URL": uri, "BOOTCAMP_SETTINGS": str(_settings(tmp_path, smtp_server.port))}
    command = [str(Path(sys.executable).with_name("flask")), "--app", "wsgi", "mail", "send", "--limit", str(LIMIT)]
    senders = [
        subprocess.Popen(command, cwd=ROOT, env={**_environ(), **environment}, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for _ in range(SENDERS)
    ]
    outputs = [process.communicate(timeout=120) for process in senders]
    assert [process.returncode for process in senders] == [0] * SENDERS, outputs
    assert all("Traceback" not in err and "locked" not in err for _out, err in outputs), outputs

    sent = [int(out.split()[1].rstrip(",")) for out, _err in outputs]
    received = Counter(smtp_server.recipients())
    assert sum(sent) == MESSAGES and len(received) == MESSAGES and set(received.values()) == {1}, (outputs, received)
    with app.app_context():
        states = Counter(db.session.scalars(sa.select(OutboxMessage.state)))
    assert states == {MessageState.SENT: MESSAGES}


def _environ() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if not key.startswith(("FLASK_", "BOOTCAMP_"))}
