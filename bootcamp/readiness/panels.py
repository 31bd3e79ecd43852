"""The trainer's weekly list, a panel of their home (/cohorts/): from WEEKLY_LIST_WEEKS weeks before a cohort's
exam session, who is ready, not-ready first."""

from datetime import date

from markupsafe import Markup

from ..cache import render_fragment
from ..certification.readiness import WEEKLY_LIST_WEEKS
from ..models import User
from .queries import weekly_lists


def weekly_panel(user: User, today: date) -> Markup:
    """The panel's HTML (three queries at most), empty when no cohort of `user` has a session that close."""
    lists = weekly_lists(user, today)
    if not lists:
        return Markup("")
    return render_fragment("readiness/_weekly.html", lists=lists, today=today, weeks=WEEKLY_LIST_WEEKS)
