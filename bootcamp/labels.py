"""Screen labels for the codes of DOMAIN.md: one glossary, marked for translation."""

import enum

from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice

from .models import (
    AgeBand,
    Certification,
    Diploma,
    DropoutReason,
    EnrolmentStatus,
    Gender,
    PublicFlag,
    Referrer,
    Role,
    Situation,
    SubmissionStatus,
)

LABELS: dict[enum.StrEnum, object] = {
    Role.LEARNER: _l("apprenant·e"),
    Role.TRAINER: _l("formateur·rice"),
    Role.MANAGER: _l("responsable de programme"),
    Role.ADMIN: _l("administrateur·rice"),
    Gender.FEMALE: _l("femme"),
    Gender.MALE: _l("homme"),
    Gender.OTHER: _l("autre"),
    Gender.UNDECLARED: _l("non renseigné"),
    AgeBand.UNDER_26: _l("moins de 26 ans"),
    AgeBand.FROM_26_TO_44: _l("26–44 ans"),
    AgeBand.FROM_45: _l("45 ans et plus"),
    Diploma.BELOW_BAC: _l("infra-bac"),
    Diploma.BAC: _l("bac"),
    Diploma.BAC_2: _l("bac+2"),
    Diploma.BAC_3_PLUS: _l("bac+3 et plus"),
    PublicFlag.JOBSEEKER: _l("demandeur·se d'emploi"),
    PublicFlag.QPV: _l("résident·e QPV"),
    PublicFlag.ZRR: _l("résident·e ZRR/FRR"),
    PublicFlag.RQTH: _l("RQTH"),
    PublicFlag.RSA: _l("bénéficiaire du RSA"),
    PublicFlag.CAREER_CHANGE: _l("reconversion"),
    Referrer.MISSION_LOCALE: _l("Mission locale"),
    Referrer.FRANCE_TRAVAIL: _l("France Travail"),
    Referrer.CAP_EMPLOI: _l("Cap emploi"),
    Referrer.OTHER: _l("autre prescripteur"),
    Referrer.NONE: _l("sans prescripteur"),
    EnrolmentStatus.IN_TRAINING: _l("en formation"),
    EnrolmentStatus.DROPPED: _l("abandon"),
    EnrolmentStatus.FINISHED: _l("terminé"),
    DropoutReason.JOB: _l("emploi trouvé"),
    DropoutReason.HEALTH: _l("santé"),
    DropoutReason.FAMILY: _l("raisons familiales"),
    DropoutReason.FINANCIAL: _l("raisons financières"),
    DropoutReason.MOTIVATION: _l("motivation"),
    DropoutReason.MOVED: _l("déménagement"),
    DropoutReason.EXCLUDED: _l("exclusion"),
    DropoutReason.OTHER: _l("autre raison"),
    Certification.OBTAINED: _l("titre obtenu"),
    Certification.PARTIAL: _l("certains blocs"),
    Certification.FAILED: _l("non obtenu"),
    Certification.ABSENT: _l("absent·e"),
    Certification.PENDING: _l("en attente"),
    SubmissionStatus.SUBMITTED: _l("rendu"),
    SubmissionStatus.LATE: _l("rendu en retard"),
    SubmissionStatus.MISSING: _l("non rendu"),
    Situation.CDI: _l("CDI"),
    Situation.CDD_LONG: _l("CDD ou intérim de 6 mois ou plus"),
    Situation.BUSINESS: _l("création d'entreprise / indépendant"),
    Situation.CDD_SHORT: _l("CDD ou intérim de moins de 6 mois"),
    Situation.WORK_STUDY: _l("alternance (apprentissage, professionnalisation)"),
    Situation.TRAINING: _l("formation qualifiante, poursuite d'études"),
    Situation.JOB_SEARCH: _l("en recherche d'emploi"),
    Situation.INACTIVE: _l("inactif, autre"),
    Situation.UNKNOWN: _l("sans nouvelles"),
}

LEVEL_LABELS = {
    None: _l("non évalué"),
    0: _l("non acquis"),
    1: _l("imiter"),
    2: _l("adapter"),
    3: _l("transposer"),
}


def label(code: enum.StrEnum | None) -> str:
    """The screen label of a code, or an empty string for none."""
    return "" if code is None else str(LABELS[code])


def level_label(level: int | None) -> str:
    """The screen words of a competency level (« imiter », « adapter »...)."""
    return str(LEVEL_LABELS[level])


def choices(enum_class: type[enum.StrEnum]) -> list[SelectChoice]:
    """The options of a select field: each code with its label."""
    return [SelectChoice(member.value, LABELS[member]) for member in enum_class]  # lazy: in the reader's language
