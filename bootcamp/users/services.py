"""Account changes, audited, and one-time password links: by email (through the outbox), or handed over by an admin.

Passwords arrive here already hashed: hashing takes tens of milliseconds and runs before the transaction
that stores its result (see bootcamp/transactions.py).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from .. import tokens
from ..audit import record, snapshot
from ..extensions import db
from ..links import external_url
from ..mail.outbox import locale_of, queue
from ..models import Cohort, Enrolment, Learner, MessageKind, OutboxMessage, Role, User, utcnow

LINK_VALIDITY = timedelta(hours=24)
RESET_LINK_VALIDITY = timedelta(hours=1)  # « mot de passe oublié »: anyone may ask, so the link lasts little
PASSWORD = "password"  # the purpose of password links' one-time tokens
USER_FIELDS = ("email", "name", "role", "active", "learner_id")


def _state(user: User) -> dict[str, object]:
    return snapshot(user, USER_FIELDS) | {"cohorts": sorted(cohort.id for cohort in user.cohorts)}


def create_user(email: str, name: str, role: Role, learner: Learner | None = None) -> User:
    """A new account without a password: its first password is set through a one-time link."""
    user = User(email=email, name=name, role=role, password_hash=None, learner=learner)
    db.session.add(user)
    db.session.flush()
    record("user", user.id, "create", None, _state(user), learner_id=user.learner_id)
    return user


def update_user(
    user: User, name: str, role: Role, active: bool, cohorts: list[Cohort], learner: Learner | None
) -> bool:
    """Apply the admin's changes; a trainer keeps cohorts only while a trainer. True if anything changed."""
    before = _state(user)
    if user.active and not active:
        user.rotate_session_token()
    user.name, user.role, user.active = name, role, active
    user.cohorts = cohorts if role == Role.TRAINER else []
    user.learner = learner if role == Role.LEARNER else None
    after = _state(user)
    if after == before:
        return False
    record("user", user.id, "update", before, after, learner_id=user.learner_id)
    return True


def password_link(user: User, validity: timedelta = LINK_VALIDITY) -> str:
    """A one-time link, valid 24 hours unless said, for the user to choose a password; earlier links stop working.
    The caller commits."""
    token = tokens.issue(PASSWORD, validity, user_id=user.id)
    return external_url("auth.password_link", token=token)


def user_from_link(token_hash: str) -> User | None:
    """The active user a link was made for, if the link is still usable (not used, replaced nor expired)."""
    found = tokens.find(PASSWORD, token_hash)
    user = db.session.get(User, found.user_id) if found is not None and found.user_id is not None else None
    return user if user is not None and user.active else None


def password_from_link(token_hash: str, user_id: int, password_hash: str) -> bool:
    """Use the link to set the user's password; False if it was used or voided meanwhile. The caller commits."""
    if not tokens.use(PASSWORD, token_hash):
        return False
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        return False
    set_password(user, password_hash)
    return True


def set_password(user: User, password_hash: str) -> None:
    """Store a new password hash; every open session of the account ends, and its password links stop working."""
    user.password_hash = password_hash
    user.rotate_session_token()
    tokens.revoke(PASSWORD, user.id)
    record("user", user.id, "password", None, {"password": "changed"})


def validity_words(validity: timedelta) -> str:
    """How long a link lasts, in words of the current language (« 1 heure », « 24 heures », « 7 jours »)."""
    hours = round(validity.total_seconds() / 3600)
    if hours < 48 or hours % 24:
        return ngettext("%(num)d heure", "%(num)d heures", hours)
    return ngettext("%(num)d jour", "%(num)d jours", hours // 24)


def mail_password_link(user: User, validity: timedelta = LINK_VALIDITY) -> str:
    """A one-time link (`password_link`) sent to the user by email, in their language: a welcome while they have
    no password yet, else a new link. Returns the link, which an admin may hand over too. The caller commits both
    together."""
    link = password_link(user, validity)
    welcome = user.password_hash is None
    organisation = current_app.config["ORGANISATION_NAME"]
    subject = (
        _l("Bienvenue : votre compte %(organisation)s", organisation=organisation)
        if welcome
        else _l("Votre lien pour choisir un mot de passe")
    )
    locale = locale_of(user)
    with force_locale(locale):
        context = {"name": user.name, "email": user.email, "link": link, "validity": validity_words(validity)}
    queue(MessageKind.ACCOUNT, user.email, subject, "account", locale, welcome=welcome, **context)
    return link


def _queue_reset(user: User) -> OutboxMessage:
    link = password_link(user, RESET_LINK_VALIDITY)
    subject = _l("Mot de passe oublié : votre lien")
    context = {"name": user.name, "email": user.email, "link": link}
    return queue(MessageKind.PASSWORD_RESET, user.email, subject, "password_reset", locale_of(user), **context)


def request_password_reset(email: str) -> bool:
    """« Mot de passe oublié »: email a one-hour link to the active account with this address, if there is one.
    For any other address the same work is done inside a savepoint that is then rolled back (nothing kept), so
    the time taken does not tell whether the account exists. The caller commits; True if a message is queued."""
    user = db.session.scalar(sa.select(User).where(User.email == email, User.active.is_(True)))
    savepoint = db.session.begin_nested()
    if user is None:
        tokens.revoke(PASSWORD, 0)  # what issuing a user's token does first (there is no account 0)
    _queue_reset(user if user is not None else User(email=email, name=email, role=Role.LEARNER))
    if user is None:
        savepoint.rollback()
        return False
    savepoint.commit()
    return True


WELCOME_LINK_VALIDITY = timedelta(days=7)  # a cohort's first links are printed and handed over in class


@dataclass(frozen=True)
class NewAccount:
    user: User
    link: str
    expires_at: datetime


@dataclass(frozen=True)
class CohortAccounts:
    created: list[NewAccount]
    already: int  # learners of the cohort who had an account
    email_taken: list[Learner]  # an account (not linked to them) already uses their email: an admin decides
    no_email: list[Learner]  # no email in the file: no account can be made
    mailed: int = 0  # links sent by email (each to the new account's address)


def create_cohort_accounts(cohort: Cohort, send: bool = False) -> CohortAccounts:
    """An account for every learner of `cohort` who has an email and none yet, linked to their file, each with a
    one-time link to choose a password, sent to them by email when `send`; audited. The caller commits, once
    (accounts and messages together). Running it again creates nothing twice; two admins at once: the second
    breaks a unique key (email, learner), which answers 409."""
    learners = db.session.scalars(
        sa.select(Learner)
        .join(Enrolment, Enrolment.learner_id == Learner.id)
        .where(Enrolment.cohort_id == cohort.id, Learner.erased_at.is_(None))
        .order_by(Learner.last_name, Learner.first_name)
    ).all()
    accounts = db.session.execute(
        sa.select(User.email, User.learner_id).where(
            sa.or_(User.learner_id.in_([each.id for each in learners]), User.email.in_([e.email for e in learners]))
        )
    ).all()
    linked = {learner_id for _email, learner_id in accounts if learner_id is not None}
    emails = {email for email, _learner_id in accounts}
    waiting = [each for each in learners if each.id not in linked and each.email]
    created = []
    for learner in (each for each in waiting if each.email not in emails):
        user = create_user(learner.email, learner.full_name, Role.LEARNER, learner)
        link = (mail_password_link if send else password_link)(user, WELCOME_LINK_VALIDITY)
        created.append(NewAccount(user, link, utcnow() + WELCOME_LINK_VALIDITY))
    return CohortAccounts(
        created=created,
        already=len(linked),
        email_taken=[each for each in waiting if each.email in emails],
        no_email=[each for each in learners if each.id not in linked and not each.email],
        mailed=len(created) if send else 0,
    )
