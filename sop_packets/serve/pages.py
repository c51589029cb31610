"""What every view shares: the app's settings, the page templates and a helper to render them."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from ..audit import os_user
from ..build import BuildOptions
from .preview import Store
from .security import Secrets, checked_form
from .workspace import Workspace

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
HTMX = "htmx-2.0.11.min.js"  # vendored from the npm package htmx.org 2.0.11, with its licence


@dataclass
class Settings:
    """Everything the app works on, fixed at start-up."""

    workspace: Workspace
    options: BuildOptions
    host: str = "127.0.0.1"
    port: int = 8000
    secrets: Secrets = field(default_factory=Secrets)
    previews: Store = field(default_factory=Store)
    user: str = field(default_factory=os_user)  # who the audit trail names (serve --user, or the login)
    id_from: str | None = None  # the identifier system imports name profiles by (serve --id-from)
    announce: Callable[[str], None] | None = None  # told each new start token (serve prints the link)

    @property
    def start_url(self) -> str:
        return self.link_for(self.secrets.token)

    def link_for(self, token: str) -> str:
        shown = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{shown}:{self.port}/?token={token}"


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


async def posted(request: Request):
    """The posted form, after the CSRF check every POST goes through."""
    return await checked_form(request, settings_of(request).secrets)


@functools.cache
def templates():
    """The project's Jinja2 environment (autoescape on, undefined names are errors) over our pages."""
    from ..render import environment

    env = environment(HERE / "templates")
    env.globals["htmx"] = HTMX
    return env


def page(request: Request, template: str, status: int = 200, **context) -> Response:
    """A rendered page; every page gets the CSRF token and the app's settings."""
    settings = settings_of(request)
    if template == "profile.html.j2" and "history" not in context:
        context["history"] = settings.workspace.history(context["name"])  # the profile's audit trail
    html = templates().get_template(template).render(
        csrf=settings.secrets.csrf, request_path=request.url.path, clinic_editable=settings.workspace.clinic
        is not None, **context)
    return HTMLResponse(html, status_code=status)
