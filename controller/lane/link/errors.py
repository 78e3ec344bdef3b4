"""The one mapping of the office's HTTP answers to the lane's typed errors (both adapters raise
the same errors: the in-process office raises them itself)."""

from __future__ import annotations

import httpx

from controller.kernel.errors import ERROR_KEYS, AmbilError, CodeError, OfficeUnreachable
from controller.kernel.office_tls import plain_http_to_https, tls_problem

BODY_FIELDS = frozenset({"error", "message", "message_en", "detail", "problems"})


def transport_error(exc: httpx.HTTPError, *, ca_file=None) -> OfficeUnreachable:
    """No answer at all: refused connection, timeout, broken TLS. A TLS failure says what to do
    ("office certificate not trusted (...): set lane.office_ca_file ..."); ``ca_file`` is the
    lane's ``lane.office_ca_file``, named in the fix when it is set."""
    problem = tls_problem(exc, ca_file=ca_file)
    if problem is not None:
        return OfficeUnreachable(str(problem))
    return OfficeUnreachable(f"{type(exc).__name__}: {exc}")


def refusal(response: httpx.Response) -> AmbilError:
    """An answer of 400 and up, as the typed error the office raised.

    5xx is the office unwell (unreachable for the lane's purposes); the office's typed error body
    becomes the same typed error again (``auth.missing`` for a refused key); an answer without one
    is named by its status.
    """
    if response.status_code >= 500:
        return OfficeUnreachable(f"office answered HTTP {response.status_code}")
    try:
        body = response.json()
        key = body.get("error", "") if isinstance(body, dict) else ""
    except ValueError:
        body, key = {}, ""
    # the error's params travel beside its key and texts (web/errors.error_body): code.wrong_lane's lane
    params = {k: v for k, v in body.items() if k not in BODY_FIELDS} if isinstance(body, dict) else {}
    if key.startswith("code.") and key in ERROR_KEYS:
        return CodeError(body.get("detail", ""), key=key, **params)
    if key in ERROR_KEYS:
        return AmbilError(body.get("detail", ""), key=key, **params)
    if response.status_code in (401, 403):
        return OfficeUnreachable(f"the office refused the lane's API key (HTTP {response.status_code})")
    mismatch = plain_http_to_https(str(response.request.url), response.status_code, response.text)
    if mismatch is not None:
        return OfficeUnreachable(str(mismatch))
    return OfficeUnreachable(f"unexpected HTTP {response.status_code} from the office")
