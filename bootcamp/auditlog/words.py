"""The journal in words, for /me/data and /audit: the French names of the fields and actions audit.record keeps,
their values made readable (codes through labels.GLOSSARY, levels, oui/non, dates, French decimals, minutes as
hours, file sizes, the ids of competencies, blocks, projects and placements by their codes and names), and who did
a change no account made (a learner or a tutor through their emailed link, else the command line)."""

import enum
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..files import human_size, type_name
from ..labels import LEVEL_LABELS, label, level_label
from ..models import (
    AbsenceReason,
    AssessmentSource,
    AuditEvent,
    Block,
    BlockResult,
    Certification,
    Competency,
    Diploma,
    DpContext,
    DpStatus,
    DropoutReason,
    EcfKind,
    EnrolmentStatus,
    ExamKind,
    Gender,
    HalfDay,
    Justification,
    Licence,
    OutcomeSource,
    Placement,
    Presence,
    Project,
    PublicFlag,
    Referrer,
    ReviewStage,
    Role,
    SessionKind,
    SessionState,
    SignatureSource,
    Situation,
    SubmissionStatus,
)

# The words of the fields the journal keeps (audit.record); the public flags (rqth, qpv…) take their glossary words.
FIELD_LABELS = {
    "score": _l("note"),
    "status": _l("statut"),
    "feedback": _l("retour"),
    "level": _l("niveau"),
    "comment": _l("commentaire"),
    "project_id": _l("projet"),
    "competency_id": _l("compétence"),
    "exit_date": _l("date de sortie"),
    "dropout_reason": _l("motif d'abandon"),
    "certification": _l("certification"),
    "situation": _l("situation"),
    "employer": _l("employeur"),
    "job_title": _l("poste"),
    "digital": _l("métier du numérique"),
    "start_date": _l("date de début"),
    "email": _l("adresse e-mail"),
    "name": _l("nom"),
    "role": _l("rôle"),
    "active": _l("actif"),
    "learner_id": _l("dossier d'apprenant·e"),
    "password": _l("mot de passe"),
    "erased": _l("données effacées"),
    "first_name": _l("prénom"),
    "last_name": _l("nom de famille"),
    "gender": _l("genre"),
    "birth_date": _l("date de naissance"),
    "postal_code": _l("code postal"),
    "phone": _l("téléphone"),
    "diploma": _l("diplôme"),
    "referrer": _l("prescripteur"),
    "day": _l("jour"),
    "half_day": _l("demi-journée"),
    "presence": _l("présence"),
    "minutes": _l("minutes de retard ou de départ anticipé"),
    "reason": _l("motif d'absence"),
    "justification": _l("justification"),
    "source": _l("enregistrée par"),
    "signed_at": _l("signée à"),
    "proof": _l("justificatif"),
    "proof_type": _l("type du justificatif"),
    "proof_size": _l("taille du justificatif"),
    "block_id": _l("bloc"),
    "blocks": _l("blocs"),
    "kind": _l("type"),
    "held_on": _l("date"),
    "description": _l("situation"),
    "satisfactory": _l("satisfaisant"),
    "points_to_watch": _l("points de vigilance"),
    "first_assessor": _l("évaluateur·rice"),
    "second_assessor": _l("second·e évaluateur·rice"),
    "competencies": _l("compétences évaluées"),
    "mastered": _l("bloc maîtrisé"),
    "observations": _l("observations"),
    "assessors": _l("évaluateur·rices"),
    "legal_representative": _l("représentant·e légal·e"),
    "handed_on": _l("livret remis le"),
    "position": _l("numéro"),
    "title": _l("titre"),
    "context": _l("contexte"),
    "review_comment": _l("commentaire de relecture"),
    "reviewed_by_id": _l("relu par"),
    "updated_on": _l("mis à jour le"),
    "result": _l("résultat"),
    "programme_id": _l("titre préparé"),
    "end_date": _l("date de fin"),
    "place": _l("lieu"),
    "jury": _l("jury"),
    "personal_email": _l("adresse e-mail personnelle"),
    "contact_consent": _l("accord pour être contacté·e après la formation"),
    "city": _l("ville"),
    "confirmed_at": _l("confirmée le"),
    "point": _l("point de suivi"),
    # issue 18: hand-ins, grades' exemptions, placements, tutors' reviews and levels
    "number": _l("version"),
    "repository_url": _l("adresse du dépôt"),
    "deployed_url": _l("adresse de la version en ligne"),
    "exempted": _l("dispensé·e"),
    "exemption_reason": _l("motif de la dispense"),
    "company_name": _l("entreprise"),
    "siret": _l("SIRET"),
    "tutor_name": _l("tuteur·rice"),
    "tutor_role": _l("fonction du ou de la tuteur·rice"),
    "tutor_email": _l("adresse e-mail du ou de la tuteur·rice"),
    "tutor_phone": _l("téléphone du ou de la tuteur·rice"),
    "weekly_minutes": _l("horaires"),
    "activities": _l("activités prévues"),
    "hired_by_host": _l("embauché·e par l'entreprise d'accueil"),
    "agreement_type": _l("type de la convention"),
    "agreement_size": _l("taille de la convention"),
    "stage": _l("formulaire"),
    "recipient": _l("destinataire"),
    "messages": _l("messages envoyés"),
    "days_present": _l("jours de présence en entreprise"),
    "appreciation": _l("appréciation"),
    "placement_id": _l("stage"),
    "assessor_name": _l("évalué·e par"),
    # issue 19: a programme's public page
    "slug": _l("adresse de la page"),
    "published": _l("publiée"),
    "summary": _l("résumé"),
    "objectives": _l("objectifs"),
    "prerequisites": _l("prérequis"),
    "duration": _l("durée"),
    "admission": _l("modalités et délais d'accès"),
    "price": _l("tarif"),
    "contacts": _l("contacts"),
    "methods": _l("méthodes mobilisées"),
    "assessment": _l("modalités d'évaluation"),
    "accessibility": _l("accessibilité aux personnes en situation de handicap"),
    "certifier": _l("certificateur"),
    "registration_date": _l("date d'enregistrement au RNCP"),
    "licence": _l("licence des données ouvertes"),
}
# The field words that depend on the record: who recorded a level is a trainer or a tutor.
ENTITY_FIELD_LABELS = {
    "competency_assessment.source": _l("proposé par"),
    "outcome.source": _l("origine"),
}

ACTIONS = {
    "create": _l("création"),
    "update": _l("modification"),
    "erase": _l("effacement"),
    "password": _l("changement de mot de passe"),
    "sign": _l("signature"),
    "close": _l("validation"),
    "justify": _l("justification"),
    "decide": _l("décision sur le justificatif"),
    "proof": _l("justificatif"),
    "delete": _l("suppression"),
    "review": _l("relecture"),
    "confirm": _l("confirmation"),
    "answer": _l("réponse"),
    "send": _l("envoi"),
    "purge": _l("purge des données anciennes"),
}
# The kind of code each field of the journal holds ("status" is a hand-in's or an enrolment's, by the entity).
CODE_KINDS: dict[str, type[enum.StrEnum]] = {
    "grade.status": SubmissionStatus,  # the statuses trainers typed before hand-ins (issue 18), in older entries
    "enrolment.status": EnrolmentStatus,
    "dropout_reason": DropoutReason,
    "certification": Certification,
    "situation": Situation,
    "role": Role,
    "gender": Gender,
    "diploma": Diploma,
    "referrer": Referrer,
    "presence": Presence,
    "reason": AbsenceReason,
    "justification": Justification,
    "source": SignatureSource,
    "competency_assessment.source": AssessmentSource,
    "outcome.source": OutcomeSource,
    "stage": ReviewStage,
    "half_day": HalfDay,
    "kind": SessionKind,
    "state": SessionState,
    "ecf_situation.kind": EcfKind,
    "exam_session.kind": ExamKind,
    "dp_example.status": DpStatus,
    "context": DpContext,
    "result": BlockResult,
    "licence": Licence,
}
DECIMALS = {"score"}  # kept as a decimal string (« 15.5 »): shown the French way (« 15,5 »)
SIZES = {"proof_size", "agreement_size"}  # bytes
FILE_TYPES = {"proof_type", "agreement_type"}  # a content type: « PDF »
FLAGS = {flag.value: flag for flag in PublicFlag}
# The fields holding ids, and where the journal finds their words (one query for a whole page of events).
REFERENCES: dict[str, str] = {
    "competency_id": "competencies",
    "competencies": "competencies",
    "block_id": "blocks",
    "project_id": "projects",
    "placement_id": "placements",
}


def field_label(entity: str, key: str) -> str:
    """A field of the journal in words (its code when it has none)."""
    if key in FLAGS:
        return label(FLAGS[key])
    return str(ENTITY_FIELD_LABELS.get(f"{entity}.{key}", FIELD_LABELS.get(key, key)))


def action_label(action: str) -> str:
    return str(ACTIONS.get(action, action))


def who(event: AuditEvent) -> str:
    """Who made the change: the account's name, else whoever used an emailed link (a learner's follow-up answer or
    consent withdrawn; a tutor's form and the levels it gave, by the tutor's name when the event keeps it), else
    the command line."""
    if event.actor is not None:
        return event.actor.name
    after = event.after or {}
    if (event.entity == "outcome" and after.get("source") == OutcomeSource.LEARNER) or (
        event.entity == "learner" and after == {"contact_consent": False}
    ):
        return _("l'apprenant·e, par son lien")
    if (event.entity == "tutor_review" and event.action == "answer") or (
        event.entity == "competency_assessment" and after.get("source") == AssessmentSource.TUTOR
    ):
        if after.get("assessor_name"):
            return _("%(name)s, tuteur ou tutrice, par son lien", name=after["assessor_name"])
        return _("le tuteur ou la tutrice, par son lien")
    return _("ligne de commande")


@dataclass(frozen=True)
class Names:
    """The words of the ids a page of events refers to, by kind (REFERENCES): {"competencies": {id: "CP2"}}."""

    by_kind: dict[str, dict[int, str]] = field(default_factory=dict)

    def of(self, kind: str, value: Any) -> str:
        if isinstance(value, list):
            return ", ".join(self.of(kind, item) for item in value) or "—"
        return self.by_kind.get(kind, {}).get(value, str(value)) if isinstance(value, int) else str(value)


def names_of(events: list[AuditEvent]) -> Names:
    """The codes and names of the competencies, blocks, projects and placements these events refer to: one query
    (none when they refer to none), whatever the number of events."""
    wanted: dict[str, set[int]] = {kind: set() for kind in REFERENCES.values()}
    for event in events:
        for values in (event.before or {}, event.after or {}):
            for key, kind in REFERENCES.items():
                found = values.get(key)
                wanted[kind].update(item for item in (found if isinstance(found, list) else [found])
                                    if isinstance(item, int) and not isinstance(item, bool))
    columns = {
        "competencies": (Competency.id, Competency.code),
        "blocks": (Block.id, Block.code),
        "projects": (Project.id, Project.title),
        "placements": (Placement.id, Placement.company_name),
    }
    selects = [
        sa.select(sa.literal(kind).label("kind"), key.label("id"), words.label("words")).where(key.in_(ids))
        for kind, ids in wanted.items()
        if ids
        for key, words in [columns[kind]]
    ]
    by_kind: dict[str, dict[int, str]] = {}
    if selects:
        for kind, key, words in db.session.execute(sa.union_all(*selects)):
            by_kind.setdefault(kind, {})[key] = words
    return Names(by_kind)


def _decimal(value: Any) -> str:
    try:
        return format_decimal(Decimal(str(value)), "0.##")
    except InvalidOperation:
        return str(value)


def _special(key: str, value: Any) -> str | None:
    """The words of a value by its field alone (numbers, sizes, file types, dates), None if nothing special."""
    if key in DECIMALS:
        return _decimal(value)
    if key == "weekly_minutes" and isinstance(value, int):
        return _("%(hours)s h par semaine", hours=format_decimal(value / 60, "0.##"))
    if key in SIZES and isinstance(value, int):
        return human_size(value)
    if key in FILE_TYPES and isinstance(value, str):
        return type_name(value)
    if key.endswith("_date") and isinstance(value, str):
        try:
            return format_date(date.fromisoformat(value), "long")
        except ValueError:
            return value
    return None


def readable(entity: str, key: str, value: Any, names: Names | None = None) -> str:
    """A value kept by the journal, in words: labels for codes and levels, oui/non, dates in the reader's language,
    French decimals, hours, sizes, and the codes or names of what an id refers to (from `names`)."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if key == "level" and value in LEVEL_LABELS:
        return level_label(value)
    kind = CODE_KINDS.get(f"{entity}.{key}", CODE_KINDS.get(key))
    if kind is not None and value in {member.value for member in kind}:
        return label(value, kind)
    if key in REFERENCES:
        return (names or Names()).of(REFERENCES[key], value)
    special = _special(key, value)
    return str(value) if special is None else special


@dataclass(frozen=True)
class Words:
    """What a page's template needs to put a page of events into words (see journal_words)."""

    names: Names

    def field(self, entity: str, key: str) -> str:
        return field_label(entity, key)

    def value(self, entity: str, key: str, value: Any) -> str:
        return readable(entity, key, value, self.names)

    def action(self, action: str) -> str:
        return action_label(action)

    def who(self, event: AuditEvent) -> str:
        return who(event)


def journal_words(events: list[AuditEvent]) -> Words:
    """The words of a page of events (the names its ids refer to read at once)."""
    return Words(names_of(events))
