"""`flask followups send` (cron, daily): ask leavers their follow-up points by email, remind them, and send the
satisfaction questionnaires that are due."""

from flask.cli import AppGroup

followups_cli = AppGroup("followups", help="Follow-ups and questionnaires asked by email.")
