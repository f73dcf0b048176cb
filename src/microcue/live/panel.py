"""The cue panel: a local web page beside the call (FastAPI + WebSocket on 127.0.0.1, no external assets).

``start_panel()`` serves the page from a background thread and returns a :class:`Panel`; ``Panel.publish(msg)``
(any thread) sends a message to every connected page. Messages are dicts with a ``type``:

- ``cue``: a cue from :class:`~microcue.live.live_cues.LiveCueMaker` (``update=True`` updates a shown cue's count);
- ``state``: a participant's state from :class:`~microcue.live.live_cues.BuyerState`;
- ``self``: the seller's own tension (:class:`~microcue.live.live_cues.SelfState`); dropped unless the panel
  was started with ``self_view=True``;
- ``withdraw``: ``{"type": "withdraw", "id": ...}`` removes a provisional cue the spotter did not confirm;
- ``status``: free text for the footer (e.g. ``{"type": "status", "text": "face-only: no transcript"}``).

Security: the page and the WebSocket need the per-session token (``?token=``, from ``secrets``); the WebSocket
also needs an ``Origin`` equal to the panel's own origin, and every request a ``Host`` of 127.0.0.1:PORT (so a
web page elsewhere cannot reach the panel by DNS rebinding). A bad page request gets 403; a bad WebSocket is
closed with 1008 (policy violation) before it is accepted, which uvicorn sends as an HTTP 403 handshake refusal.
A page that connects late gets the current picture (last state per participant, the last cues).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import socket
import threading
from collections import OrderedDict
from importlib import resources

MAX_CUES = 6
"""Cues a newly connected page is sent (the newest first on the page, the others faded)."""
CLIENT_QUEUE = 200
"""Messages waiting for one slow page; beyond it that page's oldest messages are dropped."""
POLICY_VIOLATION = 1008


def _asset(name: str) -> str:
    return resources.files("microcue.live").joinpath("static", name).read_text(encoding="utf-8")


class Panel:
    """A running panel. ``url`` (with the token) is what the seller opens; ``publish`` and ``stop`` are thread-safe."""

    def __init__(self, *, token: str | None = None, self_view: bool = False, host: str = "127.0.0.1",
                 port: int = 0) -> None:
        self.token = token or secrets.token_urlsafe(24)
        self.self_view = bool(self_view)
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self.host, self.port = self._sock.getsockname()[:2]
        self.origin = f"http://{self.host}:{self.port}"
        self.url = f"{self.origin}/?token={self.token}"
        self._hosts = {f"{self.host}:{self.port}"} | ({f"localhost:{self.port}"} if host == "127.0.0.1" else set())
        self._origins = {f"http://{h}" for h in self._hosts}
        self._lock = threading.Lock()
        self._cues: OrderedDict[str, dict] = OrderedDict()
        self._states: dict[str, dict] = {}
        self._self: dict | None = None
        self._status: dict | None = None
        self._clients: set[asyncio.Queue] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server = None
        self._thread: threading.Thread | None = None
        self.published = 0
        self.dropped = 0

    # ---------------------------------------------------------------------------------------- the app
    def _ok_token(self, token: str | None) -> bool:
        return token is not None and secrets.compare_digest(token.encode(), self.token.encode())

    def app(self):
        """The FastAPI app (tests may drive it with Starlette's TestClient, ``base_url=panel.origin``)."""
        from fastapi import FastAPI, Request
        from fastapi.responses import HTMLResponse, PlainTextResponse, Response
        from starlette.routing import WebSocketRoute

        html, css, js = _asset("panel.html"), _asset("panel.css"), _asset("panel.js")
        app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
        csp = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               f"connect-src 'self' ws://{self.host}:{self.port}; base-uri 'none'; form-action 'none'; "
               "frame-ancestors 'none'")
        headers = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
                   "X-Content-Type-Options": "nosniff", "Content-Security-Policy": csp}
        panel = self

        @app.middleware("http")
        async def check_host(request: Request, call_next):
            if request.headers.get("host") not in panel._hosts:
                return PlainTextResponse("forbidden host", status_code=403, headers=headers)
            return await call_next(request)

        @app.get("/")
        async def page(token: str | None = None):
            if not panel._ok_token(token):
                return PlainTextResponse("This panel needs its session link (with ?token=...), as printed by "
                                         "microcue live.", status_code=403, headers=headers)
            return HTMLResponse(html, headers=headers)

        @app.get("/panel.css")
        async def style():
            return Response(css, media_type="text/css", headers=headers)

        @app.get("/panel.js")
        async def script():
            return Response(js, media_type="text/javascript", headers=headers)

        async def ws(websocket):  # a plain Starlette route: no dependency injection needed
            origin = websocket.headers.get("origin")
            host = websocket.headers.get("host")
            if (not panel._ok_token(websocket.query_params.get("token")) or origin not in panel._origins
                    or host not in panel._hosts):
                await websocket.close(code=POLICY_VIOLATION)
                return
            await websocket.accept()
            queue: asyncio.Queue = asyncio.Queue(maxsize=CLIENT_QUEUE)
            for text in panel._snapshot():
                queue.put_nowait(text)
            panel._clients.add(queue)

            async def sender():
                while True:
                    await websocket.send_text(await queue.get())

            send_task = asyncio.create_task(sender())
            try:
                while True:
                    msg = await websocket.receive()
                    if msg["type"] == "websocket.disconnect":
                        break
            finally:
                panel._clients.discard(queue)
                send_task.cancel()
                with contextlib.suppress(BaseException):
                    await send_task

        app.router.routes.append(WebSocketRoute("/ws", ws))
        return app

    def _snapshot(self) -> list[str]:
        with self._lock:
            msgs = [dict(type="hello", self_view=self.self_view)]
            msgs += list(self._states.values()) + list(self._cues.values())[-MAX_CUES:]
            if self.self_view and self._self is not None:
                msgs.append(self._self)
            if self._status is not None:
                msgs.append(self._status)
        return [json.dumps(m, default=_jsonable) for m in msgs]

    # ---------------------------------------------------------------------------------------- publishing
    def publish(self, msg: dict) -> bool:
        """Send ``msg`` to every connected page (from any thread). Returns False when it was not sent: a
        ``self`` message without self-view, or an unknown type. Never blocks on a slow page."""
        kind = msg.get("type")
        with self._lock:
            if kind == "cue":
                if msg.get("update") and msg.get("id") in self._cues:
                    self._cues[msg["id"]] = {**self._cues[msg["id"]], **msg}
                else:
                    self._cues[msg.get("id") or f"x{len(self._cues)}"] = msg
                while len(self._cues) > 50:
                    self._cues.popitem(last=False)
            elif kind == "withdraw":
                self._cues.pop(str(msg.get("id")), None)
            elif kind == "state":
                self._states[str(msg.get("participant"))] = msg
            elif kind == "self":
                if not self.self_view:
                    return False
                self._self = msg
            elif kind == "status":
                self._status = msg
            else:
                return False
            self.published += 1
        text = json.dumps(msg, default=_jsonable)
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._fan_out, text)
        return True

    def _fan_out(self, text: str) -> None:  # on the server's loop
        for q in list(self._clients):
            if q.full():
                with contextlib.suppress(asyncio.QueueEmpty):
                    q.get_nowait()
                self.dropped += 1
            q.put_nowait(text)

    @property
    def clients(self) -> int:
        """Pages connected now."""
        return len(self._clients)

    # ---------------------------------------------------------------------------------------- life
    def start(self, timeout: float = 10.0) -> Panel:
        import uvicorn

        app = self.app()
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                                timeout_graceful_shutdown=2, ws_ping_interval=20.0)
        self._server = uvicorn.Server(config)
        started = threading.Event()

        def serve() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._loop = loop
            loop.call_soon(started.set)
            try:
                loop.run_until_complete(self._server.serve(sockets=[self._sock]))
            finally:
                loop.close()

        self._thread = threading.Thread(target=serve, name="microcue-panel", daemon=True)
        self._thread.start()
        started.wait(timeout)
        for _ in range(int(timeout / 0.02)):
            if self._server.started or not self._thread.is_alive():
                break
            threading.Event().wait(0.02)
        if not self._server.started:
            raise RuntimeError(f"the cue panel did not start on {self.origin}")
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving (pages see the connection close). Safe to call twice."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        with contextlib.suppress(OSError):
            self._sock.close()

    def __enter__(self) -> Panel:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _jsonable(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return str(v)


def start_panel(*, token: str | None = None, self_view: bool = False, port: int = 0) -> Panel:
    """Serve the cue panel on 127.0.0.1 (a free port unless ``port``) from a background thread.

    Returns the running :class:`Panel`: print ``panel.url`` for the seller; ``panel.publish(msg)`` from any
    thread; ``panel.stop()`` at the end of the session.
    """
    return Panel(token=token, self_view=self_view, port=port).start()
