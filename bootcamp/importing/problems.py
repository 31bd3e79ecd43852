"""What an import finds wrong in a file: a problem at a line and column, or a file refused as a whole."""

from dataclasses import dataclass

from flask_babel import gettext as _


@dataclass(frozen=True)
class Problem:
    line: int  # 1 is the header row
    column: str
    reason: str

    def __str__(self) -> str:
        if self.column:
            return _(
                "ligne %(line)d, colonne %(column)s : %(reason)s",
                line=self.line,
                column=self.column,
                reason=self.reason,
            )
        return _("ligne %(line)d : %(reason)s", line=self.line, reason=self.reason)


class FileRefused(ValueError):
    """The file cannot be read at all (encoding, header)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(map(str, problems)))
        self.problems = problems
