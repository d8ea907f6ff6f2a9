"""Uploads: type by content, size limit, SHA-256, private storage."""

import hashlib
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.errors import DomainError
from grants import services
from grants.models import Document
from tests.grants.conftest import PDF_BYTES, PNG_BYTES, xlsx_bytes

pytestmark = pytest.mark.django_db


def upload(name, content):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("protocol.pdf", PDF_BYTES, "application/pdf"),
        ("scan.PNG", PNG_BYTES, "image/png"),
        ("photo.jpeg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40, "image/jpeg"),
        ("budget.xlsx", xlsx_bytes(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (
            "letter.docx",
            docx_bytes(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ],
)
def test_allowed_types_are_stored_privately_with_their_hash(
    applicant, complete_application, private_media, name, content, content_type
):
    document = services.document_upload(
        actor=applicant, application=complete_application, upload=upload(name, content)
    )
    assert document.content_type == content_type
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.size == len(content)
    assert document.original_name == name
    stored = private_media / document.file.name
    assert stored.read_bytes() == content
    assert name not in document.file.name  # the stored name is random, never the user's
    assert not list((private_media / "tmp").iterdir())  # no temporary file left behind


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("notes.pdf", b"just some text pretending to be a PDF", "file_type_not_allowed"),
        ("page.pdf", b"<html><script>alert(1)</script></html>", "file_type_not_allowed"),
        ("tool.pdf", b"MZ\x90\x00" + b"\x00" * 60, "file_type_not_allowed"),
        ("archive.docx", b"PK\x03\x04" + b"\x00" * 60, "file_type_not_allowed"),
        ("protocol.png", PDF_BYTES, "file_extension_mismatch"),
        ("protocol", PDF_BYTES, "file_extension_mismatch"),
        ("empty.pdf", b"", "file_empty"),
    ],
)
def test_wrong_content_is_refused_with_a_message(
    applicant, complete_application, private_media, name, content, code
):
    before = Document.objects.count()
    with pytest.raises(DomainError) as exc:
        services.document_upload(
            actor=applicant, application=complete_application, upload=upload(name, content)
        )
    assert (exc.value.code, exc.value.field, exc.value.status_code) == (code, "file", 400)
    assert exc.value.message
    assert Document.objects.count() == before
    assert not list((private_media / "tmp").iterdir())


def test_too_large_files_are_refused(applicant, complete_application, settings):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    big = upload("big.pdf", PDF_BYTES + b"0" * (1024 * 1024))
    with pytest.raises(DomainError) as exc:
        services.document_upload(actor=applicant, application=complete_application, upload=big)
    assert (exc.value.code, exc.value.message) == ("file_too_large", "The file is larger than 1.0 MB.")


def test_file_names_cannot_escape_the_storage(applicant, complete_application, private_media):
    document = services.document_upload(
        actor=applicant,
        application=complete_application,
        upload=upload("../../etc/pass\x00wd.pdf", PDF_BYTES),
    )
    assert document.original_name == "passwd.pdf"
    assert (private_media / document.file.name).resolve().is_relative_to(private_media.resolve())
