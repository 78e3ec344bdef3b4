"""Self-tests of a lane's devices, run from the office through the lane, and their audit records
(a mixin of ``Fleet``: it needs ``self.engine``)."""

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

    def _audit_test(self, actor: str, lane_id: str, test: str, args: dict, result: dict) -> None:
        detail = {
            "test": test,
            "outcome": result.get("outcome"),
            "detail": str(result.get("detail", ""))[:200],
        }
        detail.update({k: v for k, v in args.items() if k in ("bank", "door")})
        with self.engine.begin() as conn:
            audit.append(conn, actor=actor, action="lane.selftest", subject=f"lane:{lane_id}", detail=detail)
