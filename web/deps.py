"""Typed FastAPI dependencies: the one place the web layer reaches the running System.

A route asks for the part it needs (``office: OfficeDep``, ``lane: LaneDep``) instead of looking it
up on ``request.app.state``; helpers that only hold a ``Request`` (auth, body guard, error pages)
use ``system_of``. A part the process's role does not run answers with the same error key the
routes gave before (``document.not_found`` for the office API, ``request.invalid`` for the fleet
and reports, ``device.failed`` for the lane).
"""

from __future__ import annotations

from datetime import tzinfo
from typing import Annotated

from fastapi import Depends, Request

from controller.config import Config
from controller.kernel.errors import AmbilError
from controller.lane.lane import Lane
from controller.office.accounts import Accounts
from controller.office.agency import AgencyDocuments
from controller.office.fleet import Fleet
from controller.office.kinds import DocumentKinds
from controller.office.lane_commands import OfficeLaneCommands
from controller.office.lane_join import LaneJoin
from controller.office.lockers import Lockers
from controller.office.office import Office
from controller.office.reports import Reports
from controller.office.sync import OfficeSync
from controller.system import System


def system_of(request: Request) -> System:
    """The System this app serves (``web.app.create_app`` puts it on the app)."""
    return request.app.state.system


def zone_of(request: Request) -> tzinfo:
    """The site's time zone (``site.timezone``): every time a page shows is in it."""
    return system_of(request).config.site.zone()


async def _system(request: Request) -> System:
    return system_of(request)


SystemDep = Annotated[System, Depends(_system)]


async def _config(system: SystemDep) -> Config:
    return system.config


def _part(field: str, key: str, runs: str = "has no office"):
    """A dependency that hands a route one part of the System, or raises ``key`` in a process
    whose role does not run that part (the same answer the routes gave before, per part).
    Async, as every dependency here that does no I/O: FastAPI runs a sync one in a worker thread,
    a hop per dependency per request (issue 13 point 5)."""

    async def part(system: SystemDep):
        value = getattr(system, field)
        if value is None:
            raise AmbilError(f"this process {runs} (role = {system.config.role})", key=key)
        return value

    return part


_office = _part("office", "document.not_found")
_accounts = _part("accounts", "document.not_found")
_kinds = _part("kinds", "document.not_found")
_lockers = _part("lockers", "document.not_found")
_agency = _part("agency", "document.not_found")
_office_sync = _part("office_sync", "document.not_found")
_lane_commands = _part("commands", "document.not_found")
_lane_join = _part("lane_join", "document.not_found")
_fleet = _part("fleet", "request.invalid")
_reports = _part("reports", "request.invalid")
_lane = _part("lane", "device.failed", runs="runs no lane")


ConfigDep = Annotated[Config, Depends(_config)]
OfficeDep = Annotated[Office, Depends(_office)]
AccountsDep = Annotated[Accounts, Depends(_accounts)]
KindsDep = Annotated[DocumentKinds, Depends(_kinds)]
LockersDep = Annotated[Lockers, Depends(_lockers)]
AgencyDep = Annotated[AgencyDocuments, Depends(_agency)]
OfficeSyncDep = Annotated[OfficeSync, Depends(_office_sync)]
FleetDep = Annotated[Fleet, Depends(_fleet)]
LaneCommandsDep = Annotated[OfficeLaneCommands, Depends(_lane_commands)]
LaneJoinDep = Annotated[LaneJoin, Depends(_lane_join)]
ReportsDep = Annotated[Reports, Depends(_reports)]
LaneDep = Annotated[Lane, Depends(_lane)]
