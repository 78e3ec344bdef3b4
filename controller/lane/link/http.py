"""The office over HTTP(S), for a lane on its own Pi: the office API with the lane's key (the
office takes the lane id from the key, never from the request)."""

from __future__ import annotations

from pathlib import Path

import httpx

from controller.kernel.office_tls import office_trust
from controller.lane.link.errors import refusal, transport_error
from controller.lane.link.port import Grant, OfficeLink


class HttpOfficeLink(OfficeLink):
    """``timeout`` bounds a claim-path call (a driver waits on it), ``sync_timeout`` a sync call
    (a snapshot can be large); ``transport`` is httpx's (tests). An https office is verified with
    the system CAs, or only with ``ca_file`` (``lane.office_ca_file``) when set."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 5.0,
        sync_timeout: float = 10.0,
        ca_file: Path | None = None,
        transport=None,
    ):
        self._sync_timeout = sync_timeout
        self._ca_file = ca_file
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=timeout,
            verify=office_trust(ca_file),
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def _request(self, method: str, url: str, **kwargs) -> httpx.Response:
        try:
            response = self._http.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            raise transport_error(exc, ca_file=self._ca_file) from exc
        if response.status_code >= 400:
            raise refusal(response)
        return response

    # -- claims --------------------------------------------------------------------------------
    def claim(self, *, code_hash: str, claim_id: str, pin: str | None = None, kinds=None) -> Grant:
        body = {"code_hash": code_hash, "claim_id": claim_id, **_extra(pin, kinds)}
        return Grant.from_mapping(self._request("POST", "/api/v1/claims", json=body).json())

    def claim_short(self, *, short_code: str, claim_id: str, pin: str | None = None, kinds=None) -> Grant:
        body = {"short_code": short_code, "claim_id": claim_id, **_extra(pin, kinds)}
        return Grant.from_mapping(self._request("POST", "/api/v1/claims/short", json=body).json())

    def fetch_pdf(self, claim_id: str) -> bytes:
        return self._request("GET", f"/api/v1/claims/{claim_id}/pdf").content

    def report(self, *, claim_id: str, outcome: str, detail: str = "") -> None:
        self._request(
            "POST", f"/api/v1/claims/{claim_id}/report", json={"outcome": outcome, "detail": detail}
        )

    def rate(self, *, claim_id: str | None, score: int) -> None:
        self._request("POST", "/api/v1/ratings", json={"claim_id": claim_id, "score": score})

    # -- health --------------------------------------------------------------------------------
    def ping(self) -> bool:
        try:
            return self._http.get("/healthz").status_code == 200
        except httpx.HTTPError:
            return False

    def heartbeat(self, payload: dict) -> dict:
        # a keepalive names no lane: the key does (the path is the key's lane, "-" stands for it)
        path = f"/api/v1/lanes/{payload.get('lane_id') or '-'}/heartbeat"
        return self._request("POST", path, json=payload).json()

    # -- joining and commands from the office ------------------------------------------------
    def announce(self, payload: dict) -> dict:
        return self._request("POST", "/api/v1/lane-announcements", json=payload).json()

    def take_commands(self, *, wait: float) -> dict:
        # the office holds the request up to ``wait``: the read timeout must outlast it
        timeout = httpx.Timeout(self._http.timeout.connect or 5.0, read=wait + 10.0)
        return self._request("GET", "/api/v1/lane-commands", params={"wait": wait}, timeout=timeout).json()

    def take_command(self, command_id: int) -> dict:
        return self._request("POST", f"/api/v1/lane-commands/{command_id}/take").json()

    def post_command_result(self, command_id: int, result: dict) -> None:
        self._request("POST", f"/api/v1/lane-commands/{command_id}/result", json=result)

    def report_self_test(self, report: dict) -> dict:
        return self._request("POST", "/api/v1/lane-selftests", json=report).json()

    # -- offline sync --------------------------------------------------------------------------
    def fetch_snapshot(self) -> dict:
        return self._request("GET", "/api/v1/sync/pickups", timeout=self._sync_timeout).json()

    def report_offline(self, releases: list[dict]) -> list[dict]:
        answer = self._request(
            "POST", "/api/v1/sync/offline-releases", json={"releases": releases}, timeout=self._sync_timeout
        )
        return answer.json()["results"]

    def acknowledge(self, *, snapshot_time: float, grace_seconds: float) -> None:
        body = {"snapshot_time": snapshot_time, "grace_seconds": grace_seconds}
        self._request("POST", "/api/v1/sync/held", json=body, timeout=self._sync_timeout)


def _extra(pin: str | None, kinds) -> dict:
    """The optional fields of a claim: the PIN, and the kinds the lane can release now."""
    return {**({"pin": pin} if pin is not None else {}), **({"kinds": list(kinds)} if kinds else {})}
