"""The words a French spreadsheet uses for the imports' columns and values (learners, attendance): ONE table
(data), shown on the import page and in the README.

A header or a value matches whatever its case, accents, spaces and punctuation (`key()`: « E-mail », « e mail »
and « EMAIL » are one key). Besides these words, the machine names (the column names and codes of DOMAIN.md:
`email`, `female`, `bac_2`...) and the screen labels (labels.py: « femme », « bac+2 »...) are always accepted.
The first word of each column is the header of the template to download (examples.py).
"""

import re
import unicodedata
from contextvars import ContextVar

from ..models import (
    AbsenceReason,
    Certification,
    Diploma,
    DropoutReason,
    EnrolmentStatus,
    Gender,
    HalfDay,
    Presence,
    PublicFlag,
    Referrer,
)

ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    # The columns, by machine name. The public flags have a column each too (yes/no), named by the flag's words.
    "column": {
        "last_name": ("Nom", "Nom de famille", "Nom d'usage"),
        "first_name": ("Prénom", "Prénoms"),
        "email": ("E-mail", "Email", "Courriel", "Mail", "Adresse e-mail", "Adresse mail", "Adresse électronique"),
        "birth_date": ("Date de naissance", "Naissance", "Né(e) le", "Date naissance"),
        "gender": ("Genre", "Sexe", "Civilité"),
        "postal_code": ("Code postal", "CP"),
        "phone": ("Téléphone", "Tél.", "Portable", "Mobile", "Numéro de téléphone"),
        "diploma": (
            "Diplôme",
            "Niveau",
            "Niveau de diplôme",
            "Niveau d'études",
            "Dernier diplôme",
            "Diplôme le plus élevé",
        ),
        "referrer": ("Prescripteur", "Orienté par", "Orientation"),
        "flags": ("Publics", "Publics prioritaires"),
        "status": ("Statut", "État"),
        "exit_date": ("Date de sortie", "Sortie"),
        "dropout_reason": ("Motif d'abandon", "Motif de sortie", "Motif"),
        "certification": ("Certification", "Titre", "Résultat"),
    },
    "gender": {
        "male": ("H", "Homme", "M", "M.", "Masculin", "Monsieur"),
        "female": ("F", "Femme", "Féminin", "Mme", "Madame", "Mlle", "Mademoiselle"),
        "other": ("Autre", "Non binaire", "X"),
        "undeclared": ("Non renseigné", "Non précisé", "NR", "Ne souhaite pas répondre"),
    },
    "diploma": {
        "below_bac": (
            "Sans diplôme",
            "Aucun diplôme",
            "Aucun",
            "CAP",
            "BEP",
            "CAP/BEP",
            "Brevet",
            "Brevet des collèges",
            "DNB",
            "CFG",
            "Infra-bac",
            "Niveau 3",
        ),
        "bac": ("Bac", "Baccalauréat", "Bac pro", "Bac général", "Bac technologique", "BP", "DAEU", "Niveau 4"),
        "bac_2": ("BTS", "DUT", "BTS/DUT", "BTS-DUT", "DEUG", "DEUST", "Bac+2", "Bac2", "Niveau 5"),
        "bac_3_plus": (
            "Licence",
            "Licence pro",
            "BUT",
            "Bachelor",
            "Maîtrise",
            "Master",
            "Ingénieur",
            "Doctorat",
            "Bac+3",
            "Bac+4",
            "Bac+5",
            "Bac+8",
            "Niveau 6",
            "Niveau 7",
            "Niveau 8",
        ),
    },
    "referrer": {
        "france_travail": ("France Travail", "Pôle emploi", "FT", "PE"),
        "mission_locale": ("Mission locale", "ML"),
        "cap_emploi": ("Cap emploi",),
        "other": ("Autre", "Autre prescripteur", "PLIE", "Département"),
        "none": ("Aucun", "Sans", "Sans prescripteur", "Candidature spontanée"),
    },
    # In the `flags` column (several, separated by |), and as the header of a flag's own column.
    "flag": {
        "jobseeker": ("Demandeur d'emploi", "Demandeuse d'emploi", "Demandeur·se d'emploi", "DE"),
        "qpv": ("QPV", "Résident QPV", "Quartier prioritaire"),
        "zrr": ("ZRR/FRR", "ZRR", "FRR"),
        "rqth": ("RQTH", "Travailleur handicapé", "Handicap"),
        "rsa": ("RSA", "Bénéficiaire du RSA", "Allocataire du RSA"),
        "career_change": ("Reconversion", "Reconversion professionnelle"),
    },
    # The cells of a flag's own column.
    "yes_no": {
        "yes": ("Oui", "O", "X", "Vrai", "1", "Yes", "Y", "True"),
        "no": ("Non", "N", "Faux", "0", "No", "False"),
    },
    "status": {
        "in_training": ("En formation", "En cours", "Inscrit", "Inscrite"),
        "dropped": ("Abandon", "Abandonné", "Abandonnée", "Sortie anticipée"),
        "finished": ("Terminé", "Terminée", "Fin de formation", "Formation terminée"),
    },
    "dropout_reason": {
        "job": ("Emploi", "Emploi trouvé", "Reprise d'emploi", "Embauche"),
        "health": ("Santé", "Maladie", "Raisons de santé"),
        "family": ("Famille", "Raisons familiales"),
        "financial": ("Raisons financières", "Financier"),
        "motivation": ("Motivation", "Démotivation", "Manque de motivation"),
        "moved": ("Déménagement",),
        "excluded": ("Exclusion", "Exclu", "Exclue", "Renvoi"),
        "other": ("Autre", "Autre raison", "Autre motif"),
    },
    "certification": {
        "obtained": ("Obtenu", "Titre obtenu", "Admis", "Admise", "Réussi", "Validé"),
        "partial": ("Partiel", "Certains blocs", "Validation partielle"),
        "failed": ("Non obtenu", "Échec", "Ajourné", "Ajournée", "Non validé"),
        "absent": ("Absent", "Absente", "Absent·e", "Non présenté"),
        "pending": ("En attente", "À venir", "À passer"),
    },
    # The attendance import's columns (`email` as above); « Motif » is the absence's reason there (ReadingColumns).
    "attendance_column": {
        "date": ("Date", "Jour"),
        "half_day": ("Demi-journée", "Demi-journées", "Créneau", "Période", "Séance"),
        "status": ("Statut", "Présence", "État"),
        "minutes": ("Minutes", "Retard (minutes)", "Minutes de retard", "Durée (minutes)", "Min"),
        "reason": ("Motif", "Motif d'absence", "Motif de l'absence", "Raison"),
        "justified": ("Justifié", "Justifiée", "Absence justifiée", "Justification", "Justificatif"),
    },
    "half_day": {
        "am": ("Matin", "Matinée", "Mat"),
        "pm": ("Après-midi", "Aprèm", "Aprem", "AP"),
    },
    "presence": {
        "present": ("Présent", "Présente", "P"),
        "absent": ("Absent", "Absente", "Abs", "A"),
        "late": ("En retard", "Retard", "R"),
        "left_early": ("Parti plus tôt", "Partie plus tôt", "Départ anticipé", "Parti en avance", "Partie en avance"),
    },
    "absence_reason": {
        "sickness": ("Maladie", "Malade", "Arrêt maladie", "Santé"),
        "appointment": (
            "Rendez-vous",
            "RDV",
            "France Travail",
            "Pôle emploi",
            "Mission locale",
            "Cap emploi",
            "Convocation",
        ),
        "job_search": ("Recherche d'emploi", "Entretien", "Entretien d'embauche"),
        "family": ("Famille", "Familial", "Raison familiale", "Raisons familiales"),
        "transport": ("Transport", "Transports", "Problème de transport", "Grève"),
        "other": ("Autre", "Autre motif", "Autre raison"),
    },
}

# Which part of the table holds the values of each enumeration.
KINDS = {
    Gender: "gender",
    Diploma: "diploma",
    Referrer: "referrer",
    PublicFlag: "flag",
    EnrolmentStatus: "status",
    DropoutReason: "dropout_reason",
    Certification: "certification",
    HalfDay: "half_day",
    Presence: "presence",
    AbsenceReason: "absence_reason",
}
# The parts of the table that name columns, one per import; the file being read names its own (reading_columns).
COLUMN_TABLES = ("column", "attendance_column")
_reading: ContextVar[str] = ContextVar("reading_columns", default="column")
# The date formats a cell may use (besides a date cell of an XLSX file and an Excel serial number).
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d")
DATE_EXAMPLES = ("14/02/1998", "14-02-1998", "14.02.1998", "1998-02-14", "35840")


def key(text: str) -> str:
    """What two spellings of one word have in common: lower case, no accents, words of letters and digits joined
    by one space (« E-mail » and « e mail », « Bac+2 » and « bac 2 », « first_name » and « First name »)."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(re.findall(r"[^\W_]+", folded))


def words(kind: str) -> dict[str, str]:
    """key(alias) -> machine name, for one part of the table."""
    return {key(alias): name for name, aliases in ALIASES[kind].items() for alias in aliases}


class ReadingColumns:
    """`with ReadingColumns("attendance_column"):` the headers of the file read in the block are first those of that
    part of the table, where two imports give a word two meanings (« Motif »: a dropout reason in a learner file,
    the absence's reason in an attendance file)."""

    def __init__(self, table: str) -> None:
        self.table = table

    def __enter__(self) -> None:
        self.token = _reading.set(self.table)

    def __exit__(self, *_exc: object) -> None:
        _reading.reset(self.token)


def header_words() -> dict[str, str]:
    """key(header) -> machine name of the column: machine names, column aliases (those of the import reading the
    file win: ReadingColumns), and each flag's words (its own column)."""
    flags = {key(flag.value): flag.value for flag in PublicFlag} | words("flag")
    columns: dict[str, str] = {}
    for table in sorted(COLUMN_TABLES, key=lambda table: table == _reading.get()):  # the file's own last: it wins
        columns |= {key(name): name for name in ALIASES[table]} | words(table)
    return flags | columns


def template_headers(columns: tuple[str, ...]) -> list[str]:
    """The French header of each column: its first alias (a flag's first word)."""
    table = ALIASES["column"] | ALIASES["flag"]
    return [table[column][0] for column in columns]
