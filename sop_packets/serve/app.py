"""The web app: its configuration, its routes (all listed here) and the Starlette application."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from . import views_clinic, views_profile, views_review, views_worklist
from .pages import STATIC, Settings
from .security import CsrfError, Guard, TooLarge, allowed_hosts


def routes() -> list:
    """Every route of the app, in one place. Paths with a profile name look the name up in the
    folder listing; nothing the client sends is ever opened as a path."""
    return [
        Route("/", views_worklist.worklist, methods=["GET"]),
        Route("/import", views_worklist.import_profiles, methods=["POST"]),
        Route("/new", views_worklist.new_profile, methods=["POST"]),
        Route("/profiles/{name:path}/preview", views_profile.live_preview, methods=["POST"]),
        Route("/profiles/{name:path}/build", views_profile.build, methods=["POST"]),
        Route("/profiles/{name:path}/packet.pdf", views_profile.download, methods=["GET"]),
        Route("/profiles/{name:path}/archive", views_profile.archive, methods=["POST"]),
        Route("/profiles/{name:path}/convert", views_profile.convert, methods=["POST"]),
        Route("/profiles/{name:path}/send-for-review", views_review.send_for_review, methods=["POST"]),
        Route("/profiles/{name:path}/review", views_review.review_page, methods=["GET", "POST"]),
        Route("/profiles/{name:path}", views_profile.edit, methods=["GET", "POST"]),
        Route("/preview/{key}", views_profile.preview_page, methods=["GET"]),
        Route("/clinic", views_clinic.clinic, methods=["GET", "POST"]),
        Route("/clinic/preview", views_clinic.clinic_preview, methods=["POST"]),
        Route("/clinic/logo", views_clinic.upload_logo, methods=["POST"]),
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
    ]


async def _csrf_refused(request: Request, exc: Exception) -> Response:
    return PlainTextResponse("This form is out of date or did not come from this app. Go back, reload "
                             "the page and try again.", status_code=403)


async def _too_large(request: Request, exc: Exception) -> Response:
    return PlainTextResponse("This is too large to send.", status_code=413)


def create_app(settings: Settings) -> Guard:
    """The ASGI app, wrapped in the guard (token, Host check, limits, headers)."""
    app = Starlette(routes=routes(), exception_handlers={CsrfError: _csrf_refused, TooLarge: _too_large})
    app.state.settings = settings
    hosts = allowed_hosts(settings.host, settings.port)
    return Guard(app, settings.secrets, hosts, announce=settings.announce)


__all__ = ["Settings", "create_app", "routes"]
