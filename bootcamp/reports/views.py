"""The insertion dashboard, and the same numbers as CSV and XLSX; attendance by group, and its CSV."""

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_babel import format_date, format_percent
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from .. import dates, params
from ..access import Action, role_required
from ..cache import cached_fragment
from ..charts import to_json
from ..indicators import (
    GEN_TARGETS,
    GROUPINGS,
    SMALL_GROUP,
    Filters,
    Row,
    Share,
    SituationMix,
    charted,
    funnel,
    row,
    shares,
    situation_years,
    table,
)
from ..labels import label
from ..models import Gender, PublicFlag, Situation
from . import attendance as attendance_by_group
from . import certification as certification_by_group
from . import charts
from . import placements as placements_by_group
from . import satisfaction as satisfaction_by_group
from .definitions import certification_definitions, definitions, satisfaction_definitions
from .export import EXPORTED_RATES, to_csv, to_excel_csv, to_xlsx
from .forms import FilterForm, PeriodForm, filter_choices
from .queries import ORDERED, breakdown, indicator_rows, situation_mix, totals

bp = Blueprint("reports", __name__)


def group_names(by: str) -> dict[str, str]:
    """Screen names of a breakdown's group codes (sites, cohorts and years are their own names)."""
    names = {"all": _("ensemble"), "unknown": _("non renseigné")}
    if by in ORDERED:
        names |= {member.value: label(member) for member in ORDERED[by]}
    return names


def column_definitions(point: int) -> dict[str, str]:
    """What each column of the people's exports means (their « Définitions » sheet): only the columns they hold."""
    after = _("à la sortie") if point == 0 else _("%(n)d mois après la sortie", n=point)
    rates = definitions(point)
    return {
        "label": _("Nom du groupe ; « ensemble » : toutes les personnes choisies."),
        "group": _("Code du groupe dans les fichiers (all : l'ensemble)."),
        "entrants": _(
            "%(definition)s « <5 » : groupe de moins de 5 personnes, rien n'est affiché ; « * » : groupe masqué lui "
            "aussi, pour que le groupe de moins de 5 ne se déduise pas de l'ensemble par soustraction.",
            definition=rates["entrants"],
        ),
        "dropped": _("Abandons."),
        "finished": _("Formations terminées."),
        "sat_exam": _("Personnes présentées à l'examen du titre (obtenu, certains blocs, non obtenu)."),
        "certified": _("Titres obtenus."),
        "due": _("Sortant·es dont le relevé %(after)s est échu.", after=after),
        "known": _("Relevés échus dont la situation est connue (autre que « sans nouvelles »)."),
        "employed": _("En emploi %(after)s.", after=after),
        "durable": _("CDI, CDD ou intérim de 6 mois ou plus, création d'entreprise %(after)s.", after=after),
        "positive": _("En emploi ou en formation %(after)s.", after=after),
    } | {name: rates[name] for name in EXPORTED_RATES}


def parse_filters(args: MultiDict) -> tuple[FilterForm, Filters]:
    """The filter form from the URL, and the filters it means (defaults where a value is wrong)."""
    form = FilterForm(formdata=args)
    form.site.choices, form.programme.choices, form.year.choices = filter_choices()
    valid = form.validate()
    as_of = form.as_of.data if valid and form.as_of.data else dates.today()
    filters = Filters(
        point=int(form.point.data) if valid and form.point.data else 6,
        as_of=as_of,
        site_id=int(form.site.data) if valid and form.site.data else None,
        programme_id=int(form.programme.data) if valid and form.programme.data else None,
        years=tuple(sorted(int(year) for year in form.year.data or ())) if valid else (),
        gender=Gender(form.gender.data) if valid and form.gender.data else None,
    )
    return form, filters


def share_names() -> dict[str, str]:
    """Screen names of the shares of entrants: the GEN targets' groups, then each public."""
    return {"women": _("femmes"), "low_qualification": _("bac ou infra-bac")} | {
        flag.value: label(flag) for flag in PublicFlag
    }


# The dashboard in two views, so that each page stays light on a slow connection (Ecoindex).
VIEWS = {"overview": ("year",), "publics": ("gender", "public"), "profiles": ("age", "diploma")}


@bp.get("/insertion")
@role_required("see_reports")
def dashboard() -> str:
    """Headline figures with definitions, charts each followed by its table and CSV link; in three views:
    the overview (by year, path, situations), the publics (gender, public, GEN targets), age and diploma.
    Computed once per filters, language, day and data version (bootcamp/cache.py)."""
    key = request.query_string  # cache.cached adds the language and the day
    body = cached_fragment("reports/_dashboard.html", key, _dashboard_context)
    return render_template("reports/dashboard.html", body=body)


def _dashboard_context() -> dict:
    view = params.choice("view", VIEWS, "overview")
    form, filters = parse_filters(params.args())
    everyone = totals(filters)
    tables = {by: table([everyone, *breakdown(filters, by)], by) for by in VIEWS[view]}
    names = {by: group_names(by) for by in tables}
    figures = {by: _rates_figure(rows, names[by]) for by, rows in tables.items()}
    situation_names = {situation: label(situation) for situation in Situation} | {None: _("non relevé")}
    mix, hidden_years, share_rows = [], [], []
    if view == "overview":
        mix, hidden_years = situation_years(situation_mix(filters))
        figures["mix"] = _mix_figure(mix, situation_names)
        figures["funnel"] = _funnel_figure(row(everyone), filters.point)
    elif view == "publics":
        diploma = table([everyone, *breakdown(filters, "diploma")], "diploma")
        share_rows = shares(everyone, tables | {"diploma": diploma}, [flag.value for flag in PublicFlag])
        figures["shares"] = _shares_figure(share_rows)
    kept = params.kept("by", "view")
    return dict(
        view=view,
        view_url=lambda name: url_for("reports.dashboard", view=None if name == "overview" else name, **kept),
        form=form,
        filters=filters,
        everyone=row(everyone),
        tables=tables,
        mix=mix,
        hidden_years=hidden_years,
        shares=share_rows,
        share_names=share_names(),
        satisfaction=satisfaction_by_group.headline(filters),
        satisfaction_definitions=satisfaction_definitions(),
        satisfaction_url=url_for("reports.satisfaction", **_cohort_filters()),
        placements=placements_by_group.headline(filters),  # issue 18: figures
        placement_definitions=placement_definitions(),
        placements_url=url_for("reports.placements", **_placement_filters()),
        targets={target.code: target.share for target in GEN_TARGETS},
        figures=figures,
        definitions=definitions(filters.point),
        names=names,
        situation_names=situation_names,
        csv_url=lambda by: url_for("reports.export_csv", by=by, **kept),
        excel_csv_url=lambda by: url_for("reports.export_excel_csv", by=by, **kept),
        xlsx_url=url_for("reports.export_xlsx", **kept),
        small=SMALL_GROUP,
    )


def _rates_figure(rows: list[Row], names: dict[str, str]) -> str:
    """A breakdown's employment and positive exit rates, as JSON: the groups indicators.charted keeps."""
    shown = charted(rows)
    return to_json(
        charts.rates_by_group(
            [names.get(item.group, item.group) for item in shown],
            [item.rates["employment_rate"] for item in shown],
            [item.rates["positive_rate"] for item in shown],
            [item.counts.known for item in shown],
            {"employment": _("taux d'emploi"), "positive": _("taux de sortie positive"), "people": _("personnes :")},
        )
    )


def _mix_figure(mix: list[SituationMix], situation_names: dict) -> str:
    """The situations of the due leavers of each year shown, as JSON."""
    series = [
        (name, [item.shares[situation] for item in mix], [item.by_situation[situation] for item in mix])
        for situation, name in situation_names.items()
    ]
    return to_json(charts.situation_mix([item.year for item in mix], series, {"people": _("personnes :")}))


def _funnel_figure(everyone: Row, point: int) -> str | None:
    """Entrants -> finished -> certified -> employed at the point, as JSON; none for fewer than 5 people."""
    values = funnel(everyone)
    if not values:
        return None
    stages = [_("entrées"), _("formation terminée"), _("titre obtenu"), _("en emploi à +%(n)d mois", n=point)]
    return to_json(charts.path_funnel(stages, values, format_percent))


def _shares_figure(share_rows: list[Share]) -> str:
    """The shares of entrants shown, against the GEN targets, as JSON."""
    names = share_names()
    return to_json(
        charts.shares_against_targets(
            [(names[item.code], item.share, item.target) for item in share_rows if item.share is not None],
            {"share": _("part des entrées"), "target": _("objectif GEN")},
        )
    )


def _by() -> str:
    return params.choice("by", GROUPINGS) or ""


def _export_filters() -> Filters:
    """Filters of an export; a wrong one is an error (a script must not get other numbers than it asked for)."""
    return _checked_filters()[1]


def _checked_filters() -> tuple[FilterForm, Filters]:
    """The filter form from the URL and its filters; a wrong filter answers 400 with what is wrong."""
    form, filters = parse_filters(params.args())
    if form.errors:
        problems = "; ".join(f"{name}: {' '.join(map(str, errors))}" for name, errors in form.errors.items())
        abort(400, description=_("Filtres invalides : %(problems)s", problems=problems))
    return form, filters


@bp.get("/insertion/export.csv")
@role_required("see_reports")
def export_csv() -> Response:
    """One breakdown as CSV: the `all` row first, then one row per group."""
    by = _by()
    filters = _export_filters()
    filename = f"insertion-{by}-{filters.point}m-{filters.as_of.isoformat()}.csv"
    return Response(
        to_csv(table(indicator_rows(filters, by), by)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/insertion/export-excel.csv")
@role_required("see_reports")
def export_excel_csv() -> Response:
    """One breakdown as « CSV pour Excel »: the same rows as export.csv, for a French spreadsheet."""
    by = _by()
    filters = _export_filters()
    filename = f"insertion-{by}-{filters.point}m-{filters.as_of.isoformat()}-excel.csv"
    return Response(
        to_excel_csv(table(indicator_rows(filters, by), by), group_names(by), by),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/insertion/export.xlsx")
@role_required("see_reports")
def export_xlsx() -> Response:
    """Every breakdown, one sheet each, with the definitions."""
    filters = _export_filters()
    tables = {by: table(indicator_rows(filters, by), by) for by in GROUPINGS}
    point = _("à la sortie") if filters.point == 0 else _("à +%(n)d mois", n=filters.point)
    about = [
        _("Insertion des sortant·es : relevé %(point)s, au %(date)s.", point=point, date=format_date(filters.as_of)),
        _(
            "Un groupe de moins de 5 personnes n'est jamais chiffré (« <5 ») ; un taux dont le dénominateur est "
            "inférieur à 5 est laissé vide."
        ),
        _(
            "Quand un seul groupe d'une répartition est masqué, le plus petit des autres l'est aussi (« * ») : sinon "
            "on retrouverait le premier en soustrayant les autres de l'ensemble. Les publics, qui se recoupent, ne "
            "sont pas concernés."
        ),
    ]
    filename = f"insertion-{filters.point}m-{filters.as_of.isoformat()}.xlsx"
    return Response(
        to_xlsx(tables, {by: group_names(by) for by in GROUPINGS}, about, column_definitions(filters.point)),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def attendance_definitions() -> dict[str, str]:
    """What the attendance figures mean (DOMAIN.md « Attendance », attendance/hours.py): the one text, shown beside
    them on the page."""
    return {
        "counted": _(
            "Comptent les demi-journées tenues au centre dont l'appel est fait, entre les deux dates : ni les "
            "demi-journées annulées, ni celles en entreprise (de la promotion, ou les jours de stage de l'apprenant·e "
            "d'après sa convention), ni celles dont l'appel n'est pas encore fait."
        ),
        "attendance_rate": _(
            "Heures de présence / heures prévues. Une absence compte les heures prévues de la demi-journée ; un "
            "retard ou un départ anticipé, ses minutes."
        ),
        "unjustified_rate": _(
            "Heures d'absence non justifiée / heures prévues. Une absence est justifiée quand son justificatif est "
            "accepté ; sans justificatif, en attente ou refusé, elle compte comme non justifiée."
        ),
    }


def parse_period(args: MultiDict) -> tuple[PeriodForm, attendance_by_group.Period]:
    """The period form from the URL, and the period it means (the default one where a value is wrong)."""
    form = PeriodForm(formdata=args)
    valid = form.validate()
    first, last = (form.start.data, form.end.data) if valid else (None, None)
    return form, attendance_by_group.period(first, last, dates.today())


@bp.get("/attendance")
@role_required(Action.SEE_REPORTS)
def attendance() -> str:
    """The attendance and unjustified-absence rates of a period, overall and by cohort year, gender, age band,
    public and diploma, each chart followed by its table and CSV link. Computed once per period, language, day
    and data version (bootcamp/cache.py)."""
    form, within = parse_period(params.args())
    key = ("attendance", request.query_string, within)
    body = cached_fragment("reports/_attendance.html", key, lambda: _attendance_context(form, within))
    return render_template("reports/attendance.html", body=body)


def _attendance_context(form: PeriodForm, within: attendance_by_group.Period) -> dict:
    tables = attendance_by_group.tables(within, attendance_by_group.PAGE_BREAKDOWNS)
    names = {by: group_names(by) for by in tables}
    period = {"from": within.first.isoformat(), "to": within.last.isoformat()}
    return dict(
        form=form,
        period=within,
        everyone=tables["year"][0],
        tables=tables,
        names=names,
        figures={by: _attendance_figure(rows, names[by]) for by, rows in tables.items()},
        definitions=attendance_definitions(),
        csv_url=lambda by: url_for("reports.attendance_export_csv", by=by, **period),
        view_url=lambda name: url_for("reports.dashboard", view=None if name == "overview" else name),
        small=SMALL_GROUP,
        months=attendance_by_group.DEFAULT_MONTHS,
    )


def _attendance_figure(rows: list[attendance_by_group.AttendanceRow], names: dict[str, str]) -> str:
    """A breakdown's attendance and unjustified-absence rates, as JSON: the groups shown."""
    shown = attendance_by_group.charted(rows)
    return to_json(
        charts.attendance_by_group(
            [names.get(item.group, item.group) for item in shown],
            [float(item.hours.attendance_rate or 0) for item in shown],
            [float(item.hours.unjustified_rate or 0) for item in shown],
            [item.learners for item in shown],
            {
                "attendance": _("taux de présence"),
                "unjustified": _("taux d'absence non justifiée"),
                "people": _("personnes :"),
            },
        )
    )


@bp.get("/attendance/export.csv")
@role_required(Action.SEE_REPORTS)
def attendance_export_csv() -> Response:
    """Attendance by one breakdown as CSV, `all` first: the same bytes as `flask export attendance`."""
    by = _by()
    form, within = parse_period(params.args())
    if form.errors:
        problems = "; ".join(f"{field.name}: {' '.join(map(str, field.errors))}" for field in form if field.errors)
        abort(400, description=_("Période invalide : %(problems)s", problems=problems))
    filename = f"attendance-{by}-{within.first.isoformat()}-{within.last.isoformat()}.csv"
    return Response(
        attendance_by_group.to_csv(attendance_by_group.attendance_rows(within, by)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/certification")
@role_required(Action.SEE_REPORTS)
def certification() -> str:
    """The title's pass rate and first-attempt pass rate as of a day, overall and by cohort year, gender, age band,
    public and diploma, and each block's; each chart followed by its table and CSV link. Only the candidates of the
    cohorts (site, programme, start years) and gender the dashboard's filters choose: so that a manager reads the
    per-block figures the public page shows for a programme and a year. Computed once per query string, language,
    day and data version (bootcamp/cache.py); a wrong filter answers 400."""
    key = ("certification", request.query_string)
    body = cached_fragment("reports/_certification.html", key, _certification_context)
    return render_template("reports/certification.html", body=body)


def _certification_context() -> dict:
    """The page's figures for the filters of the query string (a wrong one answers 400), and links that keep them."""
    form, filters = _checked_filters()
    as_of = filters.as_of
    tables = certification_by_group.tables(as_of, certification_by_group.PAGE_BREAKDOWNS, filters)
    names = {by: group_names(by) if by in GROUPINGS else {"all": _("ensemble")} for by in tables}
    kept = _cohort_filters()
    return dict(
        form=form,
        as_of=as_of,
        everyone=tables["year"][0],
        tables=tables,
        names=names,
        block_titles=certification_by_group.block_titles(),
        # the block chart and table show the blocks only (the title's `all` is the headline; the CSV keeps it first)
        figures={
            by: _certification_figure(rows[1:] if by == "block" else rows, names[by]) for by, rows in tables.items()
        },
        definitions=certification_definitions(),
        # the day shown, written out: the CSV gives the same figures even when downloaded on another day
        csv_url=lambda by: url_for("reports.certification_export_csv", by=by, **kept, as_of=as_of.isoformat()),
        view_url=lambda name: url_for("reports.dashboard", view=None if name == "overview" else name),
        small=SMALL_GROUP,
    )


def _certification_figure(rows: list[certification_by_group.CertificationRow], names: dict[str, str]) -> str:
    """A breakdown's pass rates (after resits and at the first attempt), as JSON: the groups shown."""
    shown = certification_by_group.charted(rows)
    return to_json(
        charts.pass_rates_by_group(
            [names.get(item.group, item.group) for item in shown],
            [item.pass_rate for item in shown],
            [item.first_attempt_pass_rate for item in shown],
            [item.sat for item in shown],
            {
                "pass": _("taux de réussite"),
                "first": _("taux de réussite à la première tentative"),
                "people": _("présenté·es :"),
            },
        )
    )


@bp.get("/certification/export.csv")
@role_required(Action.SEE_REPORTS)
def certification_export_csv() -> Response:
    """Certification by one breakdown as CSV, `all` first, of the cohorts and gender the dashboard's filters choose
    (`site`, `programme`, `year`, `gender`; none: everyone): the same bytes as `flask export certification`."""
    by = params.choice("by", certification_by_group.BREAKDOWNS) or ""
    as_of = params.day("as_of", dates.today())  # a wrong day names its parameter, as it always did
    filters = _export_filters()
    filename = f"certification-{by}-{as_of.isoformat()}.csv"
    return Response(
        certification_by_group.to_csv(certification_by_group.certification_rows(as_of, by, filters)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _cohort_filters() -> dict:
    """The filters of the query string that satisfaction reads (no follow-up point, no day: an answer has no date),
    for the links that keep them."""
    return {name: values for name, values in params.kept().items() if name in ("site", "programme", "year", "gender")}


def satisfaction_kinds() -> dict[str, str]:
    """Screen names of the two questionnaires, in their order."""
    return {"hot": _("À chaud"), "cold": _("À froid")}


@bp.get("/satisfaction")
@role_required(Action.SEE_REPORTS)
def satisfaction() -> str:
    """The response and satisfaction rates of the questionnaires « à chaud » and « à froid » side by side, overall
    and by the breakdown chosen (`by`: year, gender, age or public), each chart followed by its table and CSV link.
    Computed once per query string, language, day and data version (bootcamp/cache.py); a wrong one answers 400."""
    key = ("satisfaction", request.query_string)
    body = cached_fragment("reports/_satisfaction.html", key, _satisfaction_context)
    return render_template("reports/satisfaction.html", body=body)


def _satisfaction_context() -> dict:
    by = params.choice("by", satisfaction_by_group.BREAKDOWNS) if params.text("by") else "year"
    form, filters = _checked_filters()
    tables = {kind: rows[by] for kind, rows in satisfaction_by_group.tables(filters, (by,)).items()}
    names = group_names(by)
    kept = _cohort_filters()
    return dict(
        form=form,
        by=by,
        breakdowns=satisfaction_by_group.BREAKDOWNS,
        kinds=satisfaction_kinds(),
        tables=tables,
        names=names,
        figures={kind: _satisfaction_figure(rows, names) for kind, rows in tables.items()},
        definitions=satisfaction_definitions(),
        by_url=lambda name: url_for("reports.satisfaction", by=None if name == "year" else name, **kept),
        csv_url=lambda kind: url_for("reports.satisfaction_export_csv", by=by, kind=kind, **kept),
        view_url=lambda name: url_for("reports.dashboard", view=None if name == "overview" else name),
        small=SMALL_GROUP,
    )


def _satisfaction_figure(rows: list[satisfaction_by_group.SatisfactionRow], names: dict[str, str]) -> str:
    """One questionnaire's response and satisfaction rates by group, as JSON: the groups shown."""
    shown = satisfaction_by_group.charted(rows)
    return to_json(
        charts.satisfaction_by_group(
            [names.get(item.group, item.group) for item in shown],
            [item.response_rate for item in shown],
            [item.satisfaction_rate for item in shown],
            [item.respondents for item in shown],
            {"response": _("taux de réponse"), "satisfaction": _("taux de satisfaction"), "people": _("réponses :")},
        )
    )


@bp.get("/satisfaction/export.csv")
@role_required(Action.SEE_REPORTS)
def satisfaction_export_csv() -> Response:
    """Satisfaction by one breakdown, for one questionnaire (`kind`: hot or cold, required), as CSV, `all` first:
    the same bytes as `flask export satisfaction`."""
    by = params.choice("by", satisfaction_by_group.BREAKDOWNS) or ""
    kind = params.choice("kind", satisfaction_by_group.KINDS) or ""
    filters = _export_filters()
    return Response(
        satisfaction_by_group.to_csv(satisfaction_by_group.satisfaction_rows(filters, by, kind)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="satisfaction-{kind}-{by}.csv"'},
    )


# issue 18: figures (placements)
def placement_definitions() -> dict[str, str]:
    """What the placement figures mean (reports/placements.py): the one text, shown beside them on the page and the
    dashboard."""
    return {
        "period": _(
            "La période en entreprise d'une promotion : ses demi-journées « en entreprise » du calendrier (sauf les "
            "demi-journées annulées) ; elle commence à la première. Une promotion sans période au calendrier ne "
            "compte pas dans le taux de placement."
        ),
        "placement_rate": _(
            "Apprenant·es ayant un stage qui commence au plus tard le premier jour de la période / apprenant·es des "
            "promotions dont la période a commencé à cette date, sauf celles et ceux sorti·es avant son premier jour."
        ),
        "hired_by_host_rate": _(
            "Sortant·es en emploi à la sortie dans l'entreprise de leur stage (employeur au même nom que "
            "l'entreprise, majuscules, accents et espaces mis à part, ou case « embauché·e par l'entreprise "
            "d'accueil » cochée par un·e responsable) / sortant·es ayant eu un stage commencé avant leur sortie et "
            "dont la situation à la sortie est connue (saisie, autre que « sans nouvelles »)."
        ),
        "groups": _(
            "Une personne compte dans chacun de ses publics. Chaque taux est masqué d'après ses propres effectifs : "
            "les apprenant·es pour le placement, les situations connues pour l'embauche ; un groupe où personne "
            "n'est compté affiche « moins de 5 » sans masquer d'autre groupe."
        ),
    }


def _placement_filters() -> dict:
    """The filters of the query string that the placement figures read (no follow-up point), for the links that
    keep them."""
    kept = ("site", "programme", "year", "gender", "as_of")
    return {name: values for name, values in params.kept().items() if name in kept}


@bp.get("/placements")
@role_required(Action.SEE_REPORTS)
def placements() -> str:
    """The placement rate and the hired-by-host rate, overall and by the breakdown chosen (`by`: year, gender, age,
    public or diploma), each chart followed by its table, with the CSV link. Computed once per query string,
    language, day and data version (bootcamp/cache.py); a wrong one answers 400."""
    key = ("placements", request.query_string)
    body = cached_fragment("reports/_placements.html", key, _placements_context)
    return render_template("reports/placements.html", body=body)


def _placements_context() -> dict:
    by = params.choice("by", placements_by_group.BREAKDOWNS) if params.text("by") else "year"
    form, filters = _checked_filters()
    rows = placements_by_group.placement_rows(filters, by)
    names = group_names(by)
    kept = _placement_filters()
    return dict(
        form=form,
        filters=filters,
        by=by,
        breakdowns=placements_by_group.BREAKDOWNS,
        rows=rows,
        names=names,
        figures={rate: _placement_figure(rows, names, rate) for rate in ("placement_rate", "hired_by_host_rate")},
        definitions=placement_definitions(),
        by_url=lambda name: url_for("reports.placements", by=None if name == "year" else name, **kept),
        csv_url=url_for("reports.placements_export_csv", by=by, **kept),
        view_url=lambda name: url_for("reports.dashboard", view=None if name == "overview" else name),
        small=SMALL_GROUP,
    )


def _placement_figure(rows: list[placements_by_group.PlacementRow], names: dict[str, str], name: str) -> str:
    """A breakdown's placement rate or hired-by-host rate (`name`), as JSON: the groups that show it."""
    shown = placements_by_group.charted(rows, name)
    placement = name == "placement_rate"
    labels = (
        {"rate": _("taux de placement"), "people": _("apprenant·es :")}
        if placement
        else {"rate": _("taux d'embauche par l'entreprise d'accueil"), "people": _("situations connues :")}
    )
    return to_json(
        charts.placement_rate_by_group(
            [names.get(item.group, item.group) for item in shown],
            [getattr(item, name) for item in shown],
            [item.learners if placement else item.known for item in shown],
            labels,
            colour="blue" if placement else "green",
            pattern="" if placement else "/",
        )
    )


@bp.get("/placements/export.csv")
@role_required(Action.SEE_REPORTS)
def placements_export_csv() -> Response:
    """The placement figures by one breakdown as CSV, `all` first: the same bytes as `flask export placements`."""
    by = params.choice("by", placements_by_group.BREAKDOWNS) or ""
    filters = _export_filters()
    return Response(
        placements_by_group.to_csv(placements_by_group.placement_rows(filters, by)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="placements-{by}-{filters.as_of.isoformat()}.csv"'},
    )
