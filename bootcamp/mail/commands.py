"""`flask mail send`: deliver the outbox's due messages (cron, every minute, on any number of machines)."""

from flask.cli import AppGroup

mail_cli = AppGroup("mail", help="The outbox: deliver the messages that are due.")
