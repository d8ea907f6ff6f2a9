"""Serving a stored document: always as an attachment, never sniffed, never cached by proxies.

The caller has already found the document through a selector (another firm's file is a 404)."""

from __future__ import annotations

from django.http import FileResponse

from grants.models import Document


def document_response(document: Document) -> FileResponse:
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
