"""Opening the campaigns that are due and sending their invitations and reminders (called by `flask followups send`)."""

from datetime import date


def send_due(today: date) -> int:
    """Queue the questionnaire messages due `today`; the number queued. The caller commits."""
    raise NotImplementedError  # being written (issue 17)
