"""The web front door: the Redundancy Configuration page and its JSON API, built by `create_app`.

`create_app(app_service, token=...)` is handed the one object of service
calls (bridge.app.AppService) and the service token; tests hand in fakes.
With `service` (the scheduler of `smartsync serve`), the app's lifespan
starts it with the web server and stops it with it: one process.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from loguru import logger
from starlette.exceptions import HTTPException as StarletteHTTPException

from bridge import __version__
from bridge.app import AppService, Conflict, InputError, NotFound
from bridge.errors import BridgeError, ConfigError, ConnectError, CycleRunning, GuardTripped, SdkLoadError
from bridge.revert import LaterCyclesTouched, RevertRefused
from bridge.web import api, pages
from bridge.web.access import AccessError
from bridge.web.auth import Gate

HERE = Path(__file__).parent


def _status_of(exc: BridgeError) -> int:
    if isinstance(exc, InputError):
        return 400
    if isinstance(exc, ConfigError):
        return 422
    if isinstance(exc, CycleRunning | Conflict | RevertRefused | GuardTripped):
        return 409  # the request is fine, the state refuses it (a cycle runs, later cycles, the delete guard)
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, ConnectError | SdkLoadError):
        return 503
    return 500


def short_value(value: Any, limit: int = 120) -> str:
    """A value in a report cell: a text as it is, anything else as JSON; cut at `limit` characters."""
    import json

    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith(("/api/", "/docs", "/openapi", "/static/", "/docs-static/"))


def _offline_docs(app: FastAPI) -> None:
    """/docs served from the swagger-ui-py package's Swagger UI 5 (it reads OpenAPI 3.1, as FastAPI writes it):
    the documentation works on a server without internet access."""
    import swagger_ui
    from fastapi.openapi.docs import get_swagger_ui_html

    static = Path(swagger_ui.__file__).parent / "static"
    app.mount("/docs-static", StaticFiles(directory=str(static)), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="SmartSync API",
                                   swagger_js_url="/docs-static/swagger-ui-bundle.js",
                                   swagger_css_url="/docs-static/swagger-ui.css",
                                   swagger_favicon_url="/docs-static/favicon-32x32.png")


def create_app(app_service: AppService, *, token: str, service: Any = None, stop_timeout: float = 30.0,
               secure_cookie: bool = False, on_started: Callable[[], None] | None = None) -> FastAPI:
    """The ASGI app over `app_service`; `service` (optional) is started and stopped by its lifespan.

    A service that cannot start (another one runs on this store) keeps the web server from starting; the
    error is kept in `app.state.startup_error` for the caller to report.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if service is not None:
            try:
                service.start()
            except BridgeError as exc:
                app.state.startup_error = exc
                raise
        if on_started is not None:
            on_started()
        try:
            yield
        finally:
            if service is not None:
                app.state.stopped_clean = service.stop(timeout=stop_timeout)

    app = FastAPI(title="SmartSync bridge", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="The Redundancy Configuration page's operations: status, configuration, schedule, "
                              "run now, history and reports, plan preview, log. Send the service token as "
                              "`Authorization: Bearer <token>`.")
    app.state.app_service = app_service
    app.state.gate = Gate(token, secure_cookie=secure_cookie)
    app.state.stopped_clean = True
    app.state.startup_error = None
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.filters["short"] = short_value
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    _offline_docs(app)
    app.include_router(api.build_router())
    app.include_router(pages.build_router(templates))

    @app.exception_handler(AccessError)
    async def access_error(request: Request, exc: AccessError) -> Response:
        if exc.status == 401 and _wants_html(request):
            return RedirectResponse("/login", status_code=303)
        if _wants_html(request):
            return templates.TemplateResponse(request, "login.html" if exc.status == 401 else "plain-error.html",
                                              {"request": request, "error": exc.message, "message": exc.message},
                                              status_code=exc.status)
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse({"message": exc.message, "problems": []}, status_code=exc.status, headers=headers)

    @app.exception_handler(BridgeError)
    async def bridge_error(request: Request, exc: BridgeError) -> Response:
        status = _status_of(exc)
        if status == 500:
            logger.warning("Request {} {} failed: {}", request.method, request.url.path, exc.message)
        problems = exc.problems if isinstance(exc, ConfigError) else []
        if _wants_html(request):
            return HTMLResponse(templates.get_template("plain-error.html").render(message=exc.message,
                                                                                  problems=problems),
                                status_code=status)
        body: dict[str, Any] = {"message": exc.message, "problems": problems}
        if isinstance(exc, LaterCyclesTouched):
            body["later_cycles"] = [{"run_id": r, "items": items} for r, items in sorted(exc.later.items())]
        return JSONResponse(body, status_code=status)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        problems = []
        for err in exc.errors():
            if err.get("type") == "json_invalid":
                # Its location is a character position, not a field: say it as one, with the parser's reason.
                loc = err.get("loc", ())
                at = f" at character {loc[-1]}" if loc and isinstance(loc[-1], int) else ""
                reason = (err.get("ctx") or {}).get("error", "")
                problems.append(f"body: not valid JSON{at}" + (f" ({reason})" if reason else "")
                                + "; send a JSON object, as /docs shows for this endpoint")
                continue
            where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
            problems.append(f"{where or 'request'}: {err.get('msg', 'invalid')}")
        n = len(problems)
        message = f"{n} problem{'s' if n != 1 else ''} in the request"
        if _wants_html(request):
            # A page address typed or edited in a browser (/history/abc): a page, not a JSON document.
            return _plain_error(message, problems, 422)
        return JSONResponse({"message": message, "problems": problems}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404 and _wants_html(request):
            return _plain_error("No such page", ["the pages: / (configuration), /plan, /history, /log; the API is "
                                                 "listed at /docs"], 404)
        message = "no such page or endpoint; the API is listed at /docs" if exc.status_code == 404 else str(exc.detail)
        if _wants_html(request):
            return _plain_error(message, [], exc.status_code)
        return JSONResponse({"message": message, "problems": []}, status_code=exc.status_code)

    def _plain_error(message: str, problems: list[str], status: int) -> HTMLResponse:
        return HTMLResponse(templates.get_template("plain-error.html").render(message=message, problems=problems),
                            status_code=status)

    return app


__all__ = ["create_app"]
