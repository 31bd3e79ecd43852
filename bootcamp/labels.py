"""Screen labels for the codes of DOMAIN.md: one glossary, marked for translation."""

import enum
from collections.abc import Iterator, Mapping

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from wtforms import SelectChoice

from .models import (
    AbsenceReason,
    AgeBand,
    AssessmentSource,
    BlockResult,
    Certification,
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
    MessageKind,
    MessageState,
    OutcomeSource,
    Presence,
    PublicFlag,
    Referrer,
    ReviewStage,
    Role,
    SessionKind,
    SessionState,
    SignatureSource,
    Situation,
    SubmissionStatus,
    SurveyKind,
)

# The words of each kind of code, one dict per enumeration: codes of different kinds may share a value (the
# `other` of Gender, Referrer and DropoutReason), so a label is found by the kind and the code, never the code alone.
GLOSSARY: dict[type[enum.StrEnum], dict[enum.StrEnum, LazyString]] = {
    Role: {
        Role.LEARNER: _l("apprenant·e"),
        Role.TRAINER: _l("formateur·rice"),
        Role.MANAGER: _l("responsable de programme"),
        Role.ADMIN: _l("administrateur·rice"),
    },
    Gender: {
        Gender.FEMALE: _l("femme"),
        Gender.MALE: _l("homme"),
        Gender.OTHER: _l("autre"),
        Gender.UNDECLARED: _l("non renseigné"),
    },
    AgeBand: {
        AgeBand.UNDER_26: _l("moins de 26 ans"),
        AgeBand.FROM_26_TO_44: _l("26–44 ans"),
        AgeBand.FROM_45: _l("45 ans et plus"),
    },
    Diploma: {
        Diploma.BELOW_BAC: _l("infra-bac"),
        Diploma.BAC: _l("bac"),
        Diploma.BAC_2: _l("bac+2"),
        Diploma.BAC_3_PLUS: _l("bac+3 et plus"),
    },
    PublicFlag: {
        PublicFlag.JOBSEEKER: _l("demandeur·se d'emploi"),
        PublicFlag.QPV: _l("résident·e QPV"),
        PublicFlag.ZRR: _l("résident·e ZRR/FRR"),
        PublicFlag.RQTH: _l("RQTH"),
        PublicFlag.RSA: _l("bénéficiaire du RSA"),
        PublicFlag.CAREER_CHANGE: _l("reconversion"),
    },
    Referrer: {
        Referrer.MISSION_LOCALE: _l("Mission locale"),
        Referrer.FRANCE_TRAVAIL: _l("France Travail"),
        Referrer.CAP_EMPLOI: _l("Cap emploi"),
        Referrer.OTHER: _l("autre prescripteur"),
        Referrer.NONE: _l("sans prescripteur"),
    },
    EnrolmentStatus: {
        EnrolmentStatus.IN_TRAINING: _l("en formation"),
        EnrolmentStatus.DROPPED: _l("abandon"),
        EnrolmentStatus.FINISHED: _l("terminé"),
    },
    DropoutReason: {
        DropoutReason.JOB: _l("emploi trouvé"),
        DropoutReason.HEALTH: _l("santé"),
        DropoutReason.FAMILY: _l("raisons familiales"),
        DropoutReason.FINANCIAL: _l("raisons financières"),
        DropoutReason.MOTIVATION: _l("motivation"),
        DropoutReason.MOVED: _l("déménagement"),
        DropoutReason.EXCLUDED: _l("exclusion"),
        DropoutReason.OTHER: _l("autre raison"),
    },
    Certification: {
        Certification.OBTAINED: _l("titre obtenu"),
        Certification.PARTIAL: _l("certains blocs"),
        Certification.FAILED: _l("non obtenu"),
        Certification.ABSENT: _l("absent·e"),
        Certification.PENDING: _l("en attente"),
    },
    ExamKind: {
        ExamKind.TITLE: _l("titre complet"),
        ExamKind.BLOCKS: _l("certains blocs (rattrapage)"),
    },
    BlockResult: {
        BlockResult.ACQUIRED: _l("acquis"),
        BlockResult.NOT_ACQUIRED: _l("non acquis"),
        BlockResult.ABSENT: _l("absent·e"),
    },
    EcfKind: {
        EcfKind.EVALUATION: _l("évaluation"),
        EcfKind.REASSESSMENT: _l("réévaluation"),
    },
    MessageState: {
        MessageState.QUEUED: _l("en attente"),
        MessageState.SENDING: _l("en cours d'envoi"),
        MessageState.SENT: _l("envoyé"),
        MessageState.FAILED: _l("abandonné"),
    },
    MessageKind: {
        MessageKind.PASSWORD_RESET: _l("mot de passe oublié"),
        MessageKind.ACCOUNT: _l("création de compte"),
        MessageKind.FOLLOW_UP: _l("suivi après la formation"),
        MessageKind.SURVEY: _l("questionnaire de satisfaction"),
        MessageKind.TUTOR_REVIEW: _l("bilan du ou de la tuteur·rice en entreprise"),
    },
    OutcomeSource: {
        OutcomeSource.STAFF: _l("saisi par l'école"),
        OutcomeSource.LEARNER: _l("déclaré par l'apprenant·e"),
    },
    SurveyKind: {
        SurveyKind.HOT: _l("à chaud"),
        SurveyKind.COLD: _l("à froid"),
    },
    DpContext: {
        DpContext.CENTRE: _l("en centre"),
        DpContext.COMPANY: _l("en entreprise"),
    },
    DpStatus: {
        DpStatus.TO_WRITE: _l("à rédiger"),
        DpStatus.DRAFT: _l("brouillon"),
        DpStatus.REVIEWED: _l("relu"),
        DpStatus.FINAL: _l("finalisé"),
    },
    SubmissionStatus: {
        SubmissionStatus.SUBMITTED: _l("rendu"),
        SubmissionStatus.LATE: _l("rendu en retard"),
        SubmissionStatus.MISSING: _l("non rendu"),
        SubmissionStatus.PENDING: _l("à rendre"),
        SubmissionStatus.EXEMPTED: _l("dispensé·e"),
    },
    AssessmentSource: {
        AssessmentSource.TRAINER: _l("formateur·rice"),
        AssessmentSource.TUTOR: _l("tuteur·rice en entreprise"),
    },
    Licence: {
        Licence.ETALAB_2_0: _l("Licence Ouverte 2.0 (Etalab)"),
        Licence.ODBL_1_0: _l("Open Database License 1.0 (ODbL)"),
        Licence.CC_BY_4_0: _l("Creative Commons Attribution 4.0 (CC BY 4.0)"),
    },
    ReviewStage: {
        ReviewStage.MID: _l("mi-parcours"),
        ReviewStage.END: _l("fin de stage"),
    },
    Situation: {
        Situation.CDI: _l("CDI"),
        Situation.CDD_LONG: _l("CDD ou intérim de 6 mois ou plus"),
        Situation.BUSINESS: _l("création d'entreprise / indépendant"),
        Situation.CDD_SHORT: _l("CDD ou intérim de moins de 6 mois"),
        Situation.WORK_STUDY: _l("alternance (apprentissage, professionnalisation)"),
        Situation.TRAINING: _l("formation qualifiante, poursuite d'études"),
        Situation.JOB_SEARCH: _l("en recherche d'emploi"),
        Situation.INACTIVE: _l("inactif, autre"),
        Situation.UNKNOWN: _l("sans nouvelles"),
    },
    HalfDay: {
        HalfDay.AM: _l("matin"),
        HalfDay.PM: _l("après-midi"),
    },
    SessionKind: {
        SessionKind.CENTRE: _l("au centre"),
        SessionKind.PLACEMENT: _l("en entreprise (stage)"),
    },
    SessionState: {
        SessionState.OPEN: _l("prévue"),
        SessionState.CLOSED: _l("validée"),
        SessionState.CANCELLED: _l("annulée"),
    },
    Presence: {
        Presence.PRESENT: _l("présent·e"),
        Presence.ABSENT: _l("absent·e"),
        Presence.LATE: _l("en retard"),
        Presence.LEFT_EARLY: _l("parti·e plus tôt"),
    },
    AbsenceReason: {
        AbsenceReason.SICKNESS: _l("maladie"),
        AbsenceReason.APPOINTMENT: _l("rendez-vous (France Travail, Mission locale, Cap emploi)"),
        AbsenceReason.JOB_SEARCH: _l("recherche d'emploi (entretien)"),
        AbsenceReason.FAMILY: _l("raison familiale"),
        AbsenceReason.TRANSPORT: _l("problème de transport"),
        AbsenceReason.OTHER: _l("autre motif"),
    },
    Justification: {
        Justification.UNJUSTIFIED: _l("non justifiée"),
        Justification.PENDING: _l("justificatif à examiner"),
        Justification.ACCEPTED: _l("justifiée"),
        Justification.REFUSED: _l("justificatif refusé"),
    },
    SignatureSource: {
        SignatureSource.CODE: _l("signé avec le code"),
        SignatureSource.TRAINER: _l("noté par le formateur ou la formatrice"),
        SignatureSource.IMPORT: _l("importé"),
    },
}

LEVEL_LABELS = {
    None: _l("non évalué"),
    0: _l("non acquis"),
    1: _l("imiter"),
    2: _l("adapter"),
    3: _l("transposer"),
}


class _ByMember(Mapping[enum.StrEnum, LazyString]):
    """The glossary seen as one mapping from member to label, looked up by the member's kind and value: kept for
    callers that read `LABELS[member]` (a plain dict keyed by members would merge the `other` of every kind)."""

    def __getitem__(self, member: enum.StrEnum) -> LazyString:
        return GLOSSARY[type(member)][member]

    def __iter__(self) -> Iterator[enum.StrEnum]:
        return (member for words in GLOSSARY.values() for member in words)

    def __len__(self) -> int:
        return sum(len(words) for words in GLOSSARY.values())


LABELS: Mapping[enum.StrEnum, LazyString] = _ByMember()


def label(code: enum.StrEnum | str | None, kind: type[enum.StrEnum] | None = None) -> str:
    """The screen label of a code, or an empty string for none. A plain string (an SQL row, an export's group
    code) needs its kind: `label("other", Gender)` is « autre », `label("other", Referrer)` « autre prescripteur »."""
    if code is None:
        return ""
    if kind is None:
        if not isinstance(code, enum.StrEnum):
            raise TypeError(f"label({code!r}) needs the kind of the code")
        kind = type(code)
    return str(GLOSSARY[kind][kind(code)])


def level_label(level: int | None) -> str:
    """The screen words of a competency level (« imiter », « adapter »...)."""
    return str(LEVEL_LABELS[level])


def choices(enum_class: type[enum.StrEnum]) -> list[SelectChoice]:
    """The options of a select field: each code with its label."""
    words = GLOSSARY[enum_class]
    return [SelectChoice(member.value, words[member]) for member in enum_class]  # lazy: in the reader's language
