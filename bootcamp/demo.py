"""Demo data: Occitanie sites, two cohorts a year, learners close to the GEN figures.

Deterministic for a seed and a reference day: the same call on the same day gives the same rows. The attendance
(calendars, roll calls, absences and proofs) is made by demo_attendance, with a generator of its own, so the rest
of the data does not depend on it.
"""

import dataclasses
import random
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from . import dates
from .dates import add_months
from .demo_attendance import Attendee, CohortRoll, add_attendance, attendee, year_end_closures
from .demo_certification import ExamCohort, add_certification
from .demo_followups import add_followups
from .demo_placements import add_placements
from .demo_public import add_public_page
from .demo_satisfaction import add_satisfaction
from .extensions import db
from .frameworks import DWWM, insert_framework, read_framework
from .models import (
    AttendanceRecord,
    AttendanceSession,
    Block,
    Certification,
    Cohort,
    Competency,
    CompetencyAssessment,
    Diploma,
    DpExample,
    DropoutReason,
    EcfSituation,
    Enrolment,
    EnrolmentStatus,
    ExamResult,
    ExamSession,
    Gender,
    Grade,
    HandIn,
    Learner,
    Outcome,
    Programme,
    Project,
    ProjectCompetency,
    Referrer,
    Role,
    Site,
    Situation,
    StoredFile,
    SubmissionStatus,
    User,
)
from .passwords import hash_password

# (town, department) — Mende first: the school this was made for.
SITES = [
    ("Mende", "48"),
    ("Montpellier", "34"),
    ("Alès", "30"),
    ("Rodez", "12"),
    ("Nîmes", "30"),
    ("Perpignan", "66"),
    ("Albi", "81"),
    ("Millau", "12"),
    ("Cahors", "46"),
    ("Foix", "09"),
    ("Tarbes", "65"),
    ("Auch", "32"),
    ("Carcassonne", "11"),
    ("Montauban", "82"),
    ("Béziers", "34"),
    ("Narbonne", "11"),
    ("Castres", "81"),
    ("Figeac", "46"),
    ("Lodève", "34"),
    ("Florac", "48"),
]

DEMO_ACCOUNTS = [
    ("admin@example.org", Role.ADMIN, "Alice Admin"),
    ("manager@example.org", Role.MANAGER, "Mathilde Responsable"),
    ("trainer@example.org", Role.TRAINER, "Thomas Formateur"),
    ("learner@example.org", Role.LEARNER, None),  # named after the learner it is linked to
]
SITE_TRAINER_PREFIX = "formateur."  # each site but Mende has its trainer: formateur.<town>@example.org

BRIEFS = [
    ("Mon portfolio en ligne", ["CP1", "CP3"]),
    ("Maquette d'un site d'office de tourisme", ["CP2", "CP3"]),
    ("Page d'accueil responsive pour une association", ["CP3", "CP4"]),
    ("Quiz interactif en JavaScript", ["CP4"]),
    ("Base de données d'une médiathèque", ["CP5", "CP6"]),
    ("API de réservation de salles", ["CP6", "CP7"]),
    ("Application de covoiturage rural", ["CP4", "CP7", "CP5"]),
    ("Mise en ligne et documentation du projet fil rouge", ["CP8", "CP1"]),
]

# Hand-ins (issue 18): what is drawn for each brief due (the weights lean on employability), and the rest
HAND_IN_DRAWS = [SubmissionStatus.SUBMITTED, SubmissionStatus.LATE, SubmissionStatus.MISSING]
SECOND_VERSION_SHARE = 0.12  # a second version (corrections after a review, or after the grade)
EXEMPTED_SHARE = 0.12  # of the briefs not handed in: « dispensé·e » by the trainer, with a reason
EXEMPTION_REASONS = [
    "Arrêt maladie sur toute la durée du brief.",
    "Arrivée dans la promotion après ce brief.",
    "Stage d'immersion en entreprise pendant le brief.",
    "Compétences déjà validées par une expérience professionnelle.",
]
HAND_IN_COMMENTS = [
    "Corrections après la revue de code.",
    "J'ai ajouté les tests et corrigé l'affichage sur mobile.",
    "Le déploiement a pris plus de temps que prévu.",
    "README complété avec les étapes d'installation.",
    "Version finale, avec la documentation.",
]

# Situation draws at each point (employment, training, search) before adjustments; unknown apart.
UNKNOWN_RATE = {0: 0.03, 3: 0.08, 6: 0.12, 12: 0.2}
JOB_TITLES = [
    "Développeur·se web",
    "Intégrateur·rice web",
    "Développeur·se PHP",
    "Technicien·ne support",
    "Webmaster",
    "Développeur·se front-end",
    "Vendeur·se",
    "Assistant·e administratif·ve",
]


# What `flask demo` says it loaded, in this order.
COUNTED = (
    Site,
    Cohort,
    Learner,
    Enrolment,
    Project,
    Grade,
    HandIn,
    CompetencyAssessment,
    Outcome,
    AttendanceSession,
    AttendanceRecord,
    StoredFile,
    ExamSession,
    ExamResult,
    EcfSituation,
    DpExample,
    User,
)


class DemoError(RuntimeError):
    """The demo data cannot be loaded as asked."""


@dataclass(frozen=True)
class DemoOptions:
    seed: int = 2024
    sites: int = 3
    years: int = 6
    learners_per_cohort: int = 15
    today: date | None = None


def database_is_empty() -> bool:
    """True when no site, learner or account exists yet (the framework alone does not count)."""
    return not any(
        db.session.scalar(sa.select(sa.exists().where(sa.true()).select_from(model))) for model in (Site, Learner, User)
    )


def reset_database() -> None:
    """Delete every row but the competency frameworks."""
    for table in reversed(db.metadata.sorted_tables):
        if table.name not in {"programmes", "blocks", "competencies"}:
            db.session.execute(table.delete())


def _demo_phone(number: int) -> str | None:
    """A number of the range kept for fiction (06 39 98 …, ARCEP), for three learners in four; no draw, so the
    rest of the demo stays the same."""
    return None if number % 4 == 0 else f"06 39 98 {number // 100 % 100:02d} {number % 100:02d}"


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower().replace(" ", "-")


def _monday_on_or_after(day: date) -> date:
    return day + timedelta(days=(7 - day.weekday()) % 7)


def dwwm_programme() -> Programme:
    """The DWWM programme, loaded from the shipped framework if it is missing."""
    programme = db.session.scalar(sa.select(Programme).where(Programme.rncp_code == "RNCP37674"))
    if programme is None:
        insert_framework(db.session.connection(), read_framework(DWWM))
        programme = db.session.scalar(sa.select(Programme).where(Programme.rncp_code == "RNCP37674"))
    if programme is None:
        raise DemoError("the DWWM framework could not be loaded")
    return programme


class DemoBuilder:
    """Builds the demo rows with one random generator, so a seed gives the same data."""

    def __init__(self, options: DemoOptions) -> None:
        from faker import Faker

        self.options = options
        self.today = options.today or dates.today()
        self.random = random.Random(options.seed)
        self.fake = Faker("fr_FR")
        self.fake.seed_instance(options.seed)
        self.learner_count = 0
        self.attendance_random = random.Random(f"attendance-{options.seed}")  # demo_attendance's own draws
        self.rolls: list[CohortRoll] = []
        self.certification_random = random.Random(f"certification-{options.seed}")  # demo_certification's draws
        self.hand_in_random = random.Random(f"hand-ins-{options.seed}")  # the versions' days, times, links
        self.exam_cohorts: list[ExamCohort] = []

    # --- people -------------------------------------------------------------------------
    def _learner(self, department: str, start: date) -> tuple[Learner, float]:
        rnd = self.random
        gender = rnd.choices(list(Gender), weights=[25, 72, 1, 2])[0]
        age = rnd.choices([rnd.randint(18, 25), rnd.randint(26, 44), rnd.randint(45, 58)], weights=[45, 45, 10])[0]
        birth = start - timedelta(days=age * 365 + rnd.randint(0, 364))
        if gender == Gender.FEMALE:
            first = self.fake.first_name_female()
        elif gender == Gender.MALE:
            first = self.fake.first_name_male()
        else:
            first = self.fake.first_name()
        last = self.fake.last_name()
        self.learner_count += 1
        diploma = rnd.choices(list(Diploma), weights=[25, 33, 22, 20])[0]
        learner = Learner(
            first_name=first,
            last_name=last,
            email=f"{_ascii(first)}.{_ascii(last)}.{self.learner_count}@example.net",
            phone=_demo_phone(self.learner_count),
            gender=gender,
            birth_date=birth,
            postal_code=f"{department}{rnd.randint(0, 9)}{rnd.choice(range(0, 100, 10)):02d}",
            diploma=diploma,
            jobseeker=rnd.random() < 0.75,
            qpv=rnd.random() < 0.21,
            zrr=rnd.random() < (0.45 if department == "48" else 0.2),
            rqth=rnd.random() < 0.08,
            rsa=rnd.random() < 0.15,
            career_change=age >= 26 and rnd.random() < 0.7,
        )
        if learner.rqth and rnd.random() < 0.5:
            learner.referrer = Referrer.CAP_EMPLOI
        elif age < 26 and rnd.random() < 0.55:
            learner.referrer = Referrer.MISSION_LOCALE
        elif learner.jobseeker and rnd.random() < 0.6:
            learner.referrer = Referrer.FRANCE_TRAVAIL
        else:
            learner.referrer = rnd.choices([Referrer.OTHER, Referrer.NONE], weights=[1, 3])[0]
        # Employability: what later draws lean on, so that rates differ by public as real ones do.
        employability = (
            rnd.gauss(0, 1)
            + {Diploma.BELOW_BAC: -0.4, Diploma.BAC: -0.1, Diploma.BAC_2: 0.2, Diploma.BAC_3_PLUS: 0.4}[diploma]
        )
        employability -= 0.6 * learner.rqth + 0.4 * learner.qpv + 0.3 * learner.rsa + 0.5 * (age >= 45)
        return learner, employability

    # --- the year of a cohort -----------------------------------------------------------
    def _enrolment(self, learner: Learner, cohort: Cohort, employability: float) -> Enrolment:
        rnd = self.random
        enrolment = Enrolment(learner=learner, cohort=cohort, status=EnrolmentStatus.IN_TRAINING)
        drops = rnd.random() < 0.15 - 0.04 * max(-1.0, min(1.0, employability))
        drop_day = cohort.start_date + timedelta(days=rnd.randint(20, (cohort.end_date - cohort.start_date).days - 20))
        if drops and drop_day <= self.today:
            enrolment.status = EnrolmentStatus.DROPPED
            enrolment.exit_date = drop_day
            enrolment.dropout_reason = rnd.choices(list(DropoutReason), weights=[25, 12, 15, 12, 18, 8, 3, 7])[0]
        elif cohort.end_date <= self.today:
            enrolment.status = EnrolmentStatus.FINISHED
            enrolment.exit_date = cohort.end_date
            # The overall result; demo_certification records the exam results that derive it.
            if cohort.end_date + timedelta(days=21) > self.today:
                enrolment.certification = Certification.PENDING
            else:
                success = 0.72 + 0.08 * max(-2.0, min(2.0, employability))
                enrolment.certification = rnd.choices(
                    [Certification.OBTAINED, Certification.PARTIAL, Certification.FAILED, Certification.ABSENT],
                    weights=[success, 0.1, max(0.02, 0.9 - success - 0.1), 0.06],
                )[0]
        return enrolment

    def _projects(self, cohort: Cohort, competencies: dict[str, Competency], trainer: User) -> list[Project]:
        span = (cohort.end_date - cohort.start_date).days
        projects = []
        for index, (title, codes) in enumerate(BRIEFS):
            due = cohort.start_date + timedelta(days=int(span * (index + 1) / (len(BRIEFS) + 1)))
            target = 1 if index < 3 else (2 if index < 6 else 3)
            project = Project(
                cohort=cohort,
                title=title,
                description=f"Brief {index + 1} de la promotion : {title.lower()}.",
                context="Projet réalisé en binôme, avec une revue de code à mi-parcours.",
                deliverables="Dépôt Git, démonstration de 10 minutes, fiche de compétences remplie.",
                due_date=due,
                created_by_id=trainer.id,
            )
            project.targets = [ProjectCompetency(competency=competencies[code], target_level=target) for code in codes]
            projects.append(project)
        return projects

    def _results(self, enrolment: Enrolment, employability: float, projects: list[Project], trainer: User) -> None:
        """Hand-ins, grades and assessments for the projects due while the learner was there."""
        rnd = self.random
        cohort = enrolment.cohort
        span = (cohort.end_date - cohort.start_date).days
        left = enrolment.exit_date if enrolment.status == EnrolmentStatus.DROPPED else None
        for project in projects:
            if project.due_date > self.today or (left and project.due_date > left):
                continue
            graded_at = _as_datetime(project.due_date + timedelta(days=rnd.randint(2, 9)))
            drawn = rnd.choices(HAND_IN_DRAWS, weights=[85 + 5 * employability, 8, 7 - 3 * employability])[0]
            score = None
            if drawn != SubmissionStatus.MISSING:
                score = max(
                    0.0,
                    min(
                        20.0,
                        rnd.gauss(12.5 + 2.2 * employability, 2.5) - (1.5 if drawn == SubmissionStatus.LATE else 0),
                    ),
                )
                graded_at = self._hand_ins(enrolment.learner, project, drawn == SubmissionStatus.LATE, graded_at)
            exempted = drawn == SubmissionStatus.MISSING and self.hand_in_random.random() < EXEMPTED_SHARE
            db.session.add(
                Grade(
                    learner=enrolment.learner,
                    project=project,
                    score_hundredths=None if score is None else int(round(score * 4)) * 25,
                    exempted=exempted,
                    exemption_reason=self.hand_in_random.choice(EXEMPTION_REASONS) if exempted else "",
                    feedback="" if exempted else _feedback(score),
                    graded_by_id=trainer.id,
                    graded_at=graded_at,
                )
            )
            if drawn == SubmissionStatus.MISSING:
                continue
            elapsed = (project.due_date - cohort.start_date).days / span
            for target in project.targets:
                level = round(0.3 + 2.6 * elapsed + 0.6 * employability + rnd.gauss(0, 0.5))
                db.session.add(
                    CompetencyAssessment(
                        learner=enrolment.learner,
                        competency=target.competency,
                        level=max(0, min(3, level)),
                        comment=_assessment_comment(level, target.target_level),
                        project=project,
                        assessed_by_id=trainer.id,
                        assessed_at=graded_at,
                    )
                )

    def _hand_ins(self, learner: Learner, project: Project, late: bool, graded_at: datetime) -> datetime:
        """The learner's versions of a brief: on time (up to 3 days early) or late (up to 6 days after, never after
        today), sometimes a second one (a few after the grade: « rendu après la note »). Returns when the grade
        is saved: after the first version (its own generator: the other draws stay as they were)."""
        rnd = self.hand_in_random
        due = project.due_date
        if late:  # never after today: a brief due today drawn late is handed in today (on time, then)
            first = min(due + timedelta(days=rnd.randint(1, 6)), self.today)
        else:
            first = max(due - timedelta(days=rnd.randint(0, 3)), project.cohort.start_date)
        days = [first]
        if rnd.random() < SECOND_VERSION_SHARE:
            second = first + timedelta(days=rnd.randint(1, 12))
            if second <= self.today:
                days.append(second)
        graded_at = max(graded_at, _as_datetime(first + timedelta(days=1)))
        name = _slug(f"{learner.first_name} {learner.last_name}")
        for number, day in enumerate(days, start=1):
            local = datetime.combine(day, time(rnd.randint(8, 22), rnd.randint(0, 59)))
            db.session.add(
                HandIn(
                    project=project,
                    learner=learner,
                    number=number,
                    repository_url=f"https://gitlab.com/{name}/{_slug(project.title)}",
                    deployed_url=f"https://{name}.netlify.app" if rnd.random() < 0.7 else "",
                    comment=rnd.choice(HAND_IN_COMMENTS) if number > 1 or rnd.random() < 0.2 else "",
                    handed_in_at=local.replace(tzinfo=dates.LOCAL_ZONE).astimezone(UTC).replace(tzinfo=None),
                    handed_in_on=day,
                )
            )
        return graded_at

    def _outcomes(self, enrolment: Enrolment, employability: float, recorder: User) -> None:
        """Follow-ups at exit, +3, +6, +12 months, for the points already due."""
        if enrolment.exit_date is None:
            return
        rnd = self.random
        employed: Situation | None = None
        if enrolment.dropout_reason == DropoutReason.JOB:
            employed = rnd.choice([Situation.CDI, Situation.CDD_LONG, Situation.CDD_SHORT])
        finished = enrolment.status == EnrolmentStatus.FINISHED
        certified = enrolment.certification == Certification.OBTAINED
        for point in (0, 3, 6, 12):
            due = add_months(enrolment.exit_date, point)
            if due > self.today:
                break
            recorded = rnd.random() < (0.92 if (self.today - due).days > 45 else 0.4)
            if not recorded:
                continue
            chance = {0: 0.12, 3: 0.22, 6: 0.2, 12: 0.2}[point] + 0.08 * employability
            chance += 0.12 * certified - 0.15 * (not finished)
            employed = self._employment(employed, chance)
            if rnd.random() < UNKNOWN_RATE[point]:
                situation = Situation.UNKNOWN
            elif employed is not None:
                situation = employed
            else:
                situation = rnd.choices(
                    [Situation.TRAINING, Situation.JOB_SEARCH, Situation.INACTIVE], weights=[22, 68, 10]
                )[0]
            outcome = Outcome(
                enrolment=enrolment,
                point=point,
                situation=situation,
                recorded_by_id=recorder.id,
                recorded_at=_as_datetime(due + timedelta(days=rnd.randint(0, 30))),
            )
            self._job_details(outcome, enrolment, due)
            db.session.add(outcome)

    def _employment(self, employed: Situation | None, chance: float) -> Situation | None:
        """The leaver's job at this point: found with `chance`, or a short contract that became a long one."""
        rnd = self.random
        if employed is None and rnd.random() < chance:
            return rnd.choices(
                [Situation.CDI, Situation.CDD_LONG, Situation.BUSINESS, Situation.CDD_SHORT, Situation.WORK_STUDY],
                weights=[30, 20, 10, 25, 15],
            )[0]
        if employed == Situation.CDD_SHORT and rnd.random() < 0.4:
            return rnd.choice([Situation.CDI, Situation.CDD_LONG])
        return employed

    def _job_details(self, outcome: Outcome, enrolment: Enrolment, due: date) -> None:
        """Employer, job title, digital or not and start date of a job (or of a business)."""
        rnd = self.random
        if outcome.situation in (Situation.CDI, Situation.CDD_LONG, Situation.CDD_SHORT, Situation.WORK_STUDY):
            outcome.employer = self.fake.company()
            outcome.job_title = rnd.choice(JOB_TITLES)
            outcome.digital = not outcome.job_title.startswith(("Vendeur", "Assistant"))
            outcome.start_date = due - timedelta(days=rnd.randint(0, 60))
        elif outcome.situation == Situation.BUSINESS:
            outcome.employer = f"{enrolment.learner.last_name} Web"
            outcome.job_title = "Développeur·se web indépendant·e"
            outcome.digital = True

    # --- the whole programme ------------------------------------------------------------
    def cohort_plan(self) -> Iterator[tuple[str, str, date, date]]:
        """(site, department, start, end) of every cohort: spring and autumn, each year, each site."""
        last_year = self.today.year
        for town, department in SITES[: self.options.sites]:
            for year in range(last_year - self.options.years + 1, last_year + 1):
                spring = _monday_on_or_after(date(year, 2, 1))
                autumn = _monday_on_or_after(date(year, 9, 1))
                yield town, department, spring, spring + timedelta(weeks=42)
                yield town, department, autumn, autumn + timedelta(weeks=43)

    def build(self) -> dict[str, int]:
        """Insert everything; return the counts of what was created."""
        password = hash_password(_demo_password())
        programme = dwwm_programme()
        competencies = self._competencies(programme)
        accounts, sites, site_trainers = self._accounts_and_sites(password)
        manager = accounts["manager@example.org"]
        linkable: list[tuple[date, float, Learner]] = []
        year_end_closures(self.today.year - self.options.years + 1, self.today.year, manager.id)
        for town, department, start, end in self.cohort_plan():
            season = "printemps" if start.month < 6 else "automne"
            cohort = Cohort(
                name=f"{town} {start.year} {season}",
                site=sites[town],
                programme=programme,
                start_date=start,
                end_date=end,
            )
            trainer = site_trainers[town]
            cohort.trainers.append(trainer)
            projects = self._projects(cohort, competencies, trainer)
            enrolled = []
            for _ in range(self.options.learners_per_cohort):
                learner, employability = self._learner(department, start)
                enrolment = self._enrolment(learner, cohort, employability)
                self._results(enrolment, employability, projects, trainer)
                self._outcomes(enrolment, employability, manager)
                if town == "Mende" and not enrolment.is_leaver and start <= self.today:
                    linkable.append((start, employability, learner))
                enrolled.append((enrolment, employability))
            db.session.flush()
            self.rolls.append(CohortRoll(cohort, trainer.id, [self._attendee(*pair) for pair in enrolled]))
            self.exam_cohorts.append(ExamCohort(cohort, trainer.id, trainer.name, town, enrolled))
        self._link_learner_account(accounts["learner@example.org"], linkable)
        db.session.flush()
        self._feature(accounts["learner@example.org"])
        add_placements(self.exam_cohorts, self.today, self.options.seed, accounts["learner@example.org"])
        add_attendance(self.rolls, self.today, self.attendance_random)
        add_certification(self.exam_cohorts, self.today, self.certification_random, manager.id)
        add_followups(self.today, random.Random(f"followups-{self.options.seed}"), manager.id)  # contacts, consent
        add_satisfaction([item.cohort for item in self.exam_cohorts], self.today, self.options.seed)
        add_public_page(programme, manager.id)  # published at /p/dwwm
        db.session.flush()
        return {
            model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model)) for model in COUNTED
        }

    @staticmethod
    def _competencies(programme: Programme) -> dict[str, Competency]:
        """The programme's competencies by code (CP1...)."""
        return {
            competency.code: competency
            for competency in db.session.scalars(
                sa.select(Competency).join(Block).where(Block.programme_id == programme.id)
            )
        }

    def _attendee(self, enrolment: Enrolment, employability: float) -> Attendee:
        """The learner's habits at the roll call (demo_attendance.attendee), from their publics and ease."""
        learner, cohort = enrolment.learner, enrolment.cohort
        young = learner.birth_date is not None and add_months(learner.birth_date, 26 * 12) > cohort.start_date
        publics = {"rsa": learner.rsa, "qpv": learner.qpv, "zrr": learner.zrr, "under_26": young}
        dropout = enrolment.exit_date if enrolment.status == EnrolmentStatus.DROPPED else None
        until = min(self.today, dropout or cohort.end_date + timedelta(days=1))
        return attendee(enrolment.id, publics, employability, until, dropout, self.attendance_random)

    def _feature(self, account: User) -> None:
        """learner@example.org's history shows every case (demo_attendance._featured_days) and no other absence;
        they sign with their account."""
        for roll in self.rolls:
            for index, person in enumerate(roll.attendees):
                if account.learner is not None and person.enrolment_id == account.learner.enrolments[0].id:
                    featured = dataclasses.replace(person, absence=0.0, lateness=0.02, account_id=account.id)
                    roll.attendees[index] = roll.featured = featured
                    return

    def _brief_to_hand_in(self, account: User) -> None:
        """learner@example.org has a brief still to hand in (due today or later): near the end of their cohort,
        when every brief of the plan is past, one more (the portfolio's last version)."""
        cohort = account.learner.enrolments[0].cohort
        if any(project.due_date >= self.today for project in cohort.projects):
            return
        db.session.add(
            Project(
                cohort=cohort,
                title="Portfolio de fin de formation",
                description="La dernière version de votre portfolio, avec vos projets de l'année.",
                context="Travail individuel, présenté au jury du titre professionnel.",
                deliverables="Dépôt Git et portfolio en ligne.",
                due_date=min(self.today + timedelta(days=7), cohort.end_date),
                created_by_id=cohort.trainers[0].id,
            )
        )

    def _accounts_and_sites(self, password: str) -> tuple[dict[str, User], dict[str, Site], dict[str, User]]:
        """The demo accounts, the sites, and a trainer per site (Mende's is trainer@example.org)."""
        accounts = {
            email: User(email=email, role=role, name=name or "", password_hash=password)
            for email, role, name in DEMO_ACCOUNTS
        }
        db.session.add_all(accounts.values())
        sites: dict[str, Site] = {}
        site_trainers: dict[str, User] = {}
        for town, _department in SITES[: self.options.sites]:
            sites[town] = Site(name=town)
            if town == "Mende":
                site_trainers[town] = accounts["trainer@example.org"]
            else:
                site_trainers[town] = User(
                    email=f"{SITE_TRAINER_PREFIX}{_ascii(town)}@example.org",
                    role=Role.TRAINER,
                    name=f"{self.fake.first_name()} {self.fake.last_name()}",
                    password_hash=password,
                )
        db.session.add_all([*sites.values(), *site_trainers.values()])
        db.session.flush()
        return accounts, sites, site_trainers

    def _link_learner_account(self, account: User, candidates: list[tuple[date, float, Learner]]) -> None:
        """Link learner@example.org to a learner of the Mende cohort in training that started first, one doing
        well without being the best (three quarters up the cohort's employability): what most learners see."""
        if not candidates:
            raise DemoError("no Mende cohort is in training today: use at least one site and one year")
        first = min(start for start, _employability, _learner in candidates)
        cohort = sorted((item for item in candidates if item[0] == first), key=lambda item: item[1])
        learner = cohort[(len(cohort) - 1) * 3 // 4][2]
        learner.email = account.email
        account.learner = learner
        account.name = learner.full_name
        self._brief_to_hand_in(account)


def _slug(text: str) -> str:
    """« Mon portfolio en ligne » → mon-portfolio-en-ligne (an address's words)."""
    return re.sub(r"[^a-z0-9]+", "-", _ascii(text)).strip("-")


def _as_datetime(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 16, 30)


def _demo_password() -> str:
    from flask import current_app

    return current_app.config["DEMO_PASSWORD"]


def _feedback(score: float | None) -> str:
    if score is None:
        return "Projet non rendu : prenons un moment pour voir ce qui a bloqué."
    if score >= 15:
        return "Très bon travail, code clair et bien documenté."
    if score >= 10:
        return "Objectifs atteints ; soignez la gestion des erreurs et les tests."
    return "Des bases sont là ; reprenons ensemble les points bloquants."


def _assessment_comment(level: int, target: int) -> str:
    if level >= target:
        return "Objectif du brief atteint."
    return "À consolider sur le prochain brief."


def load_demo(options: DemoOptions, reset: bool = False) -> dict[str, int]:
    """Load the demo data in one transaction; refuse a non-empty database unless `reset`."""
    if not database_is_empty():
        if not reset:
            raise DemoError("the database already holds data: add --reset to replace it with the demo data")
        reset_database()
    counts = DemoBuilder(options).build()
    db.session.commit()
    return counts
