"""Printable documents as PDF, on fpdf2: an A4 page with a title block, wrapped tables whose header row repeats on
each page, « Page 1 / 2 » in the footer, and the document's title, author and language in its metadata.

The text is set in the PDF core fonts (Helvetica), which every reader has, so nothing is embedded and the files
stay small. Those fonts hold the Windows-1252 characters: all of French (é, œ, Œ, ’, « », –, …, ·) is there. Any
other character is mapped to its nearest one (a narrow no-break space to a no-break space, ≥ to >=, a letter
with an accent the encoding lacks to the bare letter) or, failing that, to « ? »: a name from anywhere never
makes a document fail.
"""

import unicodedata
from collections.abc import Collection, Sequence
from datetime import datetime

from flask_babel import get_locale
from flask_babel import gettext as _
from fpdf import FPDF, FontFace
from fpdf.enums import Align, TableCellFillMode, VAlign, XPos, YPos

ENCODING = "windows-1252"  # what the core fonts' WinAnsiEncoding holds
FONT = "Helvetica"
MARGIN = 12  # mm, on every side
LINE = 5  # mm, a line of body text
NBSP = "\u00a0"
REPLACEMENTS = str.maketrans(
    {
        "\u202f": "\u00a0",  # narrow no-break space (French numbers and times) -> no-break space
        "\u2009": " ",  # thin space
        "\u2007": "\u00a0",  # figure space
        "\u2010": "-",  # hyphen
        "\u2011": "-",  # non-breaking hyphen
        "\u2212": "-",  # minus sign
        "\u2264": "<=",
        "\u2265": ">=",
        "\u2192": "->",
        "\u2190": "<-",
        "\u2713": "x",  # check mark
        "\u2714": "x",
        "\u2715": "x",
        "\u00ad": "",  # soft hyphen
    }
)


def _encodable(character: str) -> bool:
    try:
        character.encode(ENCODING)
    except UnicodeEncodeError:
        return False
    return True


def _nearest(character: str) -> str:
    """The character as Windows-1252 can write it: its base letter (ễ -> e), or « ? »."""
    if _encodable(character):
        return character
    bare = "".join(part for part in unicodedata.normalize("NFKD", character) if not unicodedata.combining(part))
    return bare if bare and all(_encodable(part) for part in bare) else "?"


def safe_text(text: str) -> str:
    """`text` with only characters the core fonts can write (see the module's docstring)."""
    text = text.translate(REPLACEMENTS)
    if _encodable(text):
        return text
    return "".join(_nearest(character) for character in text)


class Document(FPDF):
    """An A4 document of the organisation: `title` on the first page and in the metadata, the organisation's name
    as its author, « Page n / N » at the foot of every page (with `footer_note` on the left, e.g. when it was
    printed)."""

    def __init__(self, title: str, organisation: str, landscape: bool = False, footer_note: str = "") -> None:
        super().__init__(orientation="L" if landscape else "P", unit="mm", format="A4")
        self.core_fonts_encoding = ENCODING
        self.document_title = title
        self.organisation = organisation
        self.footer_note = footer_note
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN + 6)
        self.set_title(title)
        self.set_author(organisation)
        self.set_creator("Bootcamp")
        self.set_lang(str(get_locale() or "fr"))
        self.set_font(FONT, size=10)

    def normalize_text(self, text: str) -> str:
        """Every piece of text goes through here on its way to the page: keep it within the core fonts."""
        return super().normalize_text(safe_text(text))

    def header(self) -> None:
        """From the second page on, a reminder of the organisation and the document in small type."""
        if self.page_no() == 1:
            return
        self.set_font(FONT, size=8)
        self.set_text_color(90)
        self.cell(0, 4, f"{self.organisation} · {self.document_title}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0)
        self.ln(2)
        self.set_font(FONT, size=10)

    def footer(self) -> None:
        """« Page 1 / 2 », centred, with the footer note on the left."""
        self.set_y(-MARGIN - 2)
        self.set_font(FONT, size=8)
        self.set_text_color(90)
        if self.footer_note:
            self.cell(0, 4, self.footer_note, align=Align.L)
            self.set_x(self.l_margin)
        pages = _("Page %(page)s / %(pages)s", page=self.page_no(), pages=self.str_alias_nb_pages)
        self.cell(0, 4, pages, align=Align.C)
        self.set_text_color(0)

    def title_block(self, facts: Sequence[tuple[str, str]] = ()) -> None:
        """The organisation's name, the document's title, then one line per (label, value) of `facts`."""
        if self.page_no() == 0:
            self.add_page()
        self.set_font(FONT, "B", 10)
        self.set_text_color(70)
        self.multi_cell(0, LINE, self.organisation, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0)
        self.set_font(FONT, "B", 16)
        self.multi_cell(0, 9, self.document_title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, size=10)
        for name, value in facts:
            self.facts_line(name, value)
        self.ln(3)

    def facts_line(self, name: str, value: str) -> None:
        """« name : value », the name in bold (« name: value » in English)."""
        self.set_font(FONT, "B", 10)
        self.write(LINE, _("%(label)s :", label=name) + " ")
        self.set_font(FONT, size=10)
        self.multi_cell(0, LINE, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def heading(self, text: str) -> None:
        """A heading inside the document."""
        self.ln(2)
        self.set_font(FONT, "B", 12)
        self.multi_cell(0, 7, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, size=10)

    def paragraph(self, text: str, bold: bool = False, size: float = 10, align: Align = Align.L) -> None:
        """A paragraph, wrapped to the page's width."""
        self.set_font(FONT, "B" if bold else "", size)
        self.multi_cell(0, LINE * size / 10, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, size=10)
        self.ln(1.5)

    def table_of(
        self,
        headings: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        font_size: float = 8,
        bold_rows: Collection[int] = (),
    ) -> None:
        """A table: `headings` in a shaded row repeated on top of each page, then `rows` (a cell's text wraps, and
        may hold line breaks); `widths` are relative; the rows whose index is in `bold_rows` are in bold."""
        self.set_font(FONT, size=font_size)
        heading_style = FontFace(emphasis="BOLD", fill_color=(225, 225, 225))
        bold = FontFace(emphasis="BOLD")
        with self.table(
            col_widths=tuple(widths),
            text_align=Align.L,
            v_align=VAlign.T,
            line_height=font_size * 0.5,
            padding=1,
            headings_style=heading_style,
            repeat_headings=1,
            cell_fill_mode=TableCellFillMode.NONE,
        ) as table:
            heading_row = table.row()
            for heading in headings:
                heading_row.cell(heading)
            for index, cells in enumerate(rows):
                row = table.row(style=bold if index in bold_rows else None)
                for text in cells:
                    row.cell(text)
        self.set_font(FONT, size=10)
        self.ln(2)

    def signature_block(self, place_and_date: str, name: str, caption: str, height: float = 28) -> None:
        """On the right half: where and when, who signs, what is expected (« signature et cachet »), and room to
        sign above a line; kept together on one page."""
        needed = 3 * LINE + height + 4
        if self.will_page_break(needed):
            self.add_page()
        width = (self.w - self.l_margin - self.r_margin) / 2
        left = self.w - self.r_margin - width
        self.ln(3)
        for text, style in ((place_and_date, ""), (name, "B"), (caption, "I")):
            self.set_x(left)
            self.set_font(FONT, style, 10)
            self.multi_cell(width, LINE, text, new_x=XPos.LEFT, new_y=YPos.NEXT)
        top = self.get_y()
        self.line(left, top + height, left + width, top + height)
        self.set_y(top + height + 2)
        self.set_font(FONT, size=10)

    def to_bytes(self) -> bytes:
        """The finished PDF file."""
        if self.page_no() == 0:
            self.add_page()
        return bytes(self.output())


def printed_on(moment: datetime) -> str:
    """« Édité le 26/11/2026 à 14 h 05 », for a document's footer."""
    return _(
        "Édité le %(day)s à %(time)s", day=moment.strftime("%d/%m/%Y"), time=clock(moment.hour, moment.minute)
    )


def clock(hour: int, minute: int) -> str:
    """A time of day as people write it: « 9 h 02 » (in English 9:02), never split across two lines."""
    return _("%(hour)d h %(minute)02d", hour=hour, minute=minute).replace(" ", NBSP)
