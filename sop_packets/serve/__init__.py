"""`sop-packets serve`: the coordinator's web app (worklist, profile form, live preview, clinic page).

Starlette over uvicorn, the project's Jinja2 templates, and no JavaScript but the vendored htmx for
the live preview. See app.py for the routes and security.py for the guards.
"""

from __future__ import annotations

from .app import create_app
from .pages import Settings

__all__ = ["Settings", "create_app", "serve", "server_config"]


def server_config(settings: Settings, protocol: type | None = None):
    """uvicorn's configuration: our app on the h11 protocol with a deadline per connection (an idle
    socket is closed, never counted against everyone), and no shared connection limit to fill."""
    import uvicorn

    from .connections import BoundedH11Protocol

    return uvicorn.Config(create_app(settings), host=settings.host, port=settings.port, access_log=False,
                          log_level="warning", server_header=False, date_header=False,
                          http=protocol or BoundedH11Protocol, timeout_keep_alive=5, lifespan="off",
                          h11_max_incomplete_event_size=64 * 1024)


def _more_open_files() -> None:
    """Allow as many open sockets as the system lets this user have (idle ones are closed by deadline)."""
    import contextlib
    import resource

    with contextlib.suppress(ValueError, OSError):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard == resource.RLIM_INFINITY or soft < hard:
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536) if hard != resource.RLIM_INFINITY
                                                        else 65536, hard))


def serve(settings: Settings, open_browser: bool = False, say=print) -> None:
    """Run the app until interrupted, printing the start URL (with its access token)."""
    import socket
    import threading

    import uvicorn

    from ..output import sweep_dead_runs
    from ..render import warm_up

    sweep_dead_runs()  # uploads and import indexes of an app that was killed
    _more_open_files()

    threading.Thread(target=warm_up, kwargs={"pdf": False}, daemon=True).start()
    try:
        probe = socket.getaddrinfo(settings.host, settings.port, type=socket.SOCK_STREAM)
        with socket.socket(probe[0][0], socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(probe[0][4])
    except OSError as exc:
        from ..errors import SopError

        raise SopError(f"cannot listen on {settings.host} port {settings.port} ({exc.strerror or exc}); "
                       "give another with --port") from None
    settings.announce = lambda token: say("That link is now used (each opens the app once). For another "
                                          f"browser: {settings.link_for(token)}")
    server = uvicorn.Server(server_config(settings))
    say(f"sop-packets is serving {settings.workspace.profiles} (packets go to {settings.options.out_dir}).")
    say("Open this link in your browser (it holds the access key; do not share it):")
    say(f"    {settings.start_url}")
    say("Press Ctrl+C to stop.")
    if open_browser:
        import webbrowser

        threading.Timer(0.5, webbrowser.open, args=(settings.start_url,)).start()
    server.run()
