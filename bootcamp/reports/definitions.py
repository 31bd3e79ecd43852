"""What the dashboard's figures mean, the one text of each, shown beside them: on the dashboard and its pages, in
the people's exports and on the programmes' public pages (bootcamp/public)."""

from flask_babel import gettext as _


def definitions(point: int) -> dict[str, str]:
    """What each headline figure means (DOMAIN.md), shown beside it."""
    after = _("à la sortie") if point == 0 else _("%(n)d mois après la sortie", n=point)
    return {
        "entrants": _("Personnes entrées en formation dans les promotions retenues."),
        "completion_rate": _("Personnes qui ont terminé la formation / personnes entrées."),
        "dropout_rate": _("Personnes qui ont abandonné la formation / personnes entrées."),
        "certification_rate": _(
            "Titre obtenu / personnes présentées à l'examen (obtenu, certains blocs, non obtenu), d'après les "
            "résultats par bloc des sessions tenues à cette date, rattrapages dans l'année compris."
        ),
        "employment_rate": _(
            "Personnes en emploi %(after)s / personnes sorties de formation dont la situation est connue.", after=after
        ),
        "positive_rate": _(
            "Personnes en emploi ou en formation %(after)s / personnes sorties dont la situation est connue.",
            after=after,
        ),
        "durable_rate": _(
            "CDI, CDD ou intérim de 6 mois ou plus, création d'entreprise %(after)s / situation connue.", after=after
        ),
        "response_rate": _(
            "Personnes dont la situation %(after)s est connue / personnes sorties de formation pour qui cette date est "
            "passée.",
            after=after,
        ),
        "conservative_employment_rate": _(
            "En emploi / tous les sortant·es dont le relevé est échu : les personnes sans nouvelles comptent comme "
            "sans emploi (norme CIRR)."
        ),
    }


def certification_definitions() -> dict[str, str]:
    """What the certification figures mean (DOMAIN.md « Certification », certification/results.py): the one text,
    shown beside them on the page."""
    return {
        "candidates": _(
            "Personnes inscrites à au moins une session d'examen commencée à cette date. Le titre est obtenu quand "
            "chaque bloc est acquis, aux sessions tenues dans l'année qui suit la première ; certains blocs "
            "seulement : titre partiel ; aucun : non obtenu."
        ),
        "pass_rate": _(
            "Titre obtenu / personnes présentées (titre obtenu, partiel ou non obtenu ; ni absentes, ni en attente "
            "de résultat), rattrapages de l'année compris."
        ),
        "first_attempt_pass_rate": _(
            "Titre obtenu dès la première session / personnes présentées à leur première session (au moins un bloc "
            "acquis ou non acquis)."
        ),
        "block": _("Pour chaque bloc : bloc acquis / personnes présentées à ce bloc (acquis ou non acquis)."),
        "block_first_attempt": _("À la première tentative : à la première session qui a examiné le bloc."),
    }


def satisfaction_definitions() -> dict[str, str]:
    """What the satisfaction figures mean (DOMAIN.md « Satisfaction », reports/satisfaction.py): the one text,
    shown beside them on the page and the dashboard."""
    return {
        "invited": _(
            "Personnes invitées à répondre au questionnaire des promotions choisies : « à chaud » pendant la "
            "dernière semaine de formation, « à froid » six mois après la fin."
        ),
        "response_rate": _("Réponses / personnes invitées."),
        "satisfaction_rate": _(
            "Réponses « d'accord » ou « tout à fait d'accord » (4 ou 5 sur 5) à l'affirmation sur la formation dans "
            "son ensemble / réponses."
        ),
        "groups": _(
            "Les réponses sont anonymes : elles comptent dans les groupes du profil enregistré avec la réponse "
            "(genre, tranche d'âge, publics), les personnes invitées dans ceux de leur fiche ; une personne compte "
            "dans chacun de ses publics."
        ),
    }
