"""Files people upload (a proof of absence; later hand-ins and placement agreements): checked where they enter,
kept in the database (StoredFile), served only as a download.

- The type comes from the file's first bytes (PDF, JPEG, PNG), never from its name nor from the type the browser
  sends: a PNG named .pdf is kept as a PNG (and renamed .png), an HTML page or a program named .pdf is refused.
- At most MAX_UPLOAD_BYTES (5 MB; config.py): no more than that and one byte is read to tell; an empty file is
  refused. A request larger than MAX_CONTENT_LENGTH (the file and the rest of its form) answers 413 before any
  view runs (errors.py).
- The name is cleaned: no folder, no control character, at most MAX_NAME_LENGTH characters, and the extension of
  the type found.
- Served with `Content-Disposition: attachment` (the name as RFC 5987 `filename*`, and a plain ASCII fallback),
  the stored type, `X-Content-Type-Options: nosniff`, and never kept by a cache.

Nothing of a file's name or content goes to the logs or the journal: `described()` gives its type and size only.
"""

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from flask import Response, current_app
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_wtf.file import FileField
from sqlalchemy.orm import undefer
from werkzeug.datastructures import FileStorage

from .audit import actor_id
from .extensions import db
from .models import StoredFile

MEGABYTE = 1024 * 1024
MAX_NAME_LENGTH = 120  # a file name as kept and served (the column holds 255)
DEFAULT_NAME = "fichier"


@dataclass(frozen=True)
class FileType:
    content_type: str
    extensions: tuple[str, ...]  # the first one is given to a name that has none of them
    signature: bytes  # how the file starts
    name: str  # for messages


PDF = FileType("application/pdf", (".pdf",), b"%PDF-", "PDF")
JPEG = FileType("image/jpeg", (".jpg", ".jpeg"), b"\xff\xd8\xff", "JPEG")
PNG = FileType("image/png", (".png",), b"\x89PNG\r\n\x1a\n", "PNG")
PROOF_TYPES = (PDF, JPEG, PNG)  # a proof of absence, a scan or a photo of one


class UploadError(ValueError):
    """A file refused, with why in one French line (shown next to the form's field)."""


@dataclass(frozen=True)
class Upload:
    """A file that passed the checks, not yet stored."""

    filename: str
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def max_upload_bytes() -> int:
    """The largest file accepted, in bytes (config MAX_UPLOAD_BYTES: 5 MB)."""
    return int(current_app.config["MAX_UPLOAD_BYTES"])


def megabytes(size: int) -> str:
    """« 5 Mo », « 1,2 Mo » (binary megabytes, as the limit is counted)."""
    return _("%(size)s Mo", size=format_decimal(size / MEGABYTE, "0.#"))


def human_size(size: int) -> str:
    """« 120 ko », « 1,2 Mo »: a file's size on a page."""
    if size < MEGABYTE:
        return _("%(size)s ko", size=format_decimal(max(1, round(size / 1024)), "0"))
    return megabytes(size)


def type_name(content_type: str | None) -> str:
    """« PDF », « JPEG », « PNG »: a stored file's type in a word."""
    return next((kind.name for kind in PROOF_TYPES if kind.content_type == content_type), content_type or "")


def accept(types: tuple[FileType, ...] = PROOF_TYPES) -> str:
    """The `accept` attribute of a file input for these types (a hint for the browser's picker; the check is ours)."""
    return ",".join([*(extension for kind in types for extension in kind.extensions), *(k.content_type for k in types)])


def in_words(types: tuple[FileType, ...] = PROOF_TYPES) -> str:
    """« PDF, JPEG ou PNG »."""
    names = [kind.name for kind in types]
    if len(names) == 1:
        return names[0]
    return _("%(first)s ou %(last)s", first=", ".join(names[:-1]), last=names[-1])


def type_of(data: bytes, types: tuple[FileType, ...] = PROOF_TYPES) -> FileType | None:
    """The type whose signature the bytes start with, among `types`; None for anything else."""
    return next((kind for kind in types if data.startswith(kind.signature)), None)


def clean_filename(name: str | None, kind: FileType) -> str:
    """A name fit to keep and to serve: the last part of any path, without control or invisible characters nor
    leading dots, at most MAX_NAME_LENGTH characters, ending with an extension of `kind`."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(" " if unicodedata.category(char)[0] in "CZ" else char for char in name)
    name = re.sub(r"\s+", " ", name).strip().lstrip(".").strip()
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    if f".{extension.lower()}" not in kind.extensions:
        stem = name if extension.lower() not in {"pdf", "jpg", "jpeg", "png"} else stem
        extension = kind.extensions[0][1:]
    stem = stem.strip()[: MAX_NAME_LENGTH - len(extension) - 1].strip() or DEFAULT_NAME
    return f"{stem}.{extension.lower()}"


def read_upload(storage: FileStorage | None, types: tuple[FileType, ...] = PROOF_TYPES) -> Upload | None:
    """The file of a form's field, checked; None when none was chosen. Raises UploadError with the reason."""
    if storage is None or (not storage.filename and _empty(storage)):
        return None
    limit = max_upload_bytes()
    data = storage.stream.read(limit + 1)
    if not data:
        raise UploadError(_("Le fichier est vide : choisissez le bon fichier."))
    if len(data) > limit:
        raise UploadError(_("Fichier trop gros : %(limit)s au plus.", limit=megabytes(limit)))
    kind = type_of(data, types)
    if kind is None:
        accepted = in_words(types)
        raise UploadError(_("Type de fichier refusé : seuls les fichiers %(types)s sont acceptés.", types=accepted))
    return Upload(clean_filename(storage.filename, kind), kind.content_type, data)


def _empty(storage: FileStorage) -> bool:
    """Whether a part without a file name holds no byte (a file input left empty)."""
    first = storage.stream.read(1)
    storage.stream.seek(0)
    return not first


def store(upload: Upload) -> StoredFile:
    """Keep a checked file in the database (the caller's transaction commits it), with who sent it."""
    stored = StoredFile(
        filename=upload.filename,
        content_type=upload.content_type,
        size=upload.size,
        sha256=upload.sha256,
        data=upload.data,
        uploaded_by_id=actor_id(),
    )
    db.session.add(stored)
    return stored


def described(stored: StoredFile | Upload | None) -> dict[str, Any]:
    """What the journal keeps of a file: its type and size, never its name nor content."""
    if stored is None:
        return {"proof_type": None, "proof_size": None}
    return {"proof_type": stored.content_type, "proof_size": stored.size}


def _ascii_name(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    plain = re.sub(r"[^A-Za-z0-9 ._()-]", "_", plain).strip()
    return plain if plain.partition(".")[0] else DEFAULT_NAME + plain


def disposition(name: str) -> str:
    """`attachment` with the name: an ASCII fallback, and the exact name as RFC 5987 `filename*` (UTF-8)."""
    return f"attachment; filename=\"{_ascii_name(name)}\"; filename*=UTF-8''{quote(name, safe='')}"


def load(file_id: int | None) -> StoredFile | None:
    """A stored file with its bytes (deferred otherwise), or None when there is none: the caller answers 404."""
    return None if file_id is None else db.session.get(StoredFile, file_id, options=[undefer(StoredFile.data)])


def serve(stored: StoredFile) -> Response:
    """A stored file as a download: its type, never shown in the browser nor guessed from its bytes, never
    kept by a cache."""
    response = Response(stored.data, mimetype=stored.content_type)
    response.headers["Content-Disposition"] = disposition(stored.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


class UploadField(FileField):
    """A file input whose data is the checked Upload (None when no file was chosen); a refused file is an error
    of the field, in one line."""

    def __init__(
        self, label: Any = None, validators: Any = None, types: tuple[FileType, ...] = PROOF_TYPES, **kwargs: Any
    ) -> None:
        render_kw = {"accept": accept(types), **kwargs.pop("render_kw", {})}
        super().__init__(label, validators, render_kw=render_kw, **kwargs)
        self.types = types

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
        storage = next((value for value in valuelist if isinstance(value, FileStorage)), None)
        try:
            self.data = read_upload(storage, self.types)
        except UploadError as error:
            raise ValueError(str(error)) from None
