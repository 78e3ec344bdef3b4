"""Self-tests of a lane's devices, run from the office through the lane, and their audit records
(a mixin of ``Fleet``: it needs ``self.engine``); and the self-tests a lane ran on its own
(``ambil selftest`` on its Pi), which it reports here to be audited the same way."""

from __future__ import annotations

from controller.kernel.errors import AmbilError
from controller.kernel.lane_commands import LaneCommands
from controller.office import audit, door_tests


class FleetSelfTests:
    """``Fleet.self_test``: the one path of the dashboard, the API and ``ambil selftest``."""

    engine = None  # set by Fleet

    def self_test(
        self,
        lane_control: LaneCommands | None,
        lane_id: str,
        test: str,
        *,
        actor: str,
        confirm_held: bool = False,
        reason: str = "",
        **args,
    ) -> dict:
        """Run a self-test through the lane (never a driver from here) and audit it.

        A door test of a door holding an item is refused (``locker.door_taken``) unless
        ``confirm_held`` with a ``reason``, and then recorded on that document first
        (``door_tests``): here, so the dashboard, the API and ``ambil selftest`` all pass the check.
        """
        if lane_control is None:
            raise AmbilError(f"lane {lane_id!r} cannot be reached from this office", key="lane.unreachable")
        if args.get("bank") and args.get("door") is not None:  # a test that opens a door
            door_tests.check_and_record(
                self.engine,
                str(args["bank"]),
                int(args["door"]),
                actor=actor,
                confirmed=confirm_held,
                reason=reason,
                lane_id=lane_id,
            )
        try:
            result = lane_control.self_test(lane_id, test, actor=actor, **args)
        except AmbilError as exc:
            result = {"test": test, "lane_id": lane_id, "outcome": "failed", "detail": exc.key}
            self._audit_test(actor, lane_id, test, args, result)
            raise
        self._audit_test(actor, lane_id, test, args, result)
        return result

    def record_lane_self_test(self, lane_id: str, report: dict) -> dict:
        """A self-test ``lane_id`` ran on its own, audited as the dashboard's are (``lane.selftest``,
        the actor the lane's key, ``run_by`` who asked on the lane); a door test of a door that,
        by the office's records, holds an item is also recorded on that document, with the
        reason the technician gave on the lane (or a note that the lane knew of no item there)."""
        actor = f"lane:{lane_id}"
        args = {k: report[k] for k in ("bank", "door") if report.get(k) is not None}
        extra = {"run_by": str(report.get("run_by") or "")[:100], "started_on": "lane"}
        self._audit_test(actor, lane_id, str(report.get("test")), args, report, extra)
        doc_id = None
        if args.get("bank") and args.get("door") is not None:
            doc_id = door_tests.held_item(self.engine, str(args["bank"]), int(args["door"]), lane_id=lane_id)
        if doc_id is not None:
            reason = str(report.get("reason") or "").strip()[:300] or door_tests.LANE_UNAWARE_NOTE
            with self.engine.begin() as conn:
                audit.append(
                    conn, actor=actor, action="locker.door_opened_for_test", subject=f"document:{doc_id}",
                    detail={"lane_id": lane_id, **args, "reason": reason, **extra},
                )  # fmt: skip
        return {"recorded": True, "document": doc_id}

    def _audit_test(
        self, actor: str, lane_id: str, test: str, args: dict, result: dict, extra: dict | None = None
    ) -> None:
        detail = {
            "test": test,
            "outcome": result.get("outcome"),
            "detail": str(result.get("detail", ""))[:200],
            **(extra or {}),
        }
        detail.update({k: v for k, v in args.items() if k in ("bank", "door")})
        with self.engine.begin() as conn:
            audit.append(conn, actor=actor, action="lane.selftest", subject=f"lane:{lane_id}", detail=detail)
