"""Accounts, for admins: list, create, edit (role, cohorts, linked learner, active), one-time password links
(sent by email, or shown to hand over)."""

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.wrappers import Response

from .. import params
from ..access import role_required
from ..extensions import db
from ..models import Cohort, Role, User
from ..wording import of_name
from .forms import CohortAccountsForm, EditUserForm, NewUserForm, cohort_groups
from .services import LINK_VALIDITY, create_cohort_accounts, create_user, mail_password_link
from .services import password_link as make_password_link
from .services import update_user

bp = Blueprint("users", __name__, url_prefix="/admin/users")


def _cohorts() -> list[Cohort]:
    return list(db.session.scalars(sa.select(Cohort).options(joinedload(Cohort.site)).order_by(Cohort.start_date)))


def _list(form: NewUserForm, accounts_form: CohortAccountsForm | None = None) -> str:
    role = params.choice("role", [*Role, ""], "")
    accounts_form = accounts_form or CohortAccountsForm(_cohorts(), formdata=None)
    query = (
        sa.select(User).options(selectinload(User.learner), selectinload(User.cohorts)).order_by(User.role, User.name)
    )
    if role in set(Role):
        query = query.where(User.role == Role(role))
    page = db.paginate(query, page=params.page(), per_page=50, error_out=False)
    return render_template(
        "users/index.html", page=page, role=role, roles=list(Role), form=form, accounts_form=accounts_form
    )


@bp.route("/", methods=["GET", "POST"])
@role_required("manage_accounts")
def index() -> Response | str:
    """Every account, and the form to create one."""
    form = NewUserForm()
    if form.validate_on_submit():
        user = create_user(form.email.data.lower(), form.name.data, Role(form.role.data))
        return _link_page(user, created=True, send=form.send.data)
    return _list(form)


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@role_required("manage_accounts")
def edit(user_id: int) -> Response | str:
    """Change an account's name, role, state, cohorts (trainers) or linked learner file (learners)."""
    user = db.get_or_404(User, user_id)
    cohorts = _cohorts()
    form = EditUserForm(obj=user, user=user)
    form.cohorts.choices = [(cohort.id, cohort.name) for cohort in cohorts]
    if request.method == "GET":
        form.cohorts.data = [cohort.id for cohort in user.cohorts]
        form.learner_email.data = user.learner.email if user.learner else ""
    if form.validate_on_submit():
        if user.id == current_user.id and (not form.active.data or form.role.data != Role.ADMIN):
            flash(_("Vous ne pouvez pas désactiver votre propre compte ni lui retirer le rôle d'admin."), "error")
        else:
            chosen = [cohort for cohort in cohorts if cohort.id in set(form.cohorts.data or [])]
            if update_user(user, form.name.data, Role(form.role.data), form.active.data, chosen, form.linked_learner):
                flash(_("Compte %(of_name)s enregistré.", of_name=of_name(user.name)), "success")
            db.session.commit()
            return redirect(url_for("users.edit", user_id=user.id))
    return render_template("users/edit.html", user=user, form=form, groups=cohort_groups(cohorts))


def _link_page(user: User, created: bool = False, send: bool = False) -> str:
    link = (mail_password_link if send else make_password_link)(user)  # on BASE_URL, whatever the request's Host
    db.session.commit()
    return render_template("users/link.html", user=user, link=link, created=created, mailed=send)


@bp.post("/<int:user_id>/password-link")
@role_required("manage_accounts")
def password_link(user_id: int) -> str:
    """A one-time link, valid 24 hours, for the person to choose a new password."""
    user = db.get_or_404(User, user_id)
    return _link_page(user)


@bp.post("/<int:user_id>/mail-link")
@role_required("manage_accounts")
def mail_link(user_id: int) -> Response:
    """Email the person a new one-time link, valid 24 hours, to choose a password (earlier links stop working)."""
    user = db.get_or_404(User, user_id)
    if not user.active:
        flash(_("Ce compte est désactivé : réactivez-le avant de lui envoyer un lien."), "error")
    else:
        mail_password_link(user, LINK_VALIDITY)
        db.session.commit()
        message = _("Un nouveau lien, valable 24 heures, a été envoyé par e-mail à %(email)s.", email=user.email)
        flash(message, "success")
    return redirect(url_for("users.edit", user_id=user.id))


@bp.post("/cohort-accounts")
@role_required("manage_accounts")
def cohort_accounts() -> str:
    """Create the accounts of a cohort's learners in one step, their one-time links sent by email (unless unticked);
    the page lists the links too, to print."""
    form = CohortAccountsForm(_cohorts())
    if not form.validate_on_submit():
        return _list(NewUserForm(formdata=None), form)
    cohort = db.session.get(Cohort, form.cohort.data)
    result = create_cohort_accounts(cohort, send=form.send.data)
    db.session.commit()
    return render_template("users/cohort_accounts.html", cohort=cohort, result=result)
