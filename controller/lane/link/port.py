"""The office as one lane sees it: one interface for the release, the reporter, the heartbeat and
the sync worker. Both adapters raise ``OfficeUnreachable`` when the office cannot be asked, and the
office's own typed error (``CodeError`` for a refused code, ``AmbilError`` otherwise) when it said no.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from controller.kernel.grants import Grant

__all__ = ["Grant", "OfficeLink"]


class OfficeLink(ABC):
    """Methods block; the lane calls them from its worker and background threads."""

    # -- claims (the release protocol) ---------------------------------------------------------
    @abstractmethod
    def claim(
        self, *, code_hash: str, claim_id: str, pin: str | None = None, kinds: tuple[str, ...] | None = None
    ) -> Grant:
        """Claim the pickup; ``pin`` is the second factor of a sensitive document; ``kinds`` the
        kinds this lane can release now (None: all; another kind is refused, nothing claimed)."""

    @abstractmethod
    def claim_short(
        self, *, short_code: str, claim_id: str, pin: str | None = None, kinds: tuple[str, ...] | None = None
    ) -> Grant: ...

    @abstractmethod
    def fetch_pdf(self, claim_id: str) -> bytes: ...

    @abstractmethod
    def report(self, *, claim_id: str, outcome: str, detail: str = "") -> None:
        """Tell the office how a claim ended; idempotent on the office side."""

    @abstractmethod
    def rate(self, *, claim_id: str | None, score: int) -> None:
        """The driver's 1..5 satisfaction rating of a pickup."""

    # -- health --------------------------------------------------------------------------------
    @abstractmethod
    def ping(self) -> bool:
        """True when the office answers."""

    @abstractmethod
    def heartbeat(self, payload: dict) -> dict:
        """Report the lane's health (controller/lane/heartbeat.py): a full report or a keepalive;
        returns the office's answer (``controller.kernel.heartbeat``); raises when not delivered."""

    # -- offline sync (controller/lane/sync.py) ------------------------------------------------
    @abstractmethod
    def fetch_snapshot(self) -> dict:
        """``{lane_id, office_time, pickups: [...]}``: what this lane may release offline."""

    @abstractmethod
    def report_offline(self, releases: list[dict]) -> list[dict]:
        """One verdict ``{claim_id, result, detail}`` per offline release."""

    @abstractmethod
    def acknowledge(self, *, snapshot_time: float, grace_seconds: float) -> None:
        """Tell the office this lane stored the snapshot of ``snapshot_time`` and releases from
        it for at most ``grace_seconds``: doors staff emptied before that may be loaded again."""

    # -- joining and commands from the office (controller/lane/commands.py) -------------------
    def announce(self, payload: dict) -> dict:
        """Tell the office this lane's name, site and locker banks (on start and when they change)."""
        raise NotImplementedError("this link cannot announce the lane")

    def take_commands(self, *, wait: float) -> dict:
        """Long-poll: ``{office_time, commands}``, the commands the office offers this lane."""
        raise NotImplementedError("this link carries no office commands")

    def take_command(self, command_id: int) -> dict:
        """Take one offered command: ``{office_time, command}``; refused when taken or past due."""
        raise NotImplementedError("this link carries no office commands")

    def post_command_result(self, command_id: int, result: dict) -> None:
        """The result of a command the lane took; idempotent on the office side."""
        raise NotImplementedError("this link carries no office commands")

    def report_self_test(self, report: dict) -> dict:
        """A self-test the lane ran on its own, for the office's audit log (``selftest_report.py``)."""
        raise NotImplementedError("this link reports no self-tests")

    def close(self) -> None:
        """Release the connection (the composition root calls it once, at shutdown)."""
