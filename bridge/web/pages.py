"""The server-rendered pages: sign-in, Redundancy Configuration (with Scheduling), Plan, History, Log.

Each handler parses the form, calls the service layer and renders a
template; after a change it redirects (POST, redirect, GET) with a one-time
message. A refused save re-renders the page with what was typed and every
problem, and writes nothing.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from loguru import logger

from bridge import runs_view
from bridge.app import AppService, Conflict, InputError
from bridge.configdoc import BLOCK_ORDER, CHOICES, LIFECYCLE_DEFAULTS, LIFECYCLE_SWITCHES, SYNC_SWITCHES
from bridge.errors import BridgeError, ConfigError, CycleRunning
from bridge.scheduler import parse_interval, parse_start_at
from bridge.web.access import AccessError, check_csrf, gate_of, reader
from bridge.web.auth import COOKIE, Session
from bridge.web.charts import duration_text, timeline
from bridge.web.forms import blocks_from_form, form_from_blocks

REPORT_PAGE = 500
"""Applied actions per page of a report."""
SYNC_GROUPS = (
    ("Camera", [s for s in SYNC_SWITCHES if s.startswith("camera_")]),
    ("Hardware", [s for s in SYNC_SWITCHES if s.startswith("hardware_")]),
    ("Devices", ["microphone", "speaker", "metadata", "input", "output"]),
    ("Groups and views", ["device_groups", "views"]),
)


def _label(switch: str) -> str:
    words = switch.split("_", 1)[-1] if "_" in switch else switch
    special = {"driver_settings": "driver settings", "ptz": "PTZ presets", "client": "client settings",
               "privacy": "privacy mask", "motion": "motion detection", "general": "general", "password": "password"}
    return special.get(words, words.replace("_", " "))


def _interval_parts(seconds: int | None) -> tuple[int, str]:
    if not seconds:
        return 10, "m"
    for size, unit in ((3600, "h"), (60, "m")):
        if seconds % size == 0:
            return seconds // size, unit
    return seconds, "s"


def build_router(templates: Jinja2Templates) -> APIRouter:
    pages = APIRouter()

    def service_of(request: Request) -> AppService:
        app_service: AppService = request.app.state.app_service
        return app_service

    def render(request: Request, name: str, session: Session | None, status_code: int = 200,
               **context: Any) -> HTMLResponse:
        app_service = service_of(request)
        flash = gate_of(request).pop_flash(session)
        base = {"request": request, "csrf": session.csrf if session else "", "status": app_service.status(),
                "flash": flash, "zone": app_service.zone(), "local": app_service.local,
                "now_local": app_service.local(app_service.clock.now(), seconds=False)}
        return templates.TemplateResponse(request, name, base | context, status_code=status_code)

    def signed_in(request: Request) -> Session | None:
        """The session, or None for a bearer client; AccessError(401) sends a browser to the sign-in page."""
        return reader(request)

    # -- sign-in ----------------------------------------------------------------------------------------

    @pages.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_page(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(request, "login.html", {"request": request, "error": ""})

    @pages.post("/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        form = await request.form()
        gate = gate_of(request)
        if not gate.token_ok(str(form.get("token", ""))):
            return templates.TemplateResponse(request, "login.html", {
                "request": request, "error": "That is not the service token. It is in the token file or the "
                                             "SMARTSYNC_SERVICE_TOKEN variable of the service."}, status_code=401)
        session = gate.sign_in()
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(COOKIE, session.id, httponly=True, samesite="strict", secure=gate.secure_cookie,
                            path="/")
        return response

    @pages.post("/logout", include_in_schema=False)
    async def logout(request: Request) -> Response:
        session = signed_in(request)
        form = await request.form()
        check_csrf(session, str(form.get("csrf", "")))
        if session is not None:
            gate_of(request).sign_out(session.id)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    # -- Redundancy Configuration -----------------------------------------------------------------------

    def config_page(request: Request, session: Session | None, *, blocks: dict[str, Any] | None = None,
                    fields: dict[str, Any] | None = None, version: str | None = None,
                    sched: dict[str, Any] | None = None, problems: list[str] | None = None,
                    error: str = "", status_code: int = 200) -> HTMLResponse:
        app_service = service_of(request)
        view = app_service.config_read()
        blocks = blocks or view.blocks
        if sched is None:
            stored = app_service.store().schedule()
            number, unit = _interval_parts(stored.interval_seconds)
            sched = {"enabled": stored.enabled, "number": number, "unit": unit, "dirty": False,
                     "start": "", "start_at": ""}
        return render(request, "config.html", session, status_code=status_code, blocks=blocks,
                      fields=fields or form_from_blocks(blocks), version=version or view.version, path=view.path,
                      order=BLOCK_ORDER, choices=CHOICES, lifecycle=LIFECYCLE_SWITCHES,
                      lifecycle_defaults=LIFECYCLE_DEFAULTS, sync_groups=SYNC_GROUPS, label=_label, sched=sched,
                      problems=problems or [], error=error, page="config")

    @pages.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request) -> HTMLResponse:
        return config_page(request, signed_in(request))

    @pages.post("/", response_class=HTMLResponse, include_in_schema=False)
    async def save(request: Request) -> Response:
        session = signed_in(request)
        form = {k: str(v) for k, v in (await request.form()).items()}
        check_csrf(session, form.get("csrf"))
        app_service = service_of(request)
        blocks, problems = blocks_from_form(form)
        number = form.get("sched_number", "").strip()
        unit = form.get("sched_unit", "m")
        sched: dict[str, Any] = {"enabled": form.get("sched_enabled") == "on", "number": number, "unit": unit,
                 "dirty": form.get("sched_dirty") == "1", "start": form.get("sched_start", ""),
                 "start_at": form.get("sched_start_at", "")}
        again: dict[str, Any] = {"blocks": blocks, "fields": form, "version": form.get("version", ""), "sched": sched}
        interval = f"{number}{unit}"
        # Every check before anything is written: a refused schedule leaves the file alone too.
        try:
            if sched["dirty"] and sched["enabled"]:
                parse_interval(interval)
                if sched["start"] == "later":
                    if not sched["start_at"]:
                        raise InputError("Start Later needs a date and time")
                    parse_start_at(sched["start_at"], app_service.tz, app_service.clock.now())
                elif sched["start"] != "now":
                    raise InputError("choose Start Now or Start Later")
        except ConfigError as exc:
            return config_page(request, session, **again, error=f"Scheduling not saved: {exc.message}",
                               status_code=400)
        if problems:
            check = app_service.config_validate(blocks)
            return config_page(request, session, **again, problems=problems + check.problems,
                               error="Nothing saved: fix these problems first.", status_code=422)
        try:
            _, result = app_service.config_save(blocks, form.get("version", ""))
        except Conflict as exc:
            return config_page(request, session, **again, error=exc.message, status_code=409)
        except ConfigError as exc:
            return config_page(request, session, **again, problems=exc.problems or [exc.message],
                               error="Nothing saved: fix these problems first.", status_code=422)
        said = ["Configuration saved."]
        if result.note:
            said.append(f"Note: {result.note}.")
        if sched["dirty"]:
            if sched["enabled"]:
                change = app_service.schedule_enable(interval, start_now=sched["start"] == "now",
                                                     start_at=sched["start_at"] if sched["start"] == "later" else None)
                when = "now" if change.starts_now else f"at {app_service.local(change.state.next_run_at)}"
                logger.info("Scheduling on from the page: every {}, first cycle {}", interval, when)
                said.append(f"Scheduling on: every {interval} from the end of a cycle; first cycle {when} "
                            f"({app_service.zone()}).")
                if change.note:
                    said.append(change.note)
                if not change.service_running:
                    said.append("No service is running: cycles start once `smartsync serve` runs.")
            else:
                app_service.schedule_disable()
                logger.info("Scheduling off from the page")
                said.append("Scheduling off.")
        gate_of(request).flash(session, "ok", " ".join(said))
        return RedirectResponse("/", status_code=303)

    # -- status and run now -----------------------------------------------------------------------------

    @pages.get("/status-panel", response_class=HTMLResponse, include_in_schema=False)
    def status_panel(request: Request) -> HTMLResponse:
        session = signed_in(request)
        app_service = service_of(request)
        return templates.TemplateResponse(request, "status.html", {
            "request": request, "status": app_service.status(), "csrf": session.csrf if session else "",
            "local": app_service.local, "zone": app_service.zone()})

    @pages.post("/run-now", include_in_schema=False)
    async def run_now(request: Request) -> Response:
        session = signed_in(request)
        form = await request.form()
        check_csrf(session, str(form.get("csrf", "")))
        try:
            service_of(request).start_run_now()
            gate_of(request).flash(session, "ok", "A cycle starts now.")
        except CycleRunning as exc:
            gate_of(request).flash(session, "error", f"Run now refused: {exc.message}")
        return RedirectResponse(str(form.get("back") or "/"), status_code=303)

    # -- plan, history, log -----------------------------------------------------------------------------

    @pages.get("/plan", response_class=HTMLResponse, include_in_schema=False)
    def plan(request: Request) -> HTMLResponse:
        session = signed_in(request)
        try:
            preview, error = service_of(request).plan(), ""
        except BridgeError as exc:
            preview, error = None, exc.message
        return render(request, "plan.html", session, plan=preview, error=error, page="plan")

    @pages.get("/history", response_class=HTMLResponse, include_in_schema=False)
    def history(request: Request) -> HTMLResponse:
        session = signed_in(request)
        app_service = service_of(request)
        runs = runs_view.summaries(app_service.store(), 200)
        chart = timeline(runs[:40], app_service.clock.now(), app_service.local)
        return render(request, "history.html", session, runs=[app_service.run_json(r) for r in runs], chart=chart,
                      duration=duration_text, page="history")

    @pages.get("/history/{run_id}", response_class=HTMLResponse, include_in_schema=False)
    def report(request: Request, run_id: int, start: int = 0) -> HTMLResponse:
        session = signed_in(request)
        try:
            data = service_of(request).report(run_id)
        except BridgeError as exc:
            return render(request, "error.html", session, status_code=404, message=exc.message, page="history")
        # A cycle that mirrored a whole site applied thousands of actions: shown a page at a time.
        total = len(data["applied_actions"])
        start = min(max(start, 0), max(total - 1, 0))
        shown = data["applied_actions"][start:start + REPORT_PAGE]
        return render(request, "report.html", session, report=data, shown=shown, start=start, total=total,
                      page_size=REPORT_PAGE, page="history")

    @pages.get("/log", response_class=HTMLResponse, include_in_schema=False)
    def log_page(request: Request) -> HTMLResponse:
        session = signed_in(request)
        return render(request, "log.html", session, lines=service_of(request).log_show(300), page="log")

    @pages.post("/log/clear", include_in_schema=False)
    async def log_clear(request: Request) -> Response:
        session = signed_in(request)
        form = await request.form()
        check_csrf(session, str(form.get("csrf", "")))
        if form.get("confirm") != "yes":
            raise AccessError(400, "clearing the log needs its confirmation")
        n = service_of(request).log_clear()
        logger.info("Log cleared from the page")
        gate_of(request).flash(session, "ok", f"Log cleared ({n} file(s)).")
        return RedirectResponse("/log", status_code=303)

    return pages
