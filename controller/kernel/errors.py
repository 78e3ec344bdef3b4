"""Typed errors of the domain, each with a key that says what went wrong.

The key is the whole contract: the web layer maps it to an HTTP status (``web/errors.py``) and to
the text a person reads (``error.<key>`` in web/i18n's catalogs, also the lane screen's). The domain speaks
neither HTTP nor any language; ``detail`` is for logs and API bodies.
"""

from __future__ import annotations

# every key a domain error may carry (the web's status and text tables cover exactly these)
ERROR_KEYS: frozenset[str] = frozenset(
    {
        "code.malformed",
        "code.unknown",
        "code.expired",
        "code.revoked",
        "code.already_released",
        "code.in_progress",
        "code.wrong_lane",
        "code.locked_out",
        "code.pin_wrong",
        "code.pin_locked",
        "code.pin_expired",
        "code.pin_required",
        "claim.conflict",
        "office.unreachable",
        "document.not_found",
        "document.bad_state",
        "document.invalid",
        "upload.empty",
        "upload.not_pdf",
        "upload.too_large",
        "upload.too_many_pages",
        "upload.encrypted",
        "upload.damaged",
        "locker.unknown_door",
        "locker.door_taken",
        "locker.to_retrieve",
        "locker.awaiting_sync",
        "locker.not_loaded",
        "locker.door_open",
        "locker.out_of_order",
        "locker.too_small",
        "lane.unreachable",
        "lane.busy",
        "print.not_confirmed",
        "print.not_printed",
        "print.media_empty",
        "print.media_jam",
        "print.toner_empty",
        "print.door_open",
        "print.offline",
        "print.aborted",
        "print.unavailable",
        "door.not_detected",
        "door.out_of_service",
        "device.failed",
        "auth.missing",
        "auth.forbidden",
        "auth.bad_login",
        "auth.locked",
        "auth.csrf",
        "auth.weak_password",
        "user.exists",
        "user.not_found",
        "alert.not_found",
        "lane.not_found",
        "scan.bad_image",
        "request.invalid",
        "request.too_large",
        "agency.conflict",
        "http.not_found",
        "http.method_not_allowed",
        "http.error",
        "server.error",
    }
)


class AmbilError(Exception):
    """Base of every domain error; ``key`` is one of ``ERROR_KEYS``; ``detail`` is for logs and APIs."""

    key = "request.invalid"

    def __init__(self, detail: str = "", *, key: str | None = None, **params):
        if key is not None:
            self.key = key
        self.detail = detail
        self.params = params
        super().__init__(detail or self.key)


class CodeError(AmbilError):
    """A pickup code or short code that cannot be released (the key says why)."""

    key = "code.unknown"


class DocumentError(AmbilError):
    key = "document.bad_state"


class UploadError(AmbilError):
    key = "upload.not_pdf"


class OfficeUnreachable(AmbilError):
    key = "office.unreachable"


class AuthError(AmbilError):
    key = "auth.missing"
