"""Builds the FastAPI application around a built System (see controller.system)."""

from __future__ import annotations

import functools
import logging
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from controller.config import Config
from controller.kernel.keyfile import load_secret
from controller.system import System
from controller.system import build_system as build_controller_system
from web.access_log import AccessLog
from web.api import agency, claims, documents, health, heartbeats, lane, lane_commands, metrics, qr, sync
from web.body_guard import BodyGuard
from web.errors import install_error_handlers
from web.i18n.messages import CatalogTexts
from web.pages import (
    account,
    admin,
    citizen,
    dashboard,
    lane_screen,
    reports,
    staff_documents,
    staff_lockers,
)
from web.pages.selftest_page import selftest_page_pdf
from web.speech import warn_if_missing

log = logging.getLogger(__name__)
HERE = Path(__file__).parent


def build_system(config: Config, **parts) -> System:
    """The System as web/ runs it: ``controller.system.build_system`` with the words of the office's
    messages and of the lane's test page taken from the catalogs, times in ``site.timezone``
    (``parts``: drivers or an office link, as there)."""
    zone = config.site.zone()
    test_page = functools.partial(selftest_page_pdf, zone=zone)
    return build_controller_system(config, texts=CatalogTexts(zone), test_page=test_page, **parts)


def create_app(system: System, *, manage_lifecycle: bool = True) -> FastAPI:
    """The app for one System. With ``manage_lifecycle`` the app starts and stops the System."""

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if manage_lifecycle and not system.started:
            system.start()
        try:
            yield
        finally:
            if manage_lifecycle:
                system.stop()

    app = FastAPI(
        title="ambil",
        version="0.1.0",
        description="Drive-thru document pickup: office API, lane protocol, lane screen.",
        lifespan=lifespan,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    app.state.system = system
    app.state.csrf_secret = load_secret(system.config.state_dir / "secrets" / "csrf.key")
    app.state.templates = Jinja2Templates(directory=HERE / "templates")
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    if system.lane is not None and system.config.lane.speech:
        warn_if_missing()  # one clear line at start; the lane screen stays silent without clips
    install_error_handlers(app)
    app.openapi = lambda: _openapi_with_our_errors(app)
    # the lanes' hot paths first: the router tries routes in this order (heartbeats are most requests)
    routers = (
        heartbeats,
        claims,
        health,
        documents,
        agency,
        qr,
        lane,
        lane_screen,
        metrics,
        account,
        staff_documents,
        staff_lockers,
        reports,
        admin,
        citizen,
        dashboard,
        sync,
        lane_commands,
    )
    for module in routers:
        app.include_router(module.router)
    app.include_router(claims.ratings_router)
    # bodies bounded and API keys checked before a body is read (added first: inside the log)
    app.add_middleware(BodyGuard)

    # the access log outermost: it times and logs refusals too (pure ASGI, web/access_log.py)
    app.add_middleware(AccessLog)
    return app


# every error, validation included, answers with this body (web/errors.py), so the document says so
ERROR_BODY = {
    "title": "Error",
    "type": "object",
    "required": ["error", "message", "message_en"],
    "properties": {
        "error": {"type": "string", "description": "machine key, e.g. request.invalid"},
        "message": {"type": "string", "description": "Bahasa Indonesia"},
        "message_en": {"type": "string"},
        "detail": {"type": "string"},
        "problems": {"type": "array", "items": {"type": "string"}},
    },
}


def _openapi_with_our_errors(app: FastAPI) -> dict:
    if app.openapi_schema is None:
        from fastapi.openapi.utils import get_openapi

        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        schemas = schema.get("components", {}).get("schemas", {})
        schemas["HTTPValidationError"] = ERROR_BODY  # FastAPI's default 422 body is not ours
        schemas.pop("ValidationError", None)
        app.openapi_schema = schema
    return app.openapi_schema
