"""`sop-packets serve`: the coordinator's web app (worklist, profile form, live preview, clinic page).

Starlette over uvicorn, the project's Jinja2 templates, and no JavaScript but the vendored htmx for
the live preview. See app.py for the routes and security.py for the guards.
"""

from __future__ import annotations

from .app import create_app
from .pages import Settings

__all__ = ["Settings", "create_app", "serve"]


def serve(settings: Settings, open_browser: bool = False, say=print) -> None:
    """Run the app until interrupted, printing the start URL (with its access token)."""
    import socket
    import threading

    import uvicorn

    from ..render import warm_up

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
    config = uvicorn.Config(create_app(settings), host=settings.host, port=settings.port, access_log=False,
                            log_level="warning", server_header=False, date_header=False,
                            limit_concurrency=64, timeout_keep_alive=5, lifespan="off")
    server = uvicorn.Server(config)
    say(f"sop-packets is serving {settings.workspace.profiles} (packets go to {settings.options.out_dir}).")
    say("Open this link in your browser (it holds the access key; do not share it):")
    say(f"    {settings.start_url}")
    say("Press Ctrl+C to stop.")
    if open_browser:
        import webbrowser

        threading.Timer(0.5, webbrowser.open, args=(settings.start_url,)).start()
    server.run()
