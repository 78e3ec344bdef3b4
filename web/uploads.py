"""Reading an uploaded file under the office's size limit: the one copy for every route."""

from __future__ import annotations

from fastapi import Request, UploadFile

from controller.kernel.errors import UploadError
from controller.office.pdfcheck import megabytes
from web.deps import system_of


def upload_limit(request: Request) -> int:
    """``office.max_upload_mb`` in bytes."""
    return int(system_of(request).config.office.max_upload_mb * 1024 * 1024)


async def read_upload(file: UploadFile | None, request: Request) -> bytes | None:
    """The uploaded bytes (None without a file); never holds more than the limit plus one byte.

    Raises ``upload.too_large`` past ``office.max_upload_mb``.
    """
    if file is None:
        return None
    limit = upload_limit(request)
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise UploadError(
            f"more than {megabytes(limit)} MB", key="upload.too_large", limit_mb=megabytes(limit)
        )
    return data
