"""The demo's public page: the DWWM programme's, published at /p/dwwm, with the indicator-1 texts a small Lozère
school would write (its figures are the demo's own, computed). Written by the demo's manager, as the journal says."""

from datetime import date

from . import audit
from .extensions import db
from .models import Programme
from .models.public import Licence, ProgrammePage
from .public.pages import ENTITY, FIELDS

SLUG = "dwwm"
# The contacts use a number ARCEP keeps for fiction (04 65 71 xx xx) and a domain that reaches nobody.
TEXTS = {
    "summary": (
        "Dix mois pour devenir développeur ou développeuse web à Mende, Montpellier ou Alès : un titre professionnel "
        "de niveau 5 (bac+2), gratuit pour les demandeurs et demandeuses d'emploi, stage en entreprise compris."
    ),
    "objectives": (
        "Préparer le titre professionnel « Développeur web et web mobile » (niveau 5) et trouver un premier emploi "
        "dans le numérique.\n"
        "À l'issue de la formation, vous saurez :\n"
        "- maquetter et réaliser des interfaces web statiques et dynamiques, adaptées aux mobiles et accessibles ;\n"
        "- développer la partie serveur d'une application web : base de données, accès aux données, composants "
        "métier ;\n"
        "- travailler en équipe avec les outils du métier (Git, tickets, revue de code) et dans le respect de la "
        "sécurité et de l'éco-conception."
    ),
    "prerequisites": (
        "Aucun diplôme n'est exigé. Il faut être à l'aise avec l'ordinateur, aimer résoudre des problèmes, et "
        "pouvoir suivre une formation à temps plein pendant dix mois. Avoir découvert le code en autodidacte "
        "(tutoriels, petits sites) est un plus, pas une obligation."
    ),
    "duration": (
        "10 mois, soit environ 1 550 heures : 1 200 heures en centre et 350 heures de stage en entreprise "
        "(10 semaines).\n"
        "Du lundi au vendredi, de 9 h à 17 h, 35 heures par semaine, en présentiel ; fermeture entre Noël et le "
        "jour de l'An."
    ),
    "admission": (
        "Deux rentrées par an, en février et en septembre, à Mende, Montpellier et Alès.\n"
        "1. Une réunion d'information collective (chaque mois, en présentiel ou en visio).\n"
        "2. Des tests de logique et une petite épreuve de code accompagnée, sans prérequis technique.\n"
        "3. Un entretien de motivation avec l'équipe pédagogique.\n"
        "La réponse est donnée sous quinze jours après l'entretien ; les inscriptions ferment un mois avant chaque "
        "rentrée."
    ),
    "price": (
        "Gratuit pour les demandeurs et demandeuses d'emploi : la formation est financée par la Région Occitanie et "
        "France Travail, qui peut aussi rémunérer les stagiaires pendant la formation selon leur situation.\n"
        "Pour les autres publics (salarié·es en reconversion, CPF, Transitions Pro) : 9 800 € net de taxe, "
        "devis sur demande."
    ),
    "contacts": (
        "Accueil et inscriptions : 04 65 71 12 34, du lundi au vendredi de 9 h à 12 h.\n"
        "Par e-mail : formation@example.org\n"
        "Sur place : 4 place de la Halle, 48000 Mende."
    ),
    "methods": (
        "Une pédagogie active, par projets : chaque mois un projet proche de ceux des entreprises, seul·e ou en "
        "équipe, avec des ateliers, des revues de code et des retours individuels des formateurs et formatrices.\n"
        "Un suivi personnalisé : un point individuel chaque mois, un accompagnement à la recherche de stage puis "
        "d'emploi, des rencontres avec des entreprises du territoire.\n"
        "Chaque stagiaire dispose d'un ordinateur portable pendant la formation."
    ),
    "assessment": (
        "En cours de formation : les évaluations en cours de formation (ECF) de chaque bloc de compétences, "
        "consignées dans le livret d'évaluation, et les projets notés.\n"
        "En fin de formation : l'examen du titre professionnel devant un jury de professionnel·les (mise en "
        "situation, présentation d'un projet, entretien), à partir du dossier professionnel (DP) que chaque "
        "candidat·e constitue pendant la formation. Chaque bloc peut être validé séparément."
    ),
    "accessibility": (
        "Nos locaux sont de plain-pied et accessibles aux personnes à mobilité réduite.\n"
        "Un·e référent·e handicap vous reçoit avant l'entrée en formation pour étudier les adaptations possibles "
        "(horaires, matériel, rythme, aménagement des épreuves de l'examen), avec l'Agefiph et Cap emploi si "
        "besoin : contactez l'accueil pour un rendez-vous."
    ),
}


def add_public_page(programme: Programme, manager_id: int) -> ProgrammePage:
    """The programme's page, published, and the journal's entry of its creation by the manager."""
    page = ProgrammePage(
        programme_id=programme.id,
        slug=SLUG,
        published=True,
        certifier="Ministère du Travail, du Plein emploi et de l'Insertion",
        registration_date=date(2023, 7, 21),
        licence=Licence.ETALAB_2_0,
        **TEXTS,
    )
    db.session.add(page)
    db.session.flush()
    audit.record(ENTITY, page.id, "create", None, audit.snapshot(page, FIELDS)).actor_id = manager_id
    return page
