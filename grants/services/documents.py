"""Document upload and removal. The type is decided by the file's content (puremagic), never by its
name alone; files live under MEDIA_ROOT, which is not served, and are read back only through a
permission-checked view."""

from __future__ import annotations

import hashlib
import os
import tempfile
import unicodedata
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import puremagic
from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.services import record_event
from core.errors import DomainError
from grants.enums import ClarificationState, DocumentKind
from grants.models import Application, Clarification, Document
from grants.policy import require_applicant_of
from grants.services._common import lock_application, note_edit, require_editable

# Sniffed content type -> file name extensions that may carry it.
ALLOWED_TYPES = {
    "application/pdf": (".pdf",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (".xlsx",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
}
# Office files are ZIP archives; puremagic names a damaged archive .docx from its first bytes, so
# the archive is opened and must hold the part that makes it a document or a workbook.
OOXML_MAIN_PART = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "word/document.xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xl/workbook.xml",
}
CHUNK = 64 * 1024


def _safe_name(name: str) -> str:
    """The name as shown and offered for download: no path, no control characters, bounded length."""
    base = os.path.basename(str(name or "").replace("\\", "/")).strip()
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    return base[-200:] or "document"


def _spool(upload: Any, limit: int) -> tuple[Path, int, str]:
    """Copy the upload to a private temporary file, counting bytes and hashing as it goes."""
    tmp_dir = Path(settings.MEDIA_ROOT) / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    # A neutral suffix: the sniffer must judge the bytes, not the name the browser sent.
    fd, path = tempfile.mkstemp(prefix="upload-", suffix=".bin", dir=tmp_dir)
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in upload.chunks(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise _too_large(limit)
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        Path(path).unlink(missing_ok=True)
        raise
    return Path(path), size, digest.hexdigest()


def _too_large(limit: int) -> DomainError:
    return DomainError(
        "file_too_large",
        _("The file is larger than %(mb)s MB.") % {"mb": round(limit / (1024 * 1024), 1)},
        "file",
    )


def _is_ooxml(path: Path, main_part: str) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    # A macro-enabled file (vbaProject.bin) is not on the allow-list even when its main part is.
    return (
        "[Content_Types].xml" in names
        and main_part in names
        and not any(n.endswith("vbaProject.bin") for n in names)
    )


def sniff_content_type(path: Path, original_name: str) -> str:
    """The allowed content type of the file, or a DomainError naming the field `file`."""
    try:
        content_type = puremagic.from_file(str(path), mime=True)
    except (puremagic.PureError, ValueError, OSError):
        content_type = ""
    if content_type in OOXML_MAIN_PART and not _is_ooxml(path, OOXML_MAIN_PART[content_type]):
        content_type = ""
    if content_type not in ALLOWED_TYPES:
        raise DomainError(
            "file_type_not_allowed",
            _("Only PDF, DOCX, XLSX, PNG and JPEG files are accepted; the file's content was checked."),
            "file",
            details={"detected": content_type or "unknown"},
        )
    extension = Path(original_name).suffix.lower()
    if extension not in ALLOWED_TYPES[content_type]:
        raise DomainError(
            "file_extension_mismatch",
            _("The file's name does not match its content (%(ext)s expected).")
            % {"ext": ", ".join(ALLOWED_TYPES[content_type])},
            "file",
        )
    return content_type


def _check_clarification(actor: Any, application: Application, clarification: Clarification) -> None:
    require_applicant_of(actor, application)
    if clarification.application_id != application.pk:
        raise DomainError("not_found", _("Clarification request not found."), "clarification")
    if clarification.state != ClarificationState.OPEN or timezone.now() >= clarification.due_at:
        raise DomainError(
            "clarification_closed", _("This clarification request no longer accepts files."), "clarification"
        )


def document_upload(
    *,
    actor: Any,
    application: Application,
    upload: Any,
    kind: str = DocumentKind.OTHER,
    clarification: Clarification | None = None,
) -> Document:
    """Store one uploaded file for the application (or for an answer to a clarification request).

    Refusals name the field `file`: too large (settings.UPLOAD_MAX_BYTES), empty, or a type outside
    the allow-list (PDF, DOCX, XLSX, PNG, JPEG) as sniffed from the content.
    """
    if kind not in DocumentKind.values:
        raise DomainError("invalid", _("Choose the kind of document."), "kind")
    if clarification is not None:
        kind = DocumentKind.CLARIFICATION
    limit = int(settings.UPLOAD_MAX_BYTES)
    if getattr(upload, "size", 0) and upload.size > limit:
        raise _too_large(limit)
    original_name = _safe_name(getattr(upload, "name", ""))
    tmp_path, size, sha256 = _spool(upload, limit)
    stored_name = ""
    try:
        if size == 0:
            raise DomainError("file_empty", _("The file is empty."), "file")
        content_type = sniff_content_type(tmp_path, original_name)
        with transaction.atomic():
            application = lock_application(application)
            if clarification is not None:
                clarification = Clarification.objects.select_for_update().get(pk=clarification.pk)
                _check_clarification(actor, application, clarification)
            else:
                require_editable(actor, application)
            document = Document(
                application=application,
                clarification=clarification,
                kind=kind,
                storage_key=uuid.uuid4().hex + Path(original_name).suffix.lower(),
                original_name=original_name,
                size=size,
                sha256=sha256,
                content_type=content_type,
                uploaded_by=actor,
            )
            with tmp_path.open("rb") as handle:
                document.file.save(document.storage_key, File(handle), save=False)
            stored_name = document.file.name
            document.save(force_insert=True)
            if clarification is None:
                note_edit(application)
            record_event(
                actor=actor,
                action="application.document_upload",
                obj=application,
                after={"document": document.pk, "kind": kind, "sha256": sha256, "size": size},
            )
    except BaseException:
        if stored_name:
            Document.file.field.storage.delete(stored_name)
        raise
    finally:
        tmp_path.unlink(missing_ok=True)
    return document


def document_delete(*, actor: Any, document: Document) -> None:
    """Remove a file from the working copy. A file that is part of a submitted version is evidence:
    it stays stored and downloadable from that version, and is only detached from the next one."""
    with transaction.atomic():
        application = lock_application(document.application_id)
        document = Document.objects.select_for_update().get(pk=document.pk, application=application)
        if document.clarification_id:
            _check_clarification(actor, application, document.clarification)
        else:
            require_editable(actor, application)
        if document.removed_at is not None:
            raise DomainError("not_found", _("Document not found."), "document")
        before = {
            "document": document.pk,
            "sha256": document.sha256,
            "frozen_in_version": document.frozen_in_version,
        }
        if document.frozen_in_version:
            document.removed_at = timezone.now()
            document.save(update_fields=["removed_at"])
            action = "application.document_detach"
        else:
            name = document.file.name
            document.delete()
            transaction.on_commit(lambda: Document.file.field.storage.delete(name))
            action = "application.document_delete"
        if not document.clarification_id:
            note_edit(application)
        record_event(actor=actor, action=action, obj=application, before=before)


@dataclass(frozen=True)
class CheckedUpload:
    """An upload that passed the checks of `document_upload`, spooled to a private temporary file."""

    path: Path
    size: int
    sha256: str
    content_type: str
    original_name: str


@contextmanager
def checked_upload(upload: Any) -> Iterator[CheckedUpload]:
    """Spool and check an upload exactly as application documents are checked (size limit, not empty,
    content-sniffed type matching the name), for other apps' files (trials evidence). The temporary
    file is removed when the block ends. Refusals are DomainErrors naming the field `file`."""
    limit = int(settings.UPLOAD_MAX_BYTES)
    if getattr(upload, "size", 0) and upload.size > limit:
        raise _too_large(limit)
    original_name = _safe_name(getattr(upload, "name", ""))
    tmp_path, size, sha256 = _spool(upload, limit)
    try:
        if size == 0:
            raise DomainError("file_empty", _("The file is empty."), "file")
        content_type = sniff_content_type(tmp_path, original_name)
        yield CheckedUpload(tmp_path, size, sha256, content_type, original_name)
    finally:
        tmp_path.unlink(missing_ok=True)
