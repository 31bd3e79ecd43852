"""Demo data of the titre professionnel (issue 16): the livret d'évaluation (ECF situations and block summaries), the
Dossier Professionnel's examples, exam sessions with per-block results, and resits.

Drawn with a generator of its own (like demo_attendance), so the rest of the demo does not move. The overall
certification of each finisher is the one demo.py draws (the same shares as before it was derived): the results
recorded here derive back to it (certification/results.py), through a resit for some (partial at their first
session, then the missing block a few months later); some partial candidates sit a resit and fail it again, and
one passes the missing block more than a year after the first session, which does not count. Each cohort's title
session is held two weeks after its end; the cohort in training that ends first at each site has its session
within six weeks of today (earlier than its end when that is further), its learners registered and pending.
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from .certification import results
from .extensions import db
from .models import (
    Block,
    BlockResult,
    Certification,
    Cohort,
    DpContext,
    DpExample,
    DpStatus,
    EcfBlock,
    EcfCompetency,
    EcfKind,
    EcfSituation,
    Enrolment,
    EnrolmentStatus,
    ExamCandidate,
    ExamKind,
    ExamResult,
    ExamSession,
)

RESULTS_AFTER_END = 21  # days: a session's results are recorded three weeks after the end of the cohort
RESIT_MONTHS = 4  # the resit session, after the first
LATE_RESIT_DAYS = 395  # the one resit past the year: it does not count
REGISTERED_WEEKS = 8  # learners are registered at their session from eight weeks before it
ECF_AT = (0.45, 0.85)  # when each block's evaluation falls, as a share of the cohort's span
DP_FROM = 0.2  # the Dossier Professionnel starts at this share of the span
LEGAL_REPRESENTATIVE = "Hélène Castanier, directrice"
PROFESSIONALS = ["Claire Aubrac", "Julien Rouvière", "Sophie Malzac", "Karim Benali", "Nadia Fabre", "Pierre Séguret"]
JURY = ["Isabelle Pagès", "Marc Teissier", "Aurélie Bonnal", "Denis Castan", "Fatima Ouali", "Yannick Roques"]
SITUATIONS = (
    (
        "Réalisation d'une maquette responsive pour une association de randonnée",
        "Intégration de la page d'accueil d'un office de tourisme, de la maquette à la mise en ligne",
        "Développement d'un formulaire d'inscription accessible, validé en JavaScript, pour un club de basket",
        "Création d'une galerie photo dynamique pour un festival de musique en Lozère",
    ),
    (
        "Conception de la base de données d'une médiathèque intercommunale",
        "Développement d'une API de réservation de salles pour une mairie",
        "Espace adhérent d'une AMAP : authentification, commandes et tableau de bord",
        "Mise en ligne et documentation du déploiement d'une application de covoiturage rural",
    ),
)
POINTS_TO_WATCH = (
    "Accessibilité : contrastes et intitulés des champs à revoir ; tests sur mobile insuffisants.",
    "Code peu structuré, pas de gestion des erreurs ; à reprendre avec un projet guidé.",
    "Requêtes SQL non préparées : faille d'injection ; sécurité des formulaires à retravailler.",
    "Documentation absente : le déploiement n'a pas pu être reproduit par le jury.",
)
OBSERVATIONS = {
    True: (
        "Compétences du bloc maîtrisées ; travail autonome et soigné.",
        "Bloc maîtrisé après la réévaluation : progrès nets sur les points de vigilance.",
        "Très bonne maîtrise ; une aide appréciée par le groupe.",
    ),
    False: (
        "Bloc non maîtrisé à ce jour : la sécurité et les tests restent fragiles.",
        "Des bases solides mais un manque d'autonomie sur les projets complets.",
    ),
}
DP_TITLES = (
    (
        "Maquette et intégration du site d'une association sportive",
        "Interface dynamique de recherche de randonnées",
        "Refonte responsive du site d'un camping (stage)",
    ),
    (
        "Base de données et API d'une médiathèque",
        "Espace membre sécurisé d'une AMAP",
        "Déploiement documenté d'une application de covoiturage (stage)",
    ),
)
REVIEWS = (
    "Contexte clair ; détaillez davantage les choix techniques.",
    "Bien : ajoutez une capture de la maquette et le lien du dépôt.",
    "Prêt pour le jury.",
    "Reformulez la partie sécurité avec vos propres mots.",
)


@dataclass
class ExamCohort:
    """A cohort of the demo, its trainer and its learners with their ease (set by DemoBuilder)."""

    cohort: Cohort
    trainer_id: int
    trainer_name: str
    town: str
    learners: list[tuple[Enrolment, float]] = field(default_factory=list)


@dataclass
class Candidacy:
    session: ExamSession
    enrolment_id: int
    results: dict[int, BlockResult | None]  # block id -> result (None: pending)


def monday_on_or_after(day: date) -> date:
    return day + timedelta(days=(7 - day.weekday()) % 7)


def _moment(day: date, hour: int = 17) -> datetime:
    return datetime(day.year, day.month, day.day, hour)


class CertificationBuilder:
    """Collects the rows of every cohort, then writes them in bulk."""

    def __init__(self, today: date, rnd: random.Random, blocks: list[Block], manager_id: int) -> None:
        self.today, self.random, self.blocks, self.manager_id = today, rnd, blocks, manager_id
        self.candidacies: list[Candidacy] = []
        self.situations: list[tuple[dict[str, Any], list[tuple[int, bool]]]] = []  # row, (competency, to reassess)
        self.summaries: list[dict[str, Any]] = []
        self.examples: list[dict[str, Any]] = []
        self.late_resit_done = False

    # --- exam sessions ------------------------------------------------------------------
    def _session(self, item: ExamCohort, start: date, kind: ExamKind = ExamKind.TITLE) -> ExamSession:
        jury = self.random.sample(JURY, 2)
        session = ExamSession(
            programme_id=item.cohort.programme_id,
            kind=kind,
            start_date=start,
            end_date=start + timedelta(days=1),
            place=f"{item.town}, centre de formation",
            jury=f"Présidence : {jury[0]} ; membre du jury : {jury[1]}",
            blocks=list(self.blocks) if kind == ExamKind.BLOCKS else [],
        )
        db.session.add(session)
        return session

    def exams(self, item: ExamCohort) -> None:
        """The cohort's title session, its candidates and results, and its resits; a session further than
        REGISTERED_WEEKS away has no candidates yet, so it is not made."""
        cohort = item.cohort
        start = monday_on_or_after(cohort.end_date + timedelta(days=10))
        sitting = [(e, ease) for e, ease in item.learners if e.status != EnrolmentStatus.DROPPED]
        if start > self.today + timedelta(weeks=REGISTERED_WEEKS) or not sitting:
            return
        title = self._session(item, start)
        if cohort.end_date + timedelta(days=RESULTS_AFTER_END) > self.today:
            for enrolment, _ease in sitting:  # held or to come: results awaited
                self.candidacies.append(Candidacy(title, enrolment.id, dict.fromkeys(self._ids())))
            return
        resits: list[tuple[int, dict[int, BlockResult | None]]] = []
        resit_held = monday_on_or_after(start + timedelta(days=RESIT_MONTHS * 30)) + timedelta(days=14) <= self.today
        for enrolment, _ease in sitting:
            first, resit = self._attempts(enrolment, resit_held)
            self.candidacies.append(Candidacy(title, enrolment.id, first))
            if resit:
                resits.append((enrolment.id, resit))
        self._resits(item, start, resits)

    def _ids(self) -> list[int]:
        return [block.id for block in self.blocks]

    def _attempts(
        self, enrolment: Enrolment, resit_held: bool
    ) -> tuple[dict[int, BlockResult | None], dict[int, BlockResult | None]]:
        """The results at the title session that, with the resit's (block -> result, or {}), derive back to the
        enrolment's drawn certification."""
        rnd, ids = self.random, self._ids()
        drawn = enrolment.certification
        if drawn == Certification.OBTAINED and resit_held and rnd.random() < 0.15:  # partial first, then the resit
            missing = rnd.choice(ids)
            first = {b: BlockResult.NOT_ACQUIRED if b == missing else BlockResult.ACQUIRED for b in ids}
            return first, {missing: BlockResult.ACQUIRED}
        if drawn == Certification.PARTIAL:
            acquired = set(rnd.sample(ids, rnd.randint(1, len(ids) - 1)))
            first = {b: BlockResult.ACQUIRED if b in acquired else BlockResult.NOT_ACQUIRED for b in ids}
            again = rnd.random()
            if again < 0.5:  # proposed for the resit, and not there yet
                sat = rnd.choices([BlockResult.NOT_ACQUIRED, BlockResult.ABSENT], weights=[3, 1])[0]
                return first, {b: sat for b in ids if b not in acquired}
            return first, {}
        if drawn == Certification.FAILED:
            return {b: BlockResult.NOT_ACQUIRED for b in ids}, {}
        if drawn == Certification.ABSENT:
            return {b: BlockResult.ABSENT for b in ids}, {}
        return {b: BlockResult.ACQUIRED for b in ids}, {}

    def _resits(self, item: ExamCohort, first: date, resits: list[tuple[int, dict[int, BlockResult | None]]]) -> None:
        """The resit session a few months after the title's (results once held, else pending); a partial candidate
        may sit the one past the year."""
        if not resits:
            return
        day = monday_on_or_after(first + timedelta(days=RESIT_MONTHS * 30))
        held = day + timedelta(days=14) <= self.today
        late_day = monday_on_or_after(first + timedelta(days=LATE_RESIT_DAYS))
        session = self._session(item, day, ExamKind.BLOCKS)
        for enrolment_id, wanted in resits:
            failed_again = BlockResult.ACQUIRED not in wanted.values()
            if failed_again and not self.late_resit_done and late_day + timedelta(days=14) <= self.today:
                self.late_resit_done = True  # passes the missing blocks, thirteen months on: not counted
                late = self._session(item, late_day, ExamKind.BLOCKS)
                self.candidacies.append(Candidacy(late, enrolment_id, dict.fromkeys(wanted, BlockResult.ACQUIRED)))
                continue
            self.candidacies.append(Candidacy(session, enrolment_id, wanted if held else dict.fromkeys(wanted)))

    # --- the livret and the Dossier Professionnel ---------------------------------------
    def livret(self, item: ExamCohort) -> None:
        """Each learner's evaluation situations (and reassessments) for the blocks whose time has come, the block
        summaries once evaluated, and the DP examples."""
        cohort = item.cohort
        span = (cohort.end_date - cohort.start_date).days
        professional = PROFESSIONALS[sum(map(ord, item.town)) % len(PROFESSIONALS)]
        summed = self.today >= cohort.start_date + timedelta(days=int(span * ECF_AT[-1]))  # near or past the end
        for enrolment, ease in item.learners:
            left = enrolment.exit_date if enrolment.status == EnrolmentStatus.DROPPED else None
            for position, block in enumerate(self.blocks):
                held_on = cohort.start_date + timedelta(days=int(span * ECF_AT[position]) + self.random.randint(0, 4))
                if held_on > self.today or (left and held_on >= left):
                    continue
                mastered = self._evaluate(enrolment, ease, position, held_on, (item.trainer_name, professional))
                if summed and enrolment.status != EnrolmentStatus.DROPPED:
                    self._summary(enrolment, block, mastered, item, professional)
            if left is None:
                self._examples(item, enrolment, span)

    def _evaluate(
        self, enrolment: Enrolment, ease: float, position: int, held_on: date, assessors: tuple[str, str]
    ) -> bool:
        """The block's evaluation, and a reassessment three weeks later when not satisfactory (once held): the
        last result."""
        rnd, block = self.random, self.blocks[position]
        satisfactory = rnd.random() < max(0.4, min(0.96, 0.8 + 0.1 * ease))
        codes = [competency.id for competency in block.competencies]
        to_reassess = set() if satisfactory else set(rnd.sample(codes, rnd.randint(1, 2)))
        row = {
            "enrolment_id": enrolment.id,
            "block_id": block.id,
            "kind": EcfKind.EVALUATION,
            "held_on": held_on,
            "description": rnd.choice(SITUATIONS[position % len(SITUATIONS)]),
            "satisfactory": satisfactory,
            "points_to_watch": "" if satisfactory else rnd.choice(POINTS_TO_WATCH),
            "first_assessor": assessors[0],
            "second_assessor": assessors[1],
        }
        self.situations.append((row, [(code, code in to_reassess) for code in codes]))
        again = held_on + timedelta(days=21)
        if satisfactory or again > self.today:
            return satisfactory
        passed = rnd.random() < 0.75
        description = "Réévaluation : reprise du projet sur les compétences à réévaluer"
        reassessment = row | {"kind": EcfKind.REASSESSMENT, "held_on": again, "description": description}
        reassessment |= {"satisfactory": passed, "points_to_watch": "" if passed else rnd.choice(POINTS_TO_WATCH)}
        self.situations.append((reassessment, [(code, not passed) for code in sorted(to_reassess)]))
        return passed

    def _summary(self, enrolment: Enrolment, block: Block, mastered: bool, item: ExamCohort, professional: str) -> None:
        finished = enrolment.status == EnrolmentStatus.FINISHED
        self.summaries.append(
            {
                "enrolment_id": enrolment.id,
                "block_id": block.id,
                "mastered": mastered,
                "observations": self.random.choice(OBSERVATIONS[mastered]),
                "assessors": f"{item.trainer_name}, {professional}",
                "legal_representative": LEGAL_REPRESENTATIVE,
                "handed_on": item.cohort.end_date if finished else None,
                "updated_by_id": item.trainer_id,
                "updated_at": _moment(min(self.today, item.cohort.end_date)),
            }
        )

    def _examples(self, item: ExamCohort, enrolment: Enrolment, span: int) -> None:
        """One to three examples per block, more of them finalised the further the cohort is (every one past)."""
        rnd, cohort = self.random, item.cohort
        progress = (self.today - cohort.start_date).days / span
        if progress < DP_FROM:
            return
        weights = [40, 40, 15, 5] if progress < 0.6 else [10, 30, 30, 30] if progress < 0.9 else [2, 8, 25, 65]
        if progress > 1.2:  # an older cohort: its DPs were finished for the jury
            weights = [0, 2, 8, 90]
        for position, block in enumerate(self.blocks):
            for number in range(1, rnd.choice([1, 2, 2, 3]) + 1):
                status = rnd.choices(list(DpStatus), weights=weights)[0]
                reviewed = status in (DpStatus.REVIEWED, DpStatus.FINAL)
                updated = min(self.today, cohort.end_date) - timedelta(days=rnd.randint(0, 40))
                self.examples.append(
                    {
                        "enrolment_id": enrolment.id,
                        "block_id": block.id,
                        "position": number,
                        "title": DP_TITLES[position % len(DP_TITLES)][number - 1],
                        "context": DpContext.COMPANY if number == 3 else DpContext.CENTRE,
                        "status": status,
                        "review_comment": rnd.choice(REVIEWS) if reviewed else "",
                        "reviewed_by_id": item.trainer_id if reviewed else None,
                        "updated_on": max(updated, cohort.start_date),
                    }
                )

    # --- writing ------------------------------------------------------------------------
    def write(self) -> None:
        """Insert every row in bulk: the sessions through the ORM (with their blocks), the rest in a few
        statements."""
        db.session.flush()
        self._write_candidacies()
        if self.situations:
            ids = db.session.execute(
                sa.insert(EcfSituation).returning(EcfSituation.id, sort_by_parameter_order=True),
                [row for row, _competencies in self.situations],
            ).scalars()
            db.session.execute(
                sa.insert(EcfCompetency),
                [
                    {"situation_id": situation_id, "competency_id": competency_id, "to_reassess": to_reassess}
                    for situation_id, (_row, assessed) in zip(ids, self.situations, strict=True)
                    for competency_id, to_reassess in assessed
                ],
            )
        for model, rows in ((EcfBlock, self.summaries), (DpExample, self.examples)):
            if rows:
                db.session.execute(sa.insert(model), rows)

    def _write_candidacies(self) -> None:
        if not self.candidacies:
            return
        ids = db.session.execute(
            sa.insert(ExamCandidate).returning(ExamCandidate.id, sort_by_parameter_order=True),
            [
                {
                    "session_id": c.session.id,
                    "enrolment_id": c.enrolment_id,
                    "registered_at": _moment(c.session.start_date - timedelta(days=60), 10),
                }
                for c in self.candidacies
            ],
        ).scalars()
        rows = []
        for candidate_id, candidacy in zip(ids, self.candidacies, strict=True):
            recorded = _moment(candidacy.session.end_date + timedelta(days=10))
            for block_id, result in candidacy.results.items():
                rows.append(
                    {
                        "candidate_id": candidate_id,
                        "block_id": block_id,
                        "result": result,
                        "recorded_by_id": self.manager_id if result else None,
                        "recorded_at": recorded if result else None,
                    }
                )
        db.session.execute(sa.insert(ExamResult), rows)


def add_certification(cohorts: list[ExamCohort], today: date, rnd: random.Random, manager_id: int) -> None:
    """The livret, the DP, the sessions and results of every cohort begun, drawn with `rnd`; the enrolments'
    certification is then derived from the results (what demo.py drew; pending where the session is to come)."""
    if not cohorts:
        return
    blocks = list(cohorts[0].cohort.programme.blocks)
    builder = CertificationBuilder(today, rnd, blocks, manager_id)
    for item in cohorts:
        if item.cohort.start_date <= today:
            builder.livret(item)
            builder.exams(item)
    builder.write()
    results.refresh(enrolment.id for item in cohorts for enrolment, _ease in item.learners)
