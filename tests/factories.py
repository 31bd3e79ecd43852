"""Objects with sensible defaults; call inside an app context, then commit."""

import hashlib
import itertools
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from fpdf import FPDF

from bootcamp.certification.results import refresh
from bootcamp.certification.services import record_overall
from bootcamp.extensions import db
from bootcamp.models import (
    AttendanceRecord,
    AttendanceSession,
    Block,
    Certification,
    Cohort,
    Competency,
    CompetencyAssessment,
    DpExample,
    DpStatus,
    EcfCompetency,
    EcfSituation,
    Enrolment,
    EnrolmentStatus,
    ExamCandidate,
    ExamKind,
    ExamResult,
    ExamSession,
    Gender,
    HalfDay,
    HandIn,
    Learner,
    MessageKind,
    OutboxMessage,
    Placement,
    Presence,
    Programme,
    ProgrammePage,
    Project,
    Role,
    SignatureSource,
    Site,
    StoredFile,
    SurveyCampaign,
    SurveyKind,
    User,
)
from bootcamp.passwords import hash_password

_numbers = itertools.count(1)


def dwwm() -> Programme:
    return db.session.scalars(sa.select(Programme).where(Programme.rncp_code == "RNCP37674")).one()


def competencies(programme: Programme) -> list[Competency]:
    return [competency for block in programme.blocks for competency in block.competencies]


def site(name: str | None = None) -> Site:
    made = Site(name=name or f"Site {next(_numbers)}")
    db.session.add(made)
    return made


def cohort(
    name: str | None = None,
    at: Site | None = None,
    start: date = date(2026, 9, 7),
    end: date = date(2027, 7, 5),
    trainers: tuple[User, ...] = (),
) -> Cohort:
    made = Cohort(
        name=name or f"Promotion {next(_numbers)}",
        site=at or site(),
        programme=dwwm(),
        start_date=start,
        end_date=end,
    )
    made.trainers.extend(trainers)
    db.session.add(made)
    return made


def learner(in_cohort: Cohort, **fields: object) -> Learner:
    number = next(_numbers)
    values: dict[str, object] = {
        "first_name": f"Prénom{number}",
        "last_name": f"Nom{number}",
        "email": f"learner{number}@example.net",
        "gender": Gender.FEMALE,
        "birth_date": date(2000, 1, 1),
    }
    values.update(fields)
    made = Learner(**values)
    made.enrolments.append(Enrolment(cohort=in_cohort, status=EnrolmentStatus.IN_TRAINING))
    db.session.add(made)
    return made


def certify(enrolment: Enrolment, certification: Certification | None) -> None:
    """Record an overall certification as per-block results at a whole-title session held on the exit date: what
    the learner import does with its `certification` column. None: nothing recorded."""
    if certification is not None:
        db.session.flush()  # the enrolment's id and exit date, read in SQL
        record_overall({enrolment.id: certification})
        refresh([enrolment.id])


def user(email: str, role: Role, password: str, linked: Learner | None = None, name: str | None = None) -> User:
    made = User(
        email=email, role=role, name=name or email.split("@")[0], password_hash=hash_password(password), learner=linked
    )
    db.session.add(made)
    return made


def assess(
    who: Learner, competency: Competency, level: int, when: datetime, project: Project | None = None
) -> CompetencyAssessment:
    made = CompetencyAssessment(learner=who, competency=competency, level=level, assessed_at=when, project=project)
    db.session.add(made)
    return made


def project(of: Cohort, due: date | None = None, title: str | None = None) -> Project:
    made = Project(
        cohort=of, title=title or f"Brief {next(_numbers)}", due_date=due or of.start_date + timedelta(days=30)
    )
    db.session.add(made)
    return made


def half_day(
    of: Cohort, day: date, when: HalfDay = HalfDay.AM, starts: time | None = None, ends: time | None = None
) -> AttendanceSession:
    """A half-day of `of` (default times 9:00–12:30 or 13:30–17:00), open, with a fixed code."""
    starts = starts or (time(9) if when == HalfDay.AM else time(13, 30))
    ends = ends or (time(12, 30) if when == HalfDay.AM else time(17))
    minutes = (ends.hour * 60 + ends.minute) - (starts.hour * 60 + starts.minute)
    made = AttendanceSession(
        cohort=of, day=day, half_day=when, starts_at=starts, ends_at=ends, planned_minutes=minutes, code="123456"
    )
    db.session.add(made)
    return made


def attendance(
    session: AttendanceSession, enrolment: Enrolment, presence: Presence = Presence.PRESENT, **fields: object
) -> AttendanceRecord:
    made = AttendanceRecord(
        session=session, enrolment=enrolment, presence=presence, source=SignatureSource.TRAINER, **fields
    )
    db.session.add(made)
    return made


WORLD_DAY = date(2026, 11, 16)  # a Monday of both world cohorts: one half-day each (morning), one absence each


@dataclass(frozen=True)
class World:
    cohort_id: int  # the trainer's cohort
    other_cohort_id: int  # another site's cohort, not the trainer's
    learner_id: int  # in cohort_id, linked to learner@example.org
    other_learner_id: int  # in other_cohort_id
    enrolment_id: int
    other_enrolment_id: int
    project_id: int  # a brief of cohort_id
    other_project_id: int  # a brief of other_cohort_id
    competency_id: int  # the first DWWM competency
    emails: dict[str, str]  # role (and "unlinked") -> email
    session_id: int  # the morning of WORLD_DAY in cohort_id
    other_session_id: int  # the morning of WORLD_DAY in other_cohort_id
    record_id: int  # learner_id absent that morning
    other_record_id: int  # other_learner_id absent that morning
    exam_id: int  # a whole-title session on WORLD_EXAM_DAY, both learners candidates, no result yet
    candidate_id: int  # learner_id at that session
    situation_id: int  # an ECF situation of learner_id, block 1
    other_situation_id: int  # the same for other_learner_id
    example_id: int  # a Dossier Professionnel example of learner_id, block 1
    other_example_id: int  # the same for other_learner_id
    message_id: int  # an outbox message to learner@example.org, waiting (no SMTP in tests unless a test sets one)
    campaign_id: int  # the « à chaud » questionnaire of cohort_id, open, nobody invited yet
    other_campaign_id: int  # the same for other_cohort_id
    hand_in_id: int  # learner_id's first version of project_id, handed in on time
    placement_id: int  # learner_id's placement (enrolment_id), with its agreement and its two tutor forms unanswered
    other_placement_id: int  # other_learner_id's (other_enrolment_id)
    programme_id: int  # the DWWM programme of both cohorts, whose public page (slug "dwwm") is published

    def paths(self, mine: bool = True) -> dict[str, str]:
        """Values for the URL templates of test_access, in the trainer's cohort or in the other one."""
        return {
            "cohort": str(self.cohort_id if mine else self.other_cohort_id),
            "learner": str(self.learner_id if mine else self.other_learner_id),
            "enrolment": str(self.enrolment_id if mine else self.other_enrolment_id),
            "project": str(self.project_id if mine else self.other_project_id),
            "competency": str(self.competency_id),
            "leaver_enrolment": str(self.other_enrolment_id),
            "user": "1",  # the trainer's account
            "site": "1",  # Mende (sites are not scoped: any manager keeps them all)
            "day": WORLD_DAY.isoformat(),
            "half_day": "am",
            "record": str(self.record_id if mine else self.other_record_id),
            "exam": str(self.exam_id),  # sessions are managers': not scoped by cohort
            "candidate": str(self.candidate_id),
            "situation": str(self.situation_id if mine else self.other_situation_id),
            "example": str(self.example_id if mine else self.other_example_id),
            "message": str(self.message_id),  # the outbox is the admins': not scoped
            "campaign": str(self.campaign_id if mine else self.other_campaign_id),
            "placement": str(self.placement_id if mine else self.other_placement_id),
            "hand_in": str(self.hand_in_id),
            "stage": "end",
            "programme": str(self.programme_id),  # programmes are managers': not scoped
            "slug": "dwwm",  # the programme's published public page
            "site_slug": "mende",  # a site of it
        }


WORLD_EXAM_DAY = date(2026, 12, 7)


def exam(programme: Programme, on: date, enrolments: list[Enrolment], kind: ExamKind = ExamKind.TITLE,
         blocks: list[Block] | None = None, derive: bool = True) -> ExamSession:
    """A session of `programme` starting `on`, with these enrolments as candidates for its blocks (every block of
    the programme for a whole-title session), no result yet."""
    session = ExamSession(programme=programme, kind=kind, start_date=on, end_date=on, place="Mende", jury="")
    session.blocks = list(blocks or []) if kind == ExamKind.BLOCKS else []
    examined = session.blocks if kind == ExamKind.BLOCKS else programme.blocks
    for enrolment in enrolments:
        candidate = ExamCandidate(enrolment=enrolment)
        candidate.results = [ExamResult(block=block) for block in examined]
        session.candidates.append(candidate)
    db.session.add(session)
    db.session.flush()
    if derive:
        refresh([enrolment.id for enrolment in enrolments])
    return session


def exam_with_results(programme: Programme, on: date, results: dict, kind: ExamKind = ExamKind.TITLE,
                      blocks: list[Block] | None = None) -> ExamSession:
    """A session with these candidates and their results (enrolment -> one BlockResult per block examined, None:
    pending), their certification derived (results.refresh)."""
    session = exam(programme, on, list(results), kind, blocks, derive=False)
    for candidate in session.candidates:
        for result, value in zip(candidate.results, results[candidate.enrolment], strict=True):
            result.result = value
    db.session.flush()
    refresh([enrolment.id for enrolment in results])
    return session


def ecf_situation(enrolment: Enrolment, block: Block, on: date, satisfactory: bool | None = True) -> EcfSituation:
    """An evaluation situation of `block` for `enrolment`, assessing the block's first competency."""
    situation = EcfSituation(
        enrolment=enrolment, block=block, held_on=on, description="Projet fil rouge", satisfactory=satisfactory,
        first_assessor="Thomas Formateur", second_assessor="Claire Aubrac",
    )
    situation.competencies = [EcfCompetency(competency=block.competencies[0])]
    db.session.add(situation)
    db.session.flush()
    return situation


def dp_example(enrolment: Enrolment, block: Block, position: int = 1, status: DpStatus = DpStatus.DRAFT) -> DpExample:
    example = DpExample(
        enrolment=enrolment, block=block, position=position, title=f"Exemple {position}", status=status,
        updated_on=date(2026, 11, 2),
    )
    db.session.add(example)
    db.session.flush()
    return example


def outbox_message(recipient: str, kind: MessageKind = MessageKind.ACCOUNT, subject: str = "Compte") -> OutboxMessage:
    """A message waiting in the outbox (written directly, quicker than outbox.queue's templates)."""
    message = OutboxMessage(
        kind=kind, recipient=recipient, subject=subject, body_text="Bonjour,\n", body_html="<p>Bonjour,</p>"
    )
    db.session.add(message)
    db.session.flush()
    return message


SURVEY_STATEMENTS = [
    {"key": "overall", "text": "Dans l'ensemble, je suis satisfait·e de la formation."},
    {"key": "trainers", "text": "Les formateurs et formatrices m'ont bien accompagné·e."},
    {"key": "useful", "text": "Ce que j'ai appris me sera utile pour travailler."},
    {"key": "recommend", "text": "Je recommanderais cette formation."},
]


def survey_campaign(of: Cohort, kind: SurveyKind, closes_on: date | None = None) -> SurveyCampaign:
    """A campaign of `of`, open until `closes_on` (the cohort's end and two weeks), nobody invited yet."""
    campaign = SurveyCampaign(
        cohort=of, kind=kind, statements=list(SURVEY_STATEMENTS),
        closes_on=closes_on or of.end_date + timedelta(days=14),
    )
    db.session.add(campaign)
    db.session.flush()
    return campaign


def hand_in(
    of: Project, by: Learner, on: date, number: int = 1,
    repository: str = "https://git.example.org/luc/portfolio", deployed: str = "https://luc.example.org/",
) -> HandIn:
    """A version handed in by the learner at noon (France) on `on`."""
    version = HandIn(
        project=of, learner=by, number=number, repository_url=repository, deployed_url=deployed, comment="",
        handed_in_at=datetime.combine(on, time(11, 0)), handed_in_on=on,
    )
    db.session.add(version)
    db.session.flush()
    return version


def _agreement_pdf() -> bytes:
    """A real one-page PDF (readable by pypdf, as every PDF the app serves is read back in some test)."""
    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=12)
    document.cell(text="Convention de stage")
    return bytes(document.output())


AGREEMENT_PDF = _agreement_pdf()


def placement(enrolment: Enrolment, start: date = date(2026, 11, 30), end: date = date(2027, 1, 29),
              company: str = "Lozère Numérique", tutor_email: str = "tuteur@lozere-numerique.example") -> Placement:
    """A placement of `enrolment` with its agreement (a tiny PDF) and its tutor's forms (days.sync_reviews)."""
    from bootcamp.placements.days import sync_reviews

    agreement = StoredFile(filename="convention.pdf", content_type="application/pdf", size=len(AGREEMENT_PDF),
                           sha256=hashlib.sha256(AGREEMENT_PDF).hexdigest(), data=AGREEMENT_PDF)
    made = Placement(
        enrolment=enrolment, company_name=company, siret="", city="Mende", tutor_name="Paul Tuteur",
        tutor_role="Développeur senior", tutor_email=tutor_email, tutor_phone="04 66 00 00 00", start_date=start,
        end_date=end, weekly_minutes=35 * 60, activities="Intégration de maquettes ; API REST.", agreement=agreement,
    )
    db.session.add(made)
    sync_reviews(made)
    db.session.flush()
    return made


def programme_page(programme: Programme, slug: str = "dwwm", published: bool = True) -> ProgrammePage:
    """A programme's public page with its indicator-1 texts."""
    page = ProgrammePage(
        programme=programme, slug=slug, published=published, summary="Devenir développeur·se web en dix mois.",
        objectives="Concevoir et développer des applications web.", prerequisites="Aucun diplôme exigé.",
        duration="1 200 h en centre, 350 h en entreprise.", admission="Information collective, puis entretien.",
        price="Gratuit pour les demandeur·ses d'emploi (financement Région).", contacts="contact@example.org",
        methods="Projets en équipe, pédagogie active.", assessment="ECF et titre professionnel.",
        accessibility="Locaux accessibles ; référente handicap.", certifier="Ministère du Travail",
        registration_date=date(2023, 7, 21),
    )
    db.session.add(page)
    db.session.flush()
    return page


def make_world(password: str) -> World:
    trainer = user("trainer@example.org", Role.TRAINER, password, name="Thomas Formateur")
    other_trainer = user("other.trainer@example.org", Role.TRAINER, password, name="Olga Formatrice")
    mine = cohort("Mende 2026 automne", at=site("Mende"), trainers=(trainer,))
    theirs = cohort("Rodez 2026 automne", at=site("Rodez"), trainers=(other_trainer,))
    learner_mine = learner(mine, first_name="Luc", last_name="Lefèvre", email="learner@example.org")
    learner_theirs = learner(theirs, first_name="Rose", last_name="Roux")
    learner_theirs.enrolments[0].status = EnrolmentStatus.FINISHED  # a leaver, for the follow-up pages
    learner_theirs.enrolments[0].exit_date = date(2026, 10, 30)
    user("learner@example.org", Role.LEARNER, password, linked=learner_mine, name="Luc Lefèvre")
    user("unlinked@example.org", Role.LEARNER, password)
    user("manager@example.org", Role.MANAGER, password)
    user("admin@example.org", Role.ADMIN, password)
    brief, other_brief = project(mine, title="Portfolio"), project(theirs, title="Portfolio Rodez")
    morning, other_morning = half_day(mine, WORLD_DAY), half_day(theirs, WORLD_DAY)
    absence = attendance(morning, learner_mine.enrolments[0], Presence.ABSENT)
    other_absence = attendance(other_morning, learner_theirs.enrolments[0], Presence.ABSENT)
    mine_enrolment, their_enrolment = learner_mine.enrolments[0], learner_theirs.enrolments[0]
    block = mine.programme.blocks[0]
    # Registered, no result yet: pending (what results.refresh derives, written here to keep the world quick)
    session = exam(mine.programme, WORLD_EXAM_DAY, [mine_enrolment, their_enrolment], derive=False)
    mine_enrolment.certification = their_enrolment.certification = Certification.PENDING
    situation, other_situation = (ecf_situation(e, block, date(2026, 11, 6)) for e in (mine_enrolment, their_enrolment))
    example, other_example = (dp_example(e, block) for e in (mine_enrolment, their_enrolment))
    message = outbox_message("learner@example.org")
    campaign, other_campaign = (survey_campaign(c, SurveyKind.HOT) for c in (mine, theirs))
    version = hand_in(brief, learner_mine, brief.due_date)
    placed, other_placed = (placement(e) for e in (mine_enrolment, their_enrolment))
    programme_page(mine.programme)
    db.session.flush()
    return World(
        cohort_id=mine.id,
        other_cohort_id=theirs.id,
        learner_id=learner_mine.id,
        other_learner_id=learner_theirs.id,
        enrolment_id=learner_mine.enrolments[0].id,
        other_enrolment_id=learner_theirs.enrolments[0].id,
        project_id=brief.id,
        other_project_id=other_brief.id,
        competency_id=competencies(mine.programme)[0].id,
        emails={
            "learner": "learner@example.org",
            "unlinked": "unlinked@example.org",
            "trainer": "trainer@example.org",
            "manager": "manager@example.org",
            "admin": "admin@example.org",
        },
        session_id=morning.id,
        other_session_id=other_morning.id,
        record_id=absence.id,
        other_record_id=other_absence.id,
        exam_id=session.id,
        candidate_id=next(c.id for c in session.candidates if c.enrolment_id == mine_enrolment.id),
        situation_id=situation.id,
        other_situation_id=other_situation.id,
        example_id=example.id,
        other_example_id=other_example.id,
        message_id=message.id,
        campaign_id=campaign.id,
        other_campaign_id=other_campaign.id,
        hand_in_id=version.id,
        placement_id=placed.id,
        other_placement_id=other_placed.id,
        programme_id=mine.programme.id,
    )


def tutor_level(of: Placement, competency: Competency, level: int, when: datetime) -> CompetencyAssessment:
    """A level given by the placement's tutor through their form (issue 18): evidence, never a current level alone."""
    from bootcamp.models import AssessmentSource

    made = CompetencyAssessment(
        learner_id=of.enrolment.learner_id, competency=competency, level=level, assessed_at=when,
        source=AssessmentSource.TUTOR, placement=of, assessor_name=of.tutor_name,
    )
    db.session.add(made)
    return made
