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
from controller.kernel.errors import AmbilError, DocumentError
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


def _system(request: Request) -> System:
    return system_of(request)


SystemDep = Annotated[System, Depends(_system)]


def _config(system: SystemDep) -> Config:
    return system.config


def _no_office(system: System) -> DocumentError:
    return DocumentError(
        f"this process has no office (role = {system.config.role})", key="document.not_found"
    )


def _office(system: SystemDep) -> Office:
    if system.office is None:
        raise _no_office(system)
    return system.office


def _accounts(system: SystemDep) -> Accounts:
    if system.accounts is None:
        raise _no_office(system)
    return system.accounts


def _kinds(system: SystemDep) -> DocumentKinds:
    if system.kinds is None:
        raise _no_office(system)
    return system.kinds


def _lockers(system: SystemDep) -> Lockers:
    if system.lockers is None:
        raise _no_office(system)
    return system.lockers


def _agency(system: SystemDep) -> AgencyDocuments:
    if system.agency is None:
        raise _no_office(system)
    return system.agency


def _office_sync(system: SystemDep) -> OfficeSync:
    if system.office_sync is None:
        raise _no_office(system)
    return system.office_sync


def _fleet(system: SystemDep) -> Fleet:
    if system.fleet is None:
        raise AmbilError(f"this process has no office (role = {system.config.role})", key="request.invalid")
    return system.fleet


def _lane_commands(system: SystemDep) -> OfficeLaneCommands:
    if system.commands is None:
        raise _no_office(system)
    return system.commands


def _lane_join(system: SystemDep) -> LaneJoin:
    if system.lane_join is None:
        raise _no_office(system)
    return system.lane_join


def _reports(system: SystemDep) -> Reports:
    if system.reports is None:
        raise AmbilError(f"this process has no office (role = {system.config.role})", key="request.invalid")
    return system.reports


def _lane(system: SystemDep) -> Lane:
    if system.lane is None:
        raise AmbilError(f"this process runs no lane (role = {system.config.role})", key="device.failed")
    return system.lane


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
