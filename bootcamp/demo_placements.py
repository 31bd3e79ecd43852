"""The demo's company placements (issue 18): each cohort's period « en entreprise » in its timetable, the learners'
placements with their agreements, the tutors' forms answered or waiting with their levels, and exits at the host.

- A cohort's period: PERIOD_WEEKS weeks ending WEEKS_BEFORE_END weeks before its end, its half-days of kind
  PLACEMENT, made before demo_attendance takes the roll calls (which leaves them out: no record on them).
- Once the period has begun: about 80 % of the learners still there are placed from its first day, about 10 % a
  week or two late (to the same end), the others never found one; a learner who drops out during it ends the
  agreement on their last day. Before it begins, the share placed grows as it comes near (a fifth five months
  before); the others are « en recherche ». Learners at ease find one sooner. learner@example.org is still looking
  (a trainer can create theirs: the issue's « Done when »).
- Hosts of the region (agencies, ESN, public bodies, associations; some take a learner every year) and their tutors
  (an email at the company's domain, a phone of the range kept for fiction), 35 h a week mostly, activities in
  French. Most agreements are a small PDF « Convention de stage »; some of those still to come are missing.
- The tutors' forms (placements.days): answered a few days after their due date, with the days present (a few
  absences), levels 1 to 3 on 4 to 8 competencies and an appreciation; those due in the last REPLY_DAYS days wait
  for `flask placements send`; a few older ones were sent and reminded and still wait. A trainer confirmed some
  levels afterwards (an assessment of their own citing the placement).
- When no placement of learner@example.org's trainer has a form due in the last REPLY_DAYS days, a learner of
  learner@example.org's cohort gets a four-week immersion (PMSMP) whose mid-placement form is just due, so that
  `flask placements send` at `make run` always puts a tutor's email in the outbox.
- Exits: for about half the leavers employed at exit after a placement, the employer is their host as people write
  it (case, accents, spaces); two were ticked « embauché·e par l'entreprise d'accueil » by a manager, the employer
  written otherwise (with the city).

Drawn with a generator of its own, so the rest of the demo does not move. A few bulk statements and one flush.
"""

import hashlib
import random
import textwrap
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app

from .demo_certification import ExamCohort
from .extensions import db
from .models import (
    AssessmentSource,
    AttendanceSession,
    Block,
    Competency,
    CompetencyAssessment,
    Enrolment,
    EnrolmentStatus,
    Outcome,
    Placement,
    ReviewStage,
    SessionKind,
    Situation,
    StoredFile,
    TutorReview,
    User,
)
from .pdf import Document
from .placements.days import sync_reviews
from .timetable.services import fill

PERIOD_WEEKS, WEEKS_BEFORE_END = 8, 2
REPLY_DAYS = 7  # tutors answer within a week; the forms due in the last week wait
STILL_WAITING = 0.06  # of the older forms: sent, reminded, not answered yet
HOST_SHARE = 0.85  # of the leavers employed at exit (or soon after) after a placement: by their host
SHORT_CONTRACT = 0.4  # of those looking at exit and still at the next point: a short contract at the host between
HIRABLE = frozenset({Situation.CDI, Situation.CDD_LONG, Situation.CDD_SHORT, Situation.WORK_STUDY})
TICKED = 2  # hired by the host, the employer written otherwise: a manager ticked it
AGENCY, ESN, PUBLIC, ASSOCIATION = "agency", "esn", "public", "association"

# (name, city, sector, domain, weight): a few hosts take a learner nearly every year.
HOSTS = [
    ("Lozère Numérique", "Mende", AGENCY, "lozere-numerique", 4),
    ("Mairie de Mende", "Mende", PUBLIC, "mairie-mende", 2),
    ("Gévaudan Informatique", "Mende", ESN, "gevaudan-informatique", 2),
    ("Lozère Solidarité Numérique", "Mende", ASSOCIATION, "lozere-solidarite", 1),
    ("Conseil départemental de la Lozère", "Mende", PUBLIC, "lozere-departement", 1),
    ("Studio Aubrac Création", "Marvejols", AGENCY, "aubrac-creation", 1),
    ("Communauté de communes du Gévaudan", "Marvejols", PUBLIC, "cc-gevaudan", 1),
    ("Cévennes Code", "Florac", ESN, "cevennes-code", 1),
    ("Parc national des Cévennes", "Florac", PUBLIC, "cevennes-parc", 1),
    ("La Filature numérique", "Langogne", ASSOCIATION, "filature-numerique", 1),
    ("Margeride Logiciels", "Saint-Chély-d'Apcher", ESN, "margeride-logiciels", 2),
    ("Rouergue Digital", "Rodez", AGENCY, "rouergue-digital", 2),
    ("Aveyron Data Services", "Rodez", ESN, "aveyron-data", 2),
    ("Causses & Web", "Millau", AGENCY, "causses-web", 2),
    ("Office de tourisme Millau Grands Causses", "Millau", ASSOCIATION, "tourisme-millau", 1),
    ("Occitanie Soft", "Montpellier", ESN, "occitanie-soft", 3),
    ("Garrigue Studio", "Montpellier", AGENCY, "garrigue-studio", 2),
    ("Les Cigales du Code", "Montpellier", ESN, "cigales-du-code", 1),
    ("Hérault Entraide Numérique", "Montpellier", ASSOCIATION, "herault-entraide", 1),
    ("Nemausus Web", "Nîmes", AGENCY, "nemausus-web", 2),
    ("Gard Informatique Services", "Nîmes", ESN, "gard-informatique", 2),
    ("Arènes Solidaires", "Nîmes", ASSOCIATION, "arenes-solidaires", 1),
]
# Where the learners of a site find a host (a city drawn from the list, some more often).
NEARBY = {
    "Mende": ["Mende", "Mende", "Mende", "Marvejols", "Florac", "Langogne", "Saint-Chély-d'Apcher", "Rodez", "Millau"],
    "Montpellier": ["Montpellier", "Montpellier", "Montpellier", "Nîmes", "Millau"],
    "Alès": ["Nîmes", "Nîmes", "Florac", "Montpellier"],
    "Rodez": ["Rodez", "Rodez", "Millau"],
    "Millau": ["Millau", "Rodez", "Montpellier"],
    "Nîmes": ["Nîmes", "Nîmes", "Montpellier"],
    "Florac": ["Florac", "Mende", "Nîmes"],
}
ELSEWHERE = ["Montpellier", "Nîmes", "Rodez"]
ROLES = {  # (as a man, as a woman)
    AGENCY: [("Développeur front-end", "Développeuse front-end"), ("Chef de projet web", "Cheffe de projet web"),
             ("Gérant", "Gérante"), ("Directeur technique", "Directrice technique")],
    ESN: [("Développeur senior", "Développeuse senior"), ("Responsable d'équipe", "Responsable d'équipe"),
          ("Architecte logiciel", "Architecte logiciel"), ("Lead développeur", "Lead développeuse")],
    PUBLIC: [("Responsable du service informatique", "Responsable du service informatique"),
             ("Chargé de mission numérique", "Chargée de mission numérique"),
             ("Administrateur systèmes", "Administratrice systèmes")],
    ASSOCIATION: [("Coordinateur", "Coordinatrice"), ("Chargé de projet numérique", "Chargée de projet numérique"),
                  ("Médiateur numérique", "Médiatrice numérique")],
}
FIRST_NAMES = (
    ["Antoine", "Bastien", "Cédric", "Damien", "Florian", "Guillaume", "Julien", "Karim", "Mathieu", "Romain"],
    ["Amandine", "Camille", "Claire", "Élodie", "Fanny", "Inès", "Julie", "Laure", "Manon", "Sophie"],
)
LAST_NAMES = ["Aubert", "Bonnet", "Bourrel", "Chabert", "Delmas", "Fabre", "Guiral", "Jourdan", "Lafont", "Malzac",
              "Molinier", "Pagès", "Pradal", "Rouvière", "Serre", "Teissier", "Vidal", "Crespin"]
ACTIVITIES = {
    AGENCY: [
        "Intégration de maquettes Figma en HTML et CSS adaptatifs ; thèmes WordPress pour des clients de la région "
        "(gîtes, commerces, artisans) ; mise en ligne et tests sur mobile.",
        "Développement de sites vitrines et d'une boutique en ligne ; animations en JavaScript ; optimisation des "
        "performances et du référencement ; échanges avec les clients.",
    ],
    ESN: [
        "Participation au développement d'une application métier en PHP (Symfony) : corrections, nouvelles "
        "fonctionnalités, tests unitaires ; requêtes SQL ; revues de code avec l'équipe.",
        "Développement d'une API REST et de son interface d'administration ; modèle de données ; documentation du "
        "déploiement ; intégration continue.",
    ],
    PUBLIC: [
        "Refonte de pages du site de la collectivité ; formulaire de demande en ligne ; accessibilité (RGAA) ; "
        "documentation pour les agents.",
        "Outil interne de suivi des demandes (PHP, MySQL) ; tableaux de bord ; accompagnement des agents à son usage.",
    ],
    ASSOCIATION: [
        "Outil de gestion des adhérents (PHP, MySQL) ; site de l'association ; formation des bénévoles à sa mise à "
        "jour.",
        "Site d'information et agenda des ateliers ; formulaire d'inscription ; aide aux permanences numériques.",
    ],
}
OBSERVED = {  # the competencies a host sees first (codes of the DWWM)
    AGENCY: ["CP2", "CP3", "CP4", "CP1", "CP8", "CP7", "CP5", "CP6"],
    ESN: ["CP7", "CP6", "CP5", "CP1", "CP8", "CP4", "CP3", "CP2"],
    PUBLIC: ["CP3", "CP1", "CP8", "CP4", "CP5", "CP2", "CP7", "CP6"],
    ASSOCIATION: ["CP3", "CP5", "CP4", "CP1", "CP2", "CP8", "CP6", "CP7"],
}
LEVEL_COMMENTS = {
    1: ["Reproduit ce qui lui est montré ; à consolider.", "A encore besoin d'être guidé·e pas à pas."],
    2: ["Autonome sur les tâches courantes.", "Adapte les solutions de l'équipe sans aide.", "Travail fiable."],
    3: ["Très autonome : propose et justifie ses choix.", "A mené une fonctionnalité de bout en bout."],
}
OPENINGS = ["Intégration rapide dans l'équipe.", "Stagiaire ponctuel·le et sérieux·se.", "Bonne humeur et écoute."]
MIDDLES = {
    ReviewStage.MID: ["Les premières tâches sont bien menées ; nous lui confions maintenant des développements "
                      "plus longs.", "Progrès nets depuis l'arrivée, questions pertinentes."],
    ReviewStage.END: ["Le projet confié est livré et documenté ; le code a été relu et mis en production.",
                      "A pris en charge des demandes de clients de bout en bout, avec méthode."],
}
CLOSINGS = ["Doit encore gagner en confiance pour présenter son travail.", "À encourager sur les tests et Git.",
            "Nous serions heureux de l'accueillir à nouveau.", "Rien à signaler : un stage réussi."]
CONFIRMED = "Niveau confirmé d'après le bilan du tuteur ou de la tutrice en entreprise."


@dataclass(frozen=True)
class Host:
    name: str
    city: str
    sector: str
    domain: str
    siret: str


@dataclass(frozen=True)
class Tutor:
    name: str
    role: str
    email: str
    phone: str


@dataclass
class Draft:
    """A placement to write, with what the draws need of its learner."""

    enrolment: Enrolment
    ease: float
    trainer_id: int
    start: date
    end: date
    host: Host
    tutor: Tutor
    weekly_minutes: int
    created_on: date
    agreement: bool
    activities: str = ""
    placement: Placement | None = None
    assessments: list[dict] = field(default_factory=list)


def period_of(cohort_start: date, cohort_end: date) -> tuple[date, date]:
    """A demo cohort's period « en entreprise »: Monday PERIOD_WEEKS + WEEKS_BEFORE_END weeks before its end, to the
    Friday WEEKS_BEFORE_END weeks before it (demo cohorts end on a Monday)."""
    first = cohort_end - timedelta(weeks=PERIOD_WEEKS + WEEKS_BEFORE_END)
    first -= timedelta(days=first.weekday())
    return max(first, cohort_start), first + timedelta(weeks=PERIOD_WEEKS, days=-3)


def mark_periods(cohorts: list[ExamCohort]) -> dict[int, tuple[date, date]]:
    """Each cohort's period in its timetable: its half-days made (timetable.services.fill) and of kind PLACEMENT,
    before the rest of the calendar and the roll calls (demo_attendance). Returns cohort id -> (first, last)."""
    periods = {item.cohort.id: period_of(item.cohort.start_date, item.cohort.end_date) for item in cohorts}
    for item in cohorts:
        fill(item.cohort, *periods[item.cohort.id])
    table = AttendanceSession.__table__
    db.session.execute(
        sa.update(table)
        .where(
            table.c.cohort_id == sa.bindparam("b_cohort"),
            table.c.day.between(sa.bindparam("b_first"), sa.bindparam("b_last")),
        )
        .values(kind=SessionKind.PLACEMENT),
        [{"b_cohort": cohort, "b_first": first, "b_last": last} for cohort, (first, last) in periods.items()],
    )
    return periods


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _luhn_digit(digits: str) -> str:
    """The digit that makes `digits` + it pass the Luhn check (SIREN and SIRET)."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str(-total % 10)


class Hosts:
    """The region's hosts, with their SIRET and tutors drawn the first time they take a learner."""

    def __init__(self, rnd: random.Random) -> None:
        self.rnd = rnd
        self.by_city: dict[str, list[tuple[tuple, int]]] = {}
        for row in HOSTS:
            self.by_city.setdefault(row[1], []).append((row, row[4]))
        self.hosts: dict[str, Host] = {}
        self.tutors: dict[str, list[Tutor]] = {}

    def draw(self, town: str) -> tuple[Host, Tutor]:
        rnd = self.rnd
        rows = self.by_city[rnd.choice(NEARBY.get(town, ELSEWHERE))]
        name, city, sector, domain, _weight = rnd.choices([row for row, _w in rows], [w for _row, w in rows])[0]
        if name not in self.hosts:
            siren = "".join(str(rnd.randint(0, 9)) for _ in range(8))
            siren = ("2" if sector == PUBLIC else "8") + siren[1:]
            siren += _luhn_digit(siren)
            nic = f"{rnd.randint(1, 99):04d}"
            siret = siren + nic + _luhn_digit(siren + nic) if rnd.random() < 0.75 else ""
            self.hosts[name] = Host(name, city, sector, f"{domain}.example", siret)
            self.tutors[name] = [self._tutor(self.hosts[name]) for _ in range(rnd.choice([1, 1, 2]))]
        return self.hosts[name], rnd.choice(self.tutors[name])

    def _tutor(self, host: Host) -> Tutor:
        rnd = self.rnd
        woman = rnd.random() < 0.45
        first, last = rnd.choice(FIRST_NAMES[woman]), rnd.choice(LAST_NAMES)
        role = rnd.choice(ROLES[host.sector])[woman]
        phone = f"04 65 71 {rnd.randint(0, 99):02d} {rnd.randint(0, 99):02d}"  # a range ARCEP keeps for fiction
        return Tutor(f"{first} {last}", role, f"{_ascii(first)}.{_ascii(last)}@{host.domain}", phone)


def _dates(item: ExamCohort, enrolment: Enrolment, ease: float, period: tuple[date, date], today: date,
           rnd: random.Random) -> tuple[date, date] | None:
    """The placement's dates, or None when the learner has none (left before, never found, still looking)."""
    first, last = period
    left = enrolment.exit_date if enrolment.status == EnrolmentStatus.DROPPED else None
    if item.cohort.start_date > today or (left is not None and left < first):
        return None
    draw = rnd.random() - 0.06 * max(-1.5, min(1.5, ease))
    start = first
    if first <= today:
        if draw >= 0.9:
            return None
        if draw >= 0.8:
            start = first + timedelta(weeks=rnd.choice([1, 2]))
    elif draw >= max(0.2, 0.8 - 0.03 * (first - today).days / 7):
        return None
    if left is not None and left < start:
        return None
    return start, min(last, left) if left is not None else last


def _draft(item: ExamCohort, enrolment: Enrolment, ease: float, dates: tuple[date, date], today: date,
           hosts: Hosts) -> Draft:
    rnd = hosts.rnd
    start, end = dates
    host, tutor = hosts.draw(item.town)
    weekly = rnd.choices([35 * 60, 28 * 60, 24 * 60], weights=[88, 7, 5])[0]
    signed = start - timedelta(days=rnd.randint(10, 45))
    created_on = max(item.cohort.start_date, min(today - timedelta(days=1), signed))
    agreement = rnd.random() < (0.97 if start <= today else 0.65)
    return Draft(enrolment, ease, item.trainer_id, start, end, host, tutor, weekly, created_on, agreement,
                 rnd.choice(ACTIVITIES[host.sector]))


def _drafts(cohorts: list[ExamCohort], periods: dict[int, tuple[date, date]], today: date, hosts: Hosts,
            featured: Enrolment | None) -> list[Draft]:
    drafts = []
    for item in cohorts:
        period = periods[item.cohort.id]
        for enrolment, ease in item.learners:
            dates = _dates(item, enrolment, ease, period, today, hosts.rnd)
            if dates is None or (enrolment is featured and period[0] > today):
                continue  # learner@example.org looks for one while the period is to come
            drafts.append(_draft(item, enrolment, ease, dates, today, hosts))
    return drafts


def _immersion(cohorts: list[ExamCohort], drafts: list[Draft], today: date, hosts: Hosts,
               featured: Enrolment | None) -> Draft | None:
    """A four-week immersion (PMSMP) whose mid-placement form is due in the last days, for a learner of
    learner@example.org's cohort, unless their trainer already has such a form."""
    if featured is None:
        return None
    item = next(item for item in cohorts if item.cohort.id == featured.cohort_id)
    ours = {other.cohort.id for other in cohorts if other.trainer_id == item.trainer_id}
    for draft in drafts:
        if draft.enrolment.cohort_id in ours and draft.enrolment.status != EnrolmentStatus.DROPPED and any(
            0 <= (today - review.due_on).days < REPLY_DAYS for review in draft.placement.reviews
        ):
            return None
    start = today - timedelta(days=12)
    start -= timedelta(days=start.weekday())  # a Monday 12 to 18 days ago: the middle day 0 to 6 days ago
    end = start + timedelta(weeks=4, days=-3)
    busy = {draft.enrolment.id for draft in drafts if draft.start <= end and start <= draft.end}
    candidates = [
        (enrolment, ease) for enrolment, ease in item.learners
        if enrolment is not featured and not enrolment.is_leaver and enrolment.id not in busy
    ]
    if not candidates or start < item.cohort.start_date:
        return None
    enrolment, ease = hosts.rnd.choice(candidates)
    draft = _draft(item, enrolment, ease, (start, end), today, hosts)
    draft.agreement = True
    draft.activities = (
        "Période de mise en situation en milieu professionnel (PMSMP) de quatre semaines : découverte de l'équipe "
        "et de ses outils, " + draft.activities[0].lower() + draft.activities[1:]
    )
    return draft


def _hours(minutes: int) -> str:
    return f"{minutes // 60} h" + (f" {minutes % 60:02d}" if minutes % 60 else "")


def agreement_pdf(draft: Draft, organisation: str) -> bytes:
    """A one-page « Convention de stage » naming the parties, the dates and hours: lines set at their place, not
    paragraphs (fpdf's line breaking would make it ten times slower)."""
    learner, cohort = draft.enrolment.learner, draft.enrolment.cohort
    document = Document("Convention de stage", organisation)
    document.set_creation_date(datetime.combine(draft.created_on, time(10)))
    document.add_page()
    lines = [
        ("B", 16, "Convention de stage"),
        ("", 10, f"Formation : {cohort.programme.title} ({cohort.programme.rncp_code}), promotion {cohort.name}"),
        ("B", 11, "Entre"),
        ("", 10, f"l'organisme de formation : {organisation}"),
        ("", 10, f"l'entreprise d'accueil : {draft.host.name}, {draft.host.city}"
                 + (f" (SIRET {draft.host.siret})" if draft.host.siret else "")),
        ("", 10, f"et le ou la stagiaire : {learner.first_name} {learner.last_name}"),
        ("B", 11, "Tuteur ou tutrice dans l'entreprise"),
        ("", 10, f"{draft.tutor.name}, {draft.tutor.role} ; {draft.tutor.email} ; {draft.tutor.phone}"),
        ("B", 11, "Période et horaires"),
        ("", 10, f"Du {draft.start:%d/%m/%Y} au {draft.end:%d/%m/%Y}, {_hours(draft.weekly_minutes)} par semaine, "
                 "du lundi au vendredi"),
        ("B", 11, "Activités prévues"),
        *(("", 10, line) for line in textwrap.wrap(draft.activities, 90)),
        ("", 10, ""),
        ("", 10, f"Fait le {draft.created_on:%d/%m/%Y}, en trois exemplaires."),
        ("", 10, "Signatures : l'organisme de formation, l'entreprise d'accueil, le ou la stagiaire."),
        ("I", 8, "Document de démonstration de Bootcamp : aucune donnée réelle."),
    ]
    top = document.t_margin + 4
    for style, size, text in lines:
        top += size * 0.6 if style != "B" else size * 0.9
        document.set_font("Helvetica", style, size)
        document.text(document.l_margin, top, text)
    return document.to_bytes()


def _stored_agreement(draft: Draft, organisation: str) -> StoredFile:
    data = agreement_pdf(draft, organisation)
    name = _ascii(f"convention-{draft.enrolment.learner.last_name}-{draft.host.name}").replace(" ", "-")
    return StoredFile(
        filename=f"{name.replace(chr(39), '-')}.pdf", content_type="application/pdf", size=len(data),
        sha256=hashlib.sha256(data).hexdigest(), data=data, uploaded_by_id=draft.trainer_id,
        uploaded_at=datetime.combine(draft.created_on, time(15, 10)),
    )


def _placement(draft: Draft, organisation: str) -> Placement:
    placement = Placement(
        enrolment_id=draft.enrolment.id, company_name=draft.host.name, siret=draft.host.siret, city=draft.host.city,
        tutor_name=draft.tutor.name, tutor_role=draft.tutor.role, tutor_email=draft.tutor.email,
        tutor_phone=draft.tutor.phone, start_date=draft.start, end_date=draft.end,
        weekly_minutes=draft.weekly_minutes, activities=draft.activities,
        agreement=_stored_agreement(draft, organisation) if draft.agreement else None,
        created_by_id=draft.trainer_id, created_at=datetime.combine(draft.created_on, time(15)),
    )
    sync_reviews(placement)
    draft.placement = placement
    return placement


class Answers:
    """The tutors' answers to the forms due, their levels, and the trainers' confirmations."""

    def __init__(self, today: date, rnd: random.Random, competencies: dict[str, int]) -> None:
        self.today, self.rnd, self.competencies = today, rnd, competencies

    def review(self, draft: Draft, review: TutorReview) -> None:
        """Answered a few days after its due date, or waiting: just due, sent and reminded, or the learner left."""
        rnd, due = self.rnd, review.due_on
        left = draft.enrolment.exit_date if draft.enrolment.status == EnrolmentStatus.DROPPED else None
        if (self.today - due).days < REPLY_DAYS or (left is not None and left < due):
            return  # not due, just due (flask placements send emails it), or the learner had left
        review.recipient = draft.tutor.email
        review.first_sent_at = datetime.combine(due, time(6, 30))
        if rnd.random() < STILL_WAITING:
            review.messages = min(3, 1 + (self.today - due).days // 7)
            review.last_sent_at = review.first_sent_at + timedelta(days=7 * (review.messages - 1))
            return
        review.messages, review.last_sent_at = 1, review.first_sent_at
        answered = datetime.combine(due + timedelta(days=rnd.randint(1, REPLY_DAYS - 1)), time(rnd.randint(8, 19)))
        review.answered_at = answered + timedelta(minutes=rnd.randint(0, 59))
        absent = rnd.choices([0, rnd.randint(1, 2), rnd.randint(3, 5)], weights=[82, 15, 3])[0]
        review.days_present = max(0, review.planned_days - absent)
        closing = "Nous lui avons proposé de rester dans l'équipe. " if draft.ease > 1.2 else ""
        review.appreciation = " ".join(
            [rnd.choice(OPENINGS), rnd.choice(MIDDLES[review.stage]), closing + rnd.choice(CLOSINGS)]
        )
        self.levels(draft, review)

    def levels(self, draft: Draft, review: TutorReview) -> None:
        """The tutor's levels (1 to 3) on 4 to 8 competencies the host sees most; a trainer confirms some later."""
        rnd = self.rnd
        count = rnd.randint(4, 6) if review.stage == ReviewStage.MID else rnd.randint(5, 8)
        codes = rnd.sample(OBSERVED[draft.host.sector][: count + 1], min(count, 8))
        confirms = review.stage == ReviewStage.END and rnd.random() < 0.15
        confirmed_at = review.answered_at + timedelta(days=rnd.randint(2, 10))
        confirms = confirms and confirmed_at.date() < self.today
        for code in codes:
            level = 1.3 + 0.35 * max(-2.0, min(2.0, draft.ease)) + 0.7 * (review.stage == ReviewStage.END)
            level = max(1, min(3, round(level + rnd.gauss(0, 0.45))))
            draft.assessments.append(
                {"learner_id": draft.enrolment.learner_id, "competency_id": self.competencies[code], "level": level,
                 "comment": rnd.choice(LEVEL_COMMENTS[level]), "source": AssessmentSource.TUTOR,
                 "assessor_name": draft.tutor.name, "assessed_by_id": None, "assessed_at": review.answered_at}
            )
            if confirms and rnd.random() < 0.6:
                draft.assessments.append(
                    {"learner_id": draft.enrolment.learner_id, "competency_id": self.competencies[code],
                     "level": level, "comment": CONFIRMED, "source": AssessmentSource.TRAINER, "assessor_name": "",
                     "assessed_by_id": draft.trainer_id, "assessed_at": confirmed_at}
                )


def _programme_competencies(cohorts: list[ExamCohort]) -> dict[str, int]:
    """Code -> id of the competencies of the demo's programme (every demo cohort follows the DWWM)."""
    programme_id = cohorts[0].cohort.programme_id
    rows = db.session.execute(
        sa.select(Competency.code, Competency.id).join(Block).where(Block.programme_id == programme_id)
    )
    return {code: competency_id for code, competency_id in rows}


def _as_people_write(name: str, rnd: random.Random) -> str:
    """The host's name as a learner or a manager types it: the same once case, accents and spaces are ignored."""
    bare = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return rnd.choice([name.upper(), name.lower(), bare, bare.upper()])


def hire_at_hosts(drafts: list[Draft], rnd: random.Random) -> None:
    """Leavers hired by their host at exit: most of those employed at exit after a placement, and most of those
    looking at exit whose next point (or none yet) says employed: their job began at the host at the end. The
    employer is the host as people write it (at exit and at the next points while the situation stays); TICKED of
    them have it written otherwise, and a manager ticked « embauché·e » on the placement."""
    last = {draft.enrolment.id: draft for draft in sorted(drafts, key=lambda draft: draft.start) if draft.placement}
    outcomes = db.session.scalars(
        sa.select(Outcome).where(Outcome.enrolment_id.in_(list(last))).order_by(Outcome.enrolment_id, Outcome.point)
    ).all()
    by_enrolment: dict[int, list[Outcome]] = {}
    for outcome in outcomes:
        by_enrolment.setdefault(outcome.enrolment_id, []).append(outcome)
    ticked = 0
    for enrolment_id, rows in by_enrolment.items():
        draft, exit_day = last[enrolment_id], last[enrolment_id].enrolment.exit_date
        if rows[0].point != 0 or exit_day is None or draft.start > exit_day or not _hired(rows, rnd):
            continue
        employer = _as_people_write(draft.host.name, rnd)
        if ticked < TICKED and draft.placement is not None:
            employer, ticked = f"{draft.host.name} ({draft.host.city})", ticked + 1
            draft.placement.hired_by_host = True
        for outcome in rows:
            if outcome.situation != rows[0].situation:
                break
            outcome.employer, outcome.digital = employer, True


def _hired(rows: list[Outcome], rnd: random.Random) -> bool:
    """Whether the leaver whose outcomes are `rows` (exit first) was hired by their host; a leaver looking at exit
    takes the job of their next point (or a short one) from their exit day."""
    exit_outcome, later = rows[0], rows[1] if len(rows) > 1 else None
    if exit_outcome.situation in HIRABLE:
        return rnd.random() < HOST_SHARE
    if exit_outcome.situation != Situation.JOB_SEARCH:
        return False
    if later is None or later.situation in HIRABLE:
        if rnd.random() >= HOST_SHARE:
            return False
        exit_outcome.situation = later.situation if later else rnd.choice([Situation.CDD_SHORT, Situation.WORK_STUDY])
    elif later.situation == Situation.JOB_SEARCH and rnd.random() < SHORT_CONTRACT:
        exit_outcome.situation = Situation.CDD_SHORT  # a few weeks' contract at the host, looking again since
    else:
        return False
    exit_outcome.job_title = later.job_title if later and later.job_title else "Développeur·se web"
    exit_outcome.start_date = rows[0].enrolment.exit_date
    return True


def add_placements(cohorts: list[ExamCohort], today: date, seed: int, featured: User) -> None:
    """The placement periods (before the roll calls: call it before demo_attendance), placements, agreements,
    tutors' forms and levels, and exits at the host (see the module); `featured` is learner@example.org's account."""
    rnd = random.Random(f"placements-{seed}")
    periods = mark_periods(cohorts)
    featured_enrolment = featured.learner.enrolments[0] if featured.learner is not None else None
    hosts, organisation = Hosts(rnd), current_app.config["ORGANISATION_NAME"]
    answers = Answers(today, rnd, _programme_competencies(cohorts))
    drafts = _drafts(cohorts, periods, today, hosts, featured_enrolment)
    with db.session.no_autoflush:  # one flush for all, not one at each lazy load
        for draft in drafts:
            _placement(draft, organisation)
        immersion = _immersion(cohorts, drafts, today, hosts, featured_enrolment)
        if immersion is not None:
            _placement(immersion, organisation)
            drafts.append(immersion)
        for draft in drafts:
            for review in draft.placement.reviews:
                answers.review(draft, review)
            db.session.add(draft.placement)
    hire_at_hosts(drafts, rnd)
    db.session.flush()
    assessments = [row | {"placement_id": draft.placement.id} for draft in drafts if draft.placement
                   for row in draft.assessments]
    if assessments:
        db.session.execute(sa.insert(CompetencyAssessment), assessments)
