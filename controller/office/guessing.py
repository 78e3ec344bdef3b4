"""Guessing is bounded everywhere (DESIGN 5): wrong short codes and PINs per pickup, lane and site.

Every wrong short code or PIN is a row of ``guess_failures`` (its lane, the lane's site, a PIN's
pickup). Before a typed secret is checked, ``admit`` refuses it, unchecked, while
- the lane is locked out: ``lockout_after`` misses in a row lock it for ``lockout_seconds``;
- the lane had ``lane_limit`` misses within the last ``window_seconds``;
- the lane's site had ``site_limit`` misses within that window (N lanes give no N-fold attempts);
- (a PIN) its pickup had ``pin_limit`` wrong PINs: only a reissue (a new pickup) helps then.
Only the successful release of a claim made through a typed secret ends the lane's run of misses
(``end_streak``), never a correct code that could not be claimed; the windows only ever slide.

Lock order (the claim path's): the site row, the lane row, then pickup -> claims.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Connection

from controller.kernel.errors import CodeError
from controller.office import audit
from controller.office.db import insert_ignore
from controller.office.db.tables import guess_failures, guess_sites, lanes, pickups, short_code_attempts

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GuessLimits:
    """The bounds on typed secrets; ``[office]`` config sets them (controller/config.py)."""

    lockout_after: int = 5  # misses in a row at one lane ...
    lockout_seconds: float = 300.0  # ... lock it out this long
    window_seconds: float = 3600.0  # the rolling window of the two limits below
    lane_limit: int = 20  # misses per lane within the window
    site_limit: int = 40  # misses per site (all its lanes) within the window
    pin_limit: int = 5  # wrong PINs per pickup, ever: then staff reissue

    @classmethod
    def from_config(cls, office) -> GuessLimits:
        """From the ``[office]`` section (``controller.config.OfficeConfig``)."""
        return cls(
            lockout_after=office.short_code_lockout,
            lockout_seconds=office.lockout_minutes * 60.0,
            window_seconds=office.guess_window_minutes * 60.0,
            lane_limit=office.lane_guess_limit,
            site_limit=office.site_guess_limit,
            pin_limit=office.pin_lockout,
        )


@dataclass(frozen=True)
class Gate:
    """A typed secret admitted for checking at ``lane_id`` (of ``site``), with both rows locked."""

    lane_id: str
    site: str


def lane_site(conn: Connection, lane_id: str) -> str:
    """The site a lane stands at ("" for lanes without one: they share one bound)."""
    return conn.execute(select(lanes.c.site).where(lanes.c.id == lane_id)).scalar() or ""


def _count(conn: Connection, *where) -> int:
    return conn.execute(select(func.count()).select_from(guess_failures).where(*where)).scalar_one()


def pin_misses(conn: Connection, pickup_id: int) -> int:
    return _count(conn, guess_failures.c.pickup_id == pickup_id, guess_failures.c.kind == "pin")


def admit(
    conn: Connection, *, lane_id: str, now: float, limits: GuessLimits, pickup_id: int | None = None
) -> tuple[Gate, CodeError | None]:
    """Lock the site and lane rows; the refusal (``code.locked_out`` / ``code.pin_locked``) when
    the typed secret must not even be checked, else None."""
    site = lane_site(conn, lane_id)
    insert_ignore(conn, guess_sites, {"site": site, "updated_at": now})
    conn.execute(select(guess_sites.c.site).where(guess_sites.c.site == site).with_for_update()).one()
    insert_ignore(conn, short_code_attempts, {"lane_id": lane_id, "failures": 0, "updated_at": now})
    lane = conn.execute(
        select(short_code_attempts).where(short_code_attempts.c.lane_id == lane_id).with_for_update()
    ).one()
    gate = Gate(lane_id, site)
    since = now - limits.window_seconds
    if pickup_id is not None and pin_misses(conn, pickup_id) >= limits.pin_limit:
        return gate, CodeError("PIN guessed wrong too often: staff reissue the code", key="code.pin_locked")
    if lane.locked_until is not None and lane.locked_until > now:
        return gate, CodeError(f"lane locked until {lane.locked_until:.0f}", key="code.locked_out")
    if _count(conn, guess_failures.c.lane_id == lane_id, guess_failures.c.at > since) >= limits.lane_limit:
        return gate, CodeError("too many wrong entries at this lane within the window", key="code.locked_out")
    if _count(conn, guess_failures.c.site == site, guess_failures.c.at > since) >= limits.site_limit:
        return gate, CodeError("too many wrong entries at this site within the window", key="code.locked_out")
    return gate, None


def record_miss(
    conn: Connection,
    gate: Gate,
    *,
    kind: str,
    now: float,
    limits: GuessLimits,
    subject: str,
    claim_id: str,
    pickup_id: int | None = None,
) -> CodeError:
    """Count one wrong entry (``kind`` short | pin) and audit it; returns the refusal to answer."""
    conn.execute(
        guess_failures.insert().values(
            at=now, kind=kind, lane_id=gate.lane_id, site=gate.site, pickup_id=pickup_id, in_streak=True
        )
    )
    run = _count(
        conn,
        guess_failures.c.lane_id == gate.lane_id,
        guess_failures.c.in_streak.is_(True),
        guess_failures.c.at > now - limits.window_seconds,
    )
    locked = run >= limits.lockout_after
    if locked:  # locked for minutes; after that a fresh run of misses starts
        conn.execute(
            update(short_code_attempts)
            .where(short_code_attempts.c.lane_id == gate.lane_id)
            .values(locked_until=now + limits.lockout_seconds, updated_at=now)
        )
        _end_run(conn, gate.lane_id)
    pin_locked = pickup_id is not None and pin_misses(conn, pickup_id) >= limits.pin_limit
    action = "pin.refused" if kind == "pin" else "short_code.refused"
    detail = {"failures": run, "locked": locked, "claim_id": claim_id}
    if kind == "pin":
        detail["pin_locked"] = pin_locked
    audit.append(conn, at=now, actor=f"lane:{gate.lane_id}", action=action, subject=subject, detail=detail)
    log.info("wrong %s on lane %s (%d in a row)", "PIN" if kind == "pin" else "short code", gate.lane_id, run)
    if pin_locked:
        return CodeError(f"{limits.pin_limit} wrong PINs: staff reissue the code", key="code.pin_locked")
    if locked:
        return CodeError(f"{run} wrong entries in a row", key="code.locked_out")
    return CodeError("wrong PIN" if kind == "pin" else "unknown short code", key=f"code.{_WRONG[kind]}")


_WRONG = {"pin": "pin_wrong", "short": "unknown"}


def _end_run(conn: Connection, lane_id: str) -> None:
    conn.execute(
        update(guess_failures)
        .where(guess_failures.c.lane_id == lane_id, guess_failures.c.in_streak.is_(True))
        .values(in_streak=False)
    )


def end_streak(conn: Connection, *, lane_id: str) -> None:
    """A claim made through a typed secret was released at ``lane_id``: its run of misses ends.

    Touches only ``guess_failures`` rows, never the lane row, so the report path (which holds the
    pickup) cannot deadlock with a claim (which holds the lane row and then wants the pickup)."""
    _end_run(conn, lane_id)


def prune(conn: Connection, *, now: float, limits: GuessLimits) -> int:
    """Drop misses that no bound needs any more: older than the window, and not a wrong PIN of a
    pickup that can still be claimed (those count until the pickup is reissued)."""
    live = select(pickups.c.id).where(pickups.c.state.in_(("ready", "claimed")))
    result = conn.execute(
        delete(guess_failures).where(
            guess_failures.c.at <= now - limits.window_seconds,
            (guess_failures.c.pickup_id.is_(None)) | (guess_failures.c.pickup_id.not_in(live)),
        )
    )
    return result.rowcount or 0
