"""Uploaded files (bootcamp/files.py): the type from the bytes, the size, the name, the download's headers, and the
request size the app accepts."""

import io

import pytest
from flask import Flask
from werkzeug.datastructures import FileStorage

from bootcamp import files
from bootcamp.files import JPEG, PDF, PNG, UploadError, clean_filename, disposition, read_upload

from .conftest import AuthActions, csrf_token

MB = 1024 * 1024
PDF_BYTES = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(40)
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(40)
HTML_BYTES = b"<!doctype html><title>x</title><script>alert(document.cookie)</script>"
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00" + bytes(60) + b"This program cannot be run in DOS mode."


def _storage(data: bytes, name: str = "justificatif.pdf", content_type: str = "application/pdf") -> FileStorage:
    return FileStorage(io.BytesIO(data), filename=name, content_type=content_type)


def _read(app: Flask, data: bytes, name: str = "justificatif.pdf", content_type: str = "application/pdf"):
    with app.test_request_context():
        return read_upload(_storage(data, name, content_type))


def _refusal(app: Flask, data: bytes, name: str = "justificatif.pdf") -> str:
    with app.test_request_context():
        with pytest.raises(UploadError) as refused:
            read_upload(_storage(data, name))
    message = str(refused.value)
    assert "\n" not in message and message.endswith(".")
    return message


@pytest.mark.parametrize(
    ("data", "name", "kind", "kept_as"),
    [
        (PDF_BYTES, "arrêt de travail.pdf", PDF, "arrêt de travail.pdf"),
        (JPEG_BYTES, "photo.JPEG", JPEG, "photo.jpeg"),
        (PNG_BYTES, "scan.pdf", PNG, "scan.png"),  # a PNG renamed .pdf stays a PNG, and is named so
        (PDF_BYTES, "convocation", PDF, "convocation.pdf"),
        (JPEG_BYTES, "IMG_2041.heic.jpg", JPEG, "IMG_2041.heic.jpg"),
    ],
)
def test_the_type_comes_from_the_bytes_not_the_name(app: Flask, data, name, kind, kept_as) -> None:
    upload = _read(app, data, name, content_type="text/html")  # whatever the browser says
    assert (upload.content_type, upload.filename, upload.size) == (kind.content_type, kept_as, len(data))
    assert len(upload.sha256) == 64


@pytest.mark.parametrize("data", [HTML_BYTES, EXE_BYTES, b"GIF89a" + bytes(20), b" %PDF-1.4", b"\x89PNG"])
def test_anything_else_is_refused_whatever_its_name(app: Flask, data: bytes) -> None:
    message = _refusal(app, data, "justificatif.pdf")
    assert message == "Type de fichier refusé : seuls les fichiers PDF, JPEG ou PNG sont acceptés."


def test_five_megabytes_at_most_and_never_empty(app: Flask) -> None:
    exactly = PDF_BYTES + bytes(5 * MB - len(PDF_BYTES))
    assert _read(app, exactly).size == 5 * MB
    assert _refusal(app, exactly + b"x") == "Fichier trop gros : 5 Mo au plus."
    assert _refusal(app, b"", "vide.pdf") == "Le fichier est vide : choisissez le bon fichier."
    assert _read(app, b"", "") is None  # a file input left empty: no file
    with app.test_request_context():
        assert read_upload(None) is None


def test_only_a_bounded_part_of_a_large_file_is_read(app: Flask) -> None:
    class Endless(io.RawIOBase):
        """A stream that would never end: reading it all would never return."""

        read_bytes = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:
            buffer[:] = b"%" * len(buffer)
            self.read_bytes += len(buffer)
            return len(buffer)

    stream = Endless()
    with app.test_request_context():
        with pytest.raises(UploadError):
            read_upload(FileStorage(io.BufferedReader(stream), filename="big.pdf"))
    assert stream.read_bytes <= 5 * MB + 64 * 1024


@pytest.mark.parametrize(
    ("name", "kind", "clean"),
    [
        ("../../etc/passwd.pdf", PDF, "passwd.pdf"),
        ("C:\\Users\\luc\\Documents\\arrêt.pdf", PDF, "arrêt.pdf"),
        ("arrêt\x00\x1b[31mmaladie\r\n.pdf", PDF, "arrêt [31mmaladie.pdf"),
        ("facture\u202efdp.exe", PDF, "facture fdp.exe.pdf"),  # a right-to-left override: « exe.pdf » shown reversed
        ("...cache.png", JPEG, "cache.jpg"),
        ("", PNG, "fichier.png"),
        ("   ", PDF, "fichier.pdf"),
        ("e\u0301te\u0301.PDF", PDF, "été.pdf"),  # decomposed accents, composed
    ],
)
def test_names_are_cleaned(name: str, kind, clean: str) -> None:
    assert clean_filename(name, kind) == clean


def test_long_names_are_cut_keeping_their_extension() -> None:
    cleaned = clean_filename("a" * 300 + ".png", PNG)
    assert len(cleaned) == files.MAX_NAME_LENGTH and cleaned.endswith("a.png")


def test_downloads_name_the_file_for_every_browser() -> None:
    assert disposition("arrêt maladie.pdf") == (
        "attachment; filename=\"arret maladie.pdf\"; filename*=UTF-8''arr%C3%AAt%20maladie.pdf"
    )
    assert disposition('a"b\\c;d.pdf').startswith('attachment; filename="a_b_c_d.pdf"; ')
    assert disposition("漢字.png").startswith('attachment; filename="fichier.png"; filename*=UTF-8\'\'%E6%BC%A2')


def test_sizes_in_words(app: Flask) -> None:
    with app.test_request_context():
        assert [files.human_size(size) for size in (10, 125_000, 5 * MB, 1_300_000)] == [
            "1 ko",
            "122 ko",
            "5 Mo",
            "1,2 Mo",
        ]


def _multipart(fields: dict[str, str], name: str, filename: str, data: bytes) -> tuple[bytes, str]:
    """A multipart/form-data body as a browser sends it: the fields, then one file."""
    boundary = "----bootcamp-test-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in fields.items()
    ]
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    )
    return b"".join([*parts, head.encode(), data, f"\r\n--{boundary}--\r\n".encode()]), boundary


def test_a_five_megabyte_file_and_its_form_fit_in_a_request(app: Flask, client, auth: AuthActions, world) -> None:
    """MAX_CONTENT_LENGTH leaves room for the form around the largest file; a larger request answers 413."""
    assert app.config["MAX_UPLOAD_BYTES"] == 5 * MB < app.config["MAX_CONTENT_LENGTH"] <= 5 * MB + 128 * 1024
    auth.login(world.emails["learner"])
    token = csrf_token(client, "/me")
    exactly = PDF_BYTES + bytes(5 * MB - len(PDF_BYTES))
    fields = {"csrf_token": token, "version": "1", "reason": "transport"}
    body, boundary = _multipart(fields, "proof", "x" * 200 + ".pdf", exactly)
    response = client.post(
        f"/me/attendance/{world.record_id}/justification",
        data=body,  # raw bytes: the test client would spool a form this big to a file it leaves open
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 302, response.text[:500]
    too_big = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post(
        f"/me/attendance/{world.record_id}/justification",
        data=too_big,
        content_type="multipart/form-data; boundary=b",
    )
    assert response.status_code == 413 and "Fichier trop gros" in response.text and "5 Mo" in response.text
