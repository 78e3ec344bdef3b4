"""The office over HTTP(S), for a lane running on its own Pi."""

from __future__ import annotations

import logging

import httpx

from controller.kernel.errors import ERROR_KEYS, AmbilError, CodeError, OfficeUnreachable
from controller.kernel.grants import Grant
from controller.lane.office_client import OfficeClient

log = logging.getLogger(__name__)


class HttpOfficeClient(OfficeClient):
    def __init__(self, base_url: str, api_key: str, *, timeout: float = 5.0, transport=None):
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=timeout,
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def _request(self, method: str, url: str, **kwargs) -> httpx.Response:
        try:
            response = self._http.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            raise OfficeUnreachable(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code >= 500:
            raise OfficeUnreachable(f"office answered HTTP {response.status_code}")
        if response.status_code >= 400:
            raise _refusal(response)
        return response

    def claim(self, *, code_hash: str, claim_id: str, pin: str | None = None) -> Grant:
        body = {"code_hash": code_hash, "claim_id": claim_id}
        if pin is not None:
            body["pin"] = pin
        return Grant.from_mapping(self._request("POST", "/api/v1/claims", json=body).json())

    def claim_short(self, *, short_code: str, claim_id: str, pin: str | None = None) -> Grant:
        body = {"short_code": short_code, "claim_id": claim_id}
        if pin is not None:
            body["pin"] = pin
        return Grant.from_mapping(self._request("POST", "/api/v1/claims/short", json=body).json())

    def fetch_pdf(self, claim_id: str) -> bytes:
        return self._request("GET", f"/api/v1/claims/{claim_id}/pdf").content

    def report(self, *, claim_id: str, outcome: str, detail: str = "") -> None:
        body = {"outcome": outcome, "detail": detail}
        self._request("POST", f"/api/v1/claims/{claim_id}/report", json=body)

    def rate(self, *, claim_id: str | None, score: int) -> None:
        self._request("POST", "/api/v1/ratings", json={"claim_id": claim_id, "score": score})

    def heartbeat(self, payload: dict) -> None:
        lane_id = payload.get("lane_id", "")
        self._request("POST", f"/api/v1/lanes/{lane_id}/heartbeat", json=payload)

    def ping(self) -> bool:
        try:
            return self._http.get("/healthz").status_code == 200
        except httpx.HTTPError:
            return False


def _refusal(response: httpx.Response) -> AmbilError:
    """Turn the office's typed error body back into the same typed error."""
    try:
        body = response.json()
        key = body.get("error", "")
    except ValueError:
        body, key = {}, ""
    if key.startswith("code.") and key in ERROR_KEYS:
        return CodeError(body.get("detail", ""), key=key)
    if key in ERROR_KEYS:
        return AmbilError(body.get("detail", ""), key=key)
    if response.status_code in (401, 403):
        return OfficeUnreachable(f"the office refused the lane's API key (HTTP {response.status_code})")
    return OfficeUnreachable(f"unexpected HTTP {response.status_code} from the office")
