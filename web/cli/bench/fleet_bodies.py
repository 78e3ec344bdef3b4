"""What a simulated lane of ``ambil bench fleet`` sends, built by the lane's own code: the
heartbeat of a real lane with simulated hardware, and the requests of its HTTP link."""

from __future__ import annotations

import contextlib
import tempfile
import time


class _Captured(Exception):  # noqa: N818 - not an error: the request a lane's link would send
    def __init__(self, request):
        self.request = request


class LaneBodies:
    """The lane's own HTTP link, used only to build its requests (nothing is sent by it)."""

    def __init__(self):
        import httpx

        from controller.lane.link.http import HttpOfficeLink

        def capture(request):
            raise _Captured(request)

        self._link = HttpOfficeLink("http://office", "-", transport=httpx.MockTransport(capture))

    def _built(self, call, **kwargs) -> tuple[str, str, bytes]:
        try:
            call(**kwargs)
        except _Captured as captured:
            return captured.request.method, captured.request.url.path, captured.request.content
        raise RuntimeError("the lane link sent nothing")

    def claim(self, code_hash: str, claim_id: str) -> tuple[str, str, bytes]:
        return self._built(self._link.claim, code_hash=code_hash, claim_id=claim_id)

    def report(self, claim_id: str, outcome: str, detail: str) -> tuple[str, str, bytes]:
        return self._built(self._link.report, claim_id=claim_id, outcome=outcome, detail=detail)

    def heartbeat(self, payload: dict) -> tuple[str, str, bytes]:
        return self._built(self._link.heartbeat, payload=payload)


class HeartbeatSource:
    """A real lane with simulated hardware, started here so its heartbeat is a real one: it syncs
    with the office under a key of its own (``template``), so it reports itself online and ready."""

    def __init__(self, base_url: str, template: tuple[str, str]):
        from controller.config import parse_config
        from web.app import build_system

        self._scratch = tempfile.TemporaryDirectory(prefix="ambil-fleet-lane-")
        lane = {
            "id": template[0],
            "name": "Fleet template",
            "site": "Bench site",
            "office_url": base_url,
            "api_key": template[1],
            "printer": {"type": "sim"},
            "lockers": [{"type": "sim", "id": "B1", "doors": 8, "columns": 2}],
        }
        config = parse_config({"role": "lane", "state_dir": self._scratch.name, "lane": lane})
        self.heartbeat_seconds = config.lane.heartbeat_seconds
        self._system = build_system(config)
        self._system.lane.start()  # devices and the monitor the heartbeat reads; no sender, no sync
        self._body = self._system.heartbeat.build()
        self._at = time.monotonic()

    def body(self, lane_id: str, released: int) -> dict:
        """This lane's heartbeat now: the template lane's report (rebuilt once per interval)."""
        if time.monotonic() - self._at > self.heartbeat_seconds:
            self._body = self._system.heartbeat.build()
            self._at = time.monotonic()
        counters = dict(self._body["counters"])
        counters.update(reads=released, outcomes={"released": released} if released else {})
        body = dict(self._body)
        if body.get("office_online") is False:
            # the template lane's own ping to the office timed out (a loaded office): that is not
            # the simulated lanes' news, and every lane of this process sending a changed full
            # report at once measures that storm instead of a fleet whose lanes each see the office
            body.update(
                office_online=True, state="ready" if body.get("state") == "offline" else body.get("state")
            )
        return {
            **body,
            # a healthy fleet: this VM's clock is not NTP-synchronised, and a thousand lanes each
            # raising clock.unsynced at their first report measures an alert storm instead
            "host": {**(self._body.get("host") or {}), "clock_synchronised": True},
            "lane_id": lane_id,
            "name": f"Bench {lane_id}",
            "sent_at": time.time(),
            "counters": counters,
        }

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._system.lane.stop()
        self._scratch.cleanup()
