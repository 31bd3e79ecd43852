"""The livret d'évaluation as a PDF, laid out like the ministry's form of the titre professionnel.

A cover (the title and its RNCP code, the candidate, the organisation, the training period, each block's result),
then for each block of the programme, from a new page: its code, title and competencies; the table of evaluation
situations (date, situation, competencies assessed, result, points to watch and competencies to reassess,
assessors) and the table of reassessments; the block's result (« maîtrisé / non maîtrisé »); the summary
(observations, assessors, the organisation's legal representative); the signature boxes (assessors, legal
representative, candidate) and the day the livret was handed to the candidate.

What the livret holds comes from bootcamp/certification/livret.py alone (a fixed number of queries whatever the
number of learners). What the trainer has not decided prints as « à décider », an empty text as « — »: nothing is
invented. A table row never grows taller than MAX_CELL_LINES lines: the rest of a long text follows the table,
under « Suite des textes », where it breaks across pages like any paragraph.
"""

import re
from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _
from fpdf import FontFace
from fpdf.enums import Align, TableCellFillMode, VAlign, XPos, YPos
from sqlalchemy.orm import joinedload

from .. import dates
from ..certification.livret import Livret, LivretBlock, livrets
from ..extensions import db
from ..learners.names import by_name, folded
from ..models import Cohort, EcfKind, EcfSituation, Enrolment
from ..pdf import FONT, LINE, Document, printed_on

EMPTY = "—"
TABLE_FONT = 8  # pt, the situations' tables
PADDING = 1  # mm, inside each cell
MAX_CELL_LINES = 24  # lines of a table cell at most; the rest follows the table (« Suite des textes »)
SITUATION_WIDTHS = (17, 50, 24, 21, 42, 32)  # relative widths of the situations' columns
SIGNATURE_HEIGHT = 24  # mm, the room to sign in each box
LABEL_FILL = (235, 235, 235)


def undecided() -> str:
    return _("à décider")


def _long(day: date) -> str:
    return format_date(day, "d MMMM yyyy")


def _short(day: date) -> str:
    return format_date(day, "short")


def _or_empty(text: str) -> str:
    return text.strip() or EMPTY


def situation_result(situation: EcfSituation) -> str:
    """« satisfaisant », « non satisfaisant » or « à décider »."""
    if situation.satisfactory is None:
        return undecided()
    return _("satisfaisant") if situation.satisfactory else _("non satisfaisant")


def block_result(part: LivretBlock) -> str:
    """The trainer's decision in the block's summary: « maîtrisé », « non maîtrisé », or « à décider » (a
    situation's result is never taken for the block's)."""
    mastered = part.summary.mastered if part.summary is not None else None
    if mastered is None:
        return undecided()
    return _("maîtrisé") if mastered else _("non maîtrisé")


class LivretDocument(Document):
    """A Document whose running header names the candidate of the current livret (none on a cover)."""

    def __init__(self, organisation: str) -> None:
        super().__init__(_("Livret d'évaluation"), organisation, footer_note=printed_on(dates.now()))
        self.candidate = ""
        self.on_cover = False

    def header(self) -> None:
        if self.on_cover:
            return
        self.set_font(FONT, size=8)
        self.set_text_color(90)
        parts = (self.organisation, self.document_title, self.candidate)
        self.cell(0, 4, " · ".join(part for part in parts if part), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0)
        self.ln(2)
        self.set_font(FONT, size=10)

    def grid(self, rows: Sequence[tuple[str, str]], label_width: float = 55, strong: int | None = None) -> None:
        """A bordered form: one row per (label, value), the label shaded on the left; values wrap; the value of
        row `strong` in bold."""
        self.set_font(FONT, size=9)
        label_style = FontFace(emphasis="BOLD", fill_color=LABEL_FILL)
        with self.table(
            col_widths=(label_width, self.epw - label_width),
            first_row_as_headings=False,
            text_align=Align.L,
            v_align=VAlign.T,
            line_height=4.5,
            padding=1.5,
            cell_fill_mode=TableCellFillMode.NONE,
        ) as table:
            for index, (name, value) in enumerate(rows):
                row = table.row()
                row.cell(name, style=label_style)
                row.cell(value, style=FontFace(emphasis="BOLD") if index == strong else None)
        self.set_font(FONT, size=10)
        self.ln(3)


# Fitting long texts into table cells ---------------------------------------------------------------------------


class Overflow:
    """The texts cut from table cells, to print in full after the table, numbered in order."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []  # (what it continues, the rest of the text)

    def fit(self, document: Document, text: str, width: float, what: str) -> str:
        """`text` as it fits in a cell `width` mm wide, at most MAX_CELL_LINES lines; what is cut is kept here and
        the cell says where it goes on."""
        lines = _lines(document, text, width)
        if lines <= MAX_CELL_LINES:
            return text
        note = " […] " + _("(suite n° %(number)d après le tableau)", number=len(self.items) + 1)
        budget = int(len(text) * MAX_CELL_LINES / lines)
        shown = _word_cut(text, budget)
        while budget > 1 and _lines(document, shown + note, width) > MAX_CELL_LINES:
            budget = int(budget * 0.9)
            shown = _word_cut(text, budget)
        self.items.append((what, text[len(shown) :].strip()))
        return shown.rstrip() + note

    def print(self, document: Document) -> None:
        """« Suite des textes »: each rest under what it continues, wrapping and breaking across pages."""
        if not self.items:
            return
        document.ln(1)
        document.set_font(FONT, "B", 9)
        document.multi_cell(0, LINE, _("Suite des textes"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        for number, (what, rest) in enumerate(self.items, start=1):
            document.paragraph(_("%(number)d. %(what)s (suite) :", number=number, what=what), bold=True, size=8)
            document.paragraph(rest, size=8)
        self.items.clear()


def _lines(document: Document, text: str, width: float) -> int:
    """How many lines `text` takes in a table cell `width` mm wide."""
    document.set_font(FONT, size=TABLE_FONT)
    return len(document.multi_cell(width - 2 * PADDING, TABLE_FONT * 0.5, text, dry_run=True, output="LINES"))


def _word_cut(text: str, budget: int) -> str:
    """The first `budget` characters of `text` at most, ending at a space when there is one in the second half."""
    space = max(text.rfind(" ", 0, budget), text.rfind("\n", 0, budget))
    return text[: space if space > budget // 2 else budget]


# The block's pages ---------------------------------------------------------------------------------------------


def _assessors(situation: EcfSituation) -> str:
    names = [name.strip() for name in (situation.first_assessor, situation.second_assessor) if name.strip()]
    return "\n".join(names) or EMPTY


def _points(situation: EcfSituation) -> str:
    """The points to watch, then the competencies to reassess."""
    again = [link.competency.code for link in situation.competencies if link.to_reassess]
    parts = [situation.points_to_watch.strip()]
    if again:
        parts.append(_("À réévaluer : %(codes)s", codes=", ".join(again)))
    return "\n".join(part for part in parts if part) or EMPTY


def _situation_row(document: Document, situation: EcfSituation, overflow: Overflow) -> list[str]:
    unit = document.epw / sum(SITUATION_WIDTHS)
    when = _short(situation.held_on)
    return [
        when,
        overflow.fit(
            document, _or_empty(situation.description), SITUATION_WIDTHS[1] * unit, _("Situation du %(day)s", day=when)
        ),
        ", ".join(link.competency.code for link in situation.competencies) or EMPTY,
        situation_result(situation),
        overflow.fit(
            document, _points(situation), SITUATION_WIDTHS[4] * unit, _("Points à surveiller du %(day)s", day=when)
        ),
        _assessors(situation),
    ]


def _situations_table(document: LivretDocument, title: str, situations: list[EcfSituation], empty: str) -> None:
    document.heading(title)
    if not situations:
        document.paragraph(empty, size=9)
        return
    headings = [
        _("Date"),
        _("Situation d'évaluation"),
        _("Compétences évaluées"),
        _("Résultat"),
        _("Points à surveiller, compétences à réévaluer"),
        _("Évaluateur·rices"),
    ]
    overflow = Overflow()
    rows = [_situation_row(document, situation, overflow) for situation in situations]
    document.table_of(headings, rows, SITUATION_WIDTHS, font_size=TABLE_FONT)
    overflow.print(document)


def _block_heading(document: LivretDocument, part: LivretBlock) -> None:
    block = part.block
    document.set_font(FONT, "B", 13)
    document.multi_cell(0, 6.5, _("Bloc de compétences %(code)s", code=block.code), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    document.set_font(FONT, "B", 11)
    document.multi_cell(0, 5.5, block.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    document.ln(1)
    competencies = "\n".join(f"{competency.code}  {competency.title}" for competency in block.competencies)
    if competencies:
        document.paragraph(_("Compétences du bloc :"), bold=True, size=9)
        document.paragraph(competencies, size=9)


def _summary(document: LivretDocument, part: LivretBlock) -> None:
    summary = part.summary
    document.heading(_("Synthèse de l'évaluation du bloc"))
    document.grid(
        [
            (_("Résultat du bloc"), block_result(part)),
            (_("Observations"), _or_empty(summary.observations) if summary else EMPTY),
            (_("Évaluateur·rices"), _or_empty(summary.assessors) if summary else EMPTY),
            (_("Représentant·e légal·e de l'organisme"), _or_empty(summary.legal_representative) if summary else EMPTY),
        ],
        strong=0,
    )


def _signatures(document: LivretDocument, part: LivretBlock, candidate: str) -> None:
    """Three boxes side by side (assessors, legal representative, candidate), kept on one page, then the day the
    livret was handed to the candidate."""
    summary = part.summary
    boxes = [
        (_("Les évaluateur·rices"), summary.assessors.strip() if summary else ""),
        (_("Le ou la représentant·e légal·e de l'organisme"), summary.legal_representative.strip() if summary else ""),
        (_("Le ou la candidat·e"), candidate),
    ]
    height = 4 * LINE + SIGNATURE_HEIGHT + 2 * LINE
    if document.will_page_break(height):
        document.add_page()
    width = document.epw / len(boxes)
    top = document.get_y()
    for index, (who, name) in enumerate(boxes):
        left = document.l_margin + index * width
        document.set_xy(left + 1.5, top + 1.5)
        document.set_font(FONT, "B", 8.5)
        document.multi_cell(width - 3, 4, who, align=Align.L, new_x=XPos.LEFT, new_y=YPos.NEXT)
        document.set_font(FONT, size=8.5)
        document.multi_cell(width - 3, 4, name or " ", align=Align.L, new_x=XPos.LEFT, new_y=YPos.NEXT)
        document.set_font(FONT, "I", 8)
        document.multi_cell(width - 3, 4, _("Date et signature"), align=Align.L, new_x=XPos.LEFT, new_y=YPos.NEXT)
    bottom = top + 4 * LINE + SIGNATURE_HEIGHT
    for index in range(len(boxes)):
        document.rect(document.l_margin + index * width, top, width, bottom - top)
    document.set_xy(document.l_margin, bottom + 3)
    handed = summary.handed_on if summary else None
    document.set_font(FONT, size=10)
    document.facts_line(
        _("Livret remis au ou à la candidat·e le"), _long(handed) if handed is not None else undecided()
    )


def _block_pages(document: LivretDocument, part: LivretBlock, candidate: str) -> None:
    document.add_page()
    _block_heading(document, part)
    evaluations = [situation for situation in part.situations if situation.kind == EcfKind.EVALUATION]
    reassessments = [situation for situation in part.situations if situation.kind == EcfKind.REASSESSMENT]
    _situations_table(
        document,
        _("Évaluations en cours de formation"),
        evaluations,
        _("Aucune situation d'évaluation enregistrée pour ce bloc."),
    )
    _situations_table(document, _("Réévaluations"), reassessments, _("Aucune réévaluation pour ce bloc."))
    _summary(document, part)
    _signatures(document, part, candidate)


# The cover and the files ---------------------------------------------------------------------------------------


def candidate_name(enrolment: Enrolment) -> str:
    learner = enrolment.learner
    return f"{learner.first_name} {learner.last_name}"


def training_period(enrolment: Enrolment) -> str:
    """From the cohort's start to the learner's exit, or to the cohort's planned end."""
    last = enrolment.exit_date or enrolment.cohort.end_date
    return _("du %(first)s au %(last)s", first=_long(enrolment.cohort.start_date), last=_long(last))


def _title_lines(document: LivretDocument, enrolment: Enrolment) -> None:
    programme = enrolment.cohort.programme
    document.set_font(FONT, "B", 10)
    document.set_text_color(70)
    document.multi_cell(0, LINE, document.organisation, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    document.set_text_color(0)
    document.ln(14)
    document.set_font(FONT, "B", 22)
    document.multi_cell(0, 11, document.document_title, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    document.set_font(FONT, "B", 13)
    title = _("Titre professionnel « %(title)s »", title=programme.title)
    document.multi_cell(0, 7, title, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    document.set_font(FONT, size=11)
    code = _("Code RNCP : %(code)s", code=programme.rncp_code)
    if programme.level:
        code += " · " + _("niveau %(level)d", level=programme.level)
    document.multi_cell(0, 6, code, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    document.ln(10)


def _cover(document: LivretDocument, part: Livret) -> None:
    enrolment = part.enrolment
    config = current_app.config
    document.on_cover = True
    document.add_page()
    _title_lines(document, enrolment)
    document.heading(_("Candidat·e"))
    document.grid([(_("Nom"), enrolment.learner.last_name), (_("Prénom"), enrolment.learner.first_name)])
    document.heading(_("Organisme de formation"))
    document.grid(
        [
            (_("Nom"), config["ORGANISATION_NAME"]),
            (_("Adresse"), config["ORGANISATION_ADDRESS"]),
            (_("Promotion"), f"{enrolment.cohort.name}, {enrolment.cohort.site.name}"),
            (_("Période de formation"), training_period(enrolment)),
        ]
    )
    document.heading(_("Résultats des évaluations en cours de formation"))
    if part.blocks:
        rows = [[item.block.code, item.block.title, block_result(item)] for item in part.blocks]
        document.table_of([_("Bloc"), _("Intitulé"), _("Résultat du bloc")], rows, (35, 110, 41), font_size=9)
    else:
        document.paragraph(_("Le programme n'a pas de bloc de compétences."), size=9)
    document.paragraph(
        _(
            "Ce livret rassemble, pour chaque bloc de compétences du titre, les situations d'évaluation passées en "
            "cours de formation, leurs résultats et la synthèse de l'organisme de formation. Il est remis au ou à la "
            "candidat·e et présenté au jury du titre professionnel. « %(undecided)s » : pas encore décidé par "
            "l'équipe pédagogique.",
            undecided=undecided(),
        ),
        size=8,
    )
    document.on_cover = False


def _add_livret(document: LivretDocument, part: Livret) -> None:
    document.candidate = candidate_name(part.enrolment)
    _cover(document, part)
    for block in part.blocks:
        _block_pages(document, block, document.candidate)


def learner_pdf(enrolment: Enrolment) -> bytes:
    """One learner's livret (eight queries)."""
    document = LivretDocument(current_app.config["ORGANISATION_NAME"])
    document.set_subject(candidate_name(enrolment))
    _add_livret(document, livrets([enrolment])[enrolment.id])
    return document.to_bytes()


def cohort_enrolments(cohort: Cohort) -> list[Enrolment]:
    """Every learner of the cohort, by name (one query)."""
    enrolments = db.session.scalars(
        sa.select(Enrolment).options(joinedload(Enrolment.learner)).where(Enrolment.cohort_id == cohort.id)
    ).all()
    return sorted(enrolments, key=lambda enrolment: by_name(enrolment.learner))


def cohort_pdf(cohort: Cohort) -> bytes:
    """The livrets of every learner of the cohort in one file, each from a new page (nine queries whatever their
    number)."""
    document = LivretDocument(current_app.config["ORGANISATION_NAME"])
    document.set_subject(cohort.name)
    enrolments = cohort_enrolments(cohort)
    parts = livrets(enrolments)
    for enrolment in enrolments:
        _add_livret(document, parts[enrolment.id])
    if not enrolments:
        document.add_page()
        document.heading(cohort.name)
        document.paragraph(_("Aucun·e apprenant·e dans cette promotion pour l'instant."))
    return document.to_bytes()


def _slug(text: str, default: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", folded(text)).strip("-") or default


def learner_filename(enrolment: Enrolment) -> str:
    """« livret-evaluation-12-lefevre.pdf »."""
    return f"livret-evaluation-{enrolment.learner_id}-{_slug(enrolment.learner.last_name, 'apprenant')}.pdf"


def cohort_filename(cohort: Cohort) -> str:
    """« livrets-evaluation-mende-2026-automne.pdf »."""
    return f"livrets-evaluation-{_slug(cohort.name, str(cohort.id))}.pdf"
