"""The server-rendered pages: sign-in, Redundancy Configuration (with Scheduling), Plan, History, Log.

A cycle's report shows its journal of writes; its Revert button opens the
revert's plan (a dry run) and asks for confirmation. The status panel shows
a paused schedule with its Resume button.

Each handler parses the form, calls the service layer and renders a
template; after a change it redirects (POST, redirect, GET) with a one-time
message. A refused save re-renders the page with what was typed and every
problem, and writes nothing.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from loguru import logger

from bridge import runs_view
from bridge.app import AppService, Conflict, InputError, NotFound, journal_rows
from bridge.configdoc import BLOCK_ORDER, CHOICES, LIFECYCLE_DEFAULTS, LIFECYCLE_SWITCHES, SYNC_LISTS, SYNC_SWITCHES
from bridge.errors import BridgeError, ConfigError, CycleRunning, GuardTripped
from bridge.revert import LaterCyclesTouched, RevertRefused
from bridge.scheduler import parse_interval, parse_start_at
from bridge.web.access import AccessError, check_csrf, gate_of, reader
from bridge.web.auth import COOKIE, Session
from bridge.web.charts import duration_text, timeline
from bridge.web.forms import blocks_from_form, form_from_blocks

REPORT_PAGE = 500
"""Applied actions (and journal entries) per page of a report."""
SYNC_GROUPS = (
    ("Camera", [s for s in SYNC_SWITCHES if s.startswith("camera_")]),
    ("Hardware", [s for s in SYNC_SWITCHES if s.startswith("hardware_")]),
    ("Devices", ["microphone", "speaker", "metadata", "input", "output"]),
    ("Groups and views", ["device_groups", "views"]),
    ("Roles", ["roles"]),
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
                "flash": flash, "zone": app_service.zone(), "local": app_service.local, "back": request.url.path,
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
                    error: str = "", status_code: int = 200, warnings: list[str] | None = None) -> HTMLResponse:
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
                      sync_names={switch: key for key, switch in SYNC_LISTS.items()},
                      problems=problems or [], error=error, warnings=warnings or [], page="config")

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
                               error="Nothing saved: fix these problems first.", status_code=422,
                               warnings=check.warnings)
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
        # What works but is weaker than it should be (a short password): `config check` says it, so does Save.
        said += [f"Warning: {warning}." for warning in result.warnings]
        gate_of(request).flash(session, "warn" if result.warnings else "ok", " ".join(said))
        return RedirectResponse("/", status_code=303)

    # -- status and run now -----------------------------------------------------------------------------

    @pages.get("/status-panel", response_class=HTMLResponse, include_in_schema=False)
    def status_panel(request: Request) -> HTMLResponse:
        session = signed_in(request)
        app_service = service_of(request)
        return templates.TemplateResponse(request, "status.html", {
            "request": request, "status": app_service.status(), "csrf": session.csrf if session else "",
            "local": app_service.local, "zone": app_service.zone(), "back": request.query_params.get("back", "/")})

    def back_to(form: Any) -> str:
        back = str(form.get("back") or "/")
        return back if back.startswith("/") and not back.startswith("//") else "/"  # this site's pages only

    @pages.post("/run-now", include_in_schema=False)
    async def run_now(request: Request) -> Response:
        session = signed_in(request)
        form = await request.form()
        check_csrf(session, str(form.get("csrf", "")))
        override = form.get("allow_mass_delete") == "yes"
        try:
            service_of(request).start_run_now(allow_mass_delete=override)
            if override:
                logger.info("Run now with the delete guard overridden, from the page")
            gate_of(request).flash(session, "ok", "A cycle starts now, with the delete guard overridden: once it "
                                   "has applied, scheduling resumes." if override else "A cycle starts now.")
        except CycleRunning as exc:
            gate_of(request).flash(session, "error", f"Run now refused: {exc.message}")
        return RedirectResponse(back_to(form), status_code=303)

    @pages.post("/schedule/resume", include_in_schema=False)
    async def schedule_resume(request: Request) -> Response:
        session = signed_in(request)
        form = await request.form()
        check_csrf(session, str(form.get("csrf", "")))
        done = service_of(request).schedule_resume()
        if not done["resumed"]:
            gate_of(request).flash(session, "ok", "Scheduling is not paused; nothing to resume.")
        else:
            text = f"Scheduling resumed (it was paused: {done['was']['reason']})."
            if not done["scheduling"]["enabled"]:
                text += " Scheduling itself is off: turn the Scheduling switch on to start cycles."
            gate_of(request).flash(session, "ok", text)
        return RedirectResponse(back_to(form), status_code=303)

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
    def report(request: Request, run_id: int, start: int = 0, jstart: int = 0) -> HTMLResponse:
        session = signed_in(request)
        try:
            data = service_of(request).report(run_id)
        except BridgeError as exc:
            return render(request, "error.html", session, status_code=404, message=exc.message, page="history")
        # A cycle that mirrored a whole site applied thousands of actions: shown a page at a time.
        total = len(data["applied_actions"])
        start = min(max(start, 0), max(total - 1, 0))
        shown = data["applied_actions"][start:start + REPORT_PAGE]
        journal = data["journal"]
        jstart = min(max(jstart, 0), max(len(journal) - 1, 0))
        writes = journal_rows(journal[jstart:jstart + REPORT_PAGE], data.get("recorder_names"),
                              data.get("target_edits"))
        revertible = data["status"] != "running" and bool(journal)
        # A revert's first note names the cycle it reverts (bridge.revert writes it so).
        first = (data.get("notes") or [""])[0]
        found = re.fullmatch(r"revert of cycle (\d+)", first) if data["trigger"] == "revert" else None
        return render(request, "report.html", session, report=data, shown=shown, start=start, total=total,
                      writes=writes, jstart=jstart, jtotal=len(journal), revertible=revertible,
                      reverts=int(found.group(1)) if found else None,
                      page_size=REPORT_PAGE, page="history")

    # -- revert -----------------------------------------------------------------------------------------

    def revert_page(request: Request, session: Session | None, run_id: int, *, force: bool, allow: bool,
                    error: str = "") -> HTMLResponse:
        """The revert's plan (a dry run) and the confirmation, or why it is refused and how to override."""
        app_service = service_of(request)
        context: dict[str, Any] = {"run_id": run_id, "force": force, "allow": allow, "error": error,
                                   "later": {}, "guard": "", "refused": "", "plan": None, "page": "history"}
        status_code = 200
        try:
            report = app_service.revert(run_id, dry_run=True, force=force, allow_mass_delete=allow)
            names = report.recorder_names or {}
            context["plan"] = [a.to_json() | {"recorder": names.get(a.target.recorder_id, a.target.recorder_id)}
                               for a in (report.plan.actions if report.plan else [])]
            context["notes"] = report.notes[1:]  # the first only says "revert of cycle N"
        except NotFound as exc:
            return render(request, "error.html", session, status_code=404, message=exc.message, page="history")
        except LaterCyclesTouched as exc:
            context.update(later=exc.later, refused=exc.message)
            status_code = 409
        except GuardTripped as exc:
            context.update(guard=exc.message)
            status_code = 409
        except (RevertRefused, CycleRunning) as exc:
            context.update(refused=exc.message)
            status_code = 409
        except BridgeError as exc:  # the VMS could not be reached, the configuration...
            context.update(refused=exc.message)
            status_code = 503
        return render(request, "revert.html", session, status_code=status_code, **context)

    @pages.get("/history/{run_id}/revert", response_class=HTMLResponse, include_in_schema=False)
    def revert_plan(request: Request, run_id: int, force: bool = False, allow_mass_delete: bool = False) \
            -> HTMLResponse:
        return revert_page(request, signed_in(request), run_id, force=force, allow=allow_mass_delete)

    @pages.post("/history/{run_id}/revert", include_in_schema=False)
    async def revert_confirm(request: Request, run_id: int) -> Response:
        session = signed_in(request)
        form = await request.form()
        check_csrf(session, str(form.get("csrf", "")))
        if form.get("confirm") != "yes":
            raise AccessError(400, "a revert needs its confirmation: open the revert's plan and confirm it there")
        force, allow = form.get("force") == "yes", form.get("allow_mass_delete") == "yes"
        logger.info("Revert of cycle {} confirmed on the page{}", run_id, " (forced)" if force else "")
        try:
            started = service_of(request).start_revert(run_id, force=force, allow_mass_delete=allow)
        except NotFound as exc:
            return render(request, "error.html", session, status_code=404, message=exc.message, page="history")
        except BridgeError as exc:
            # Something changed since the plan was shown (a later cycle, a running one): show it again, refused.
            return revert_page(request, session, run_id, force=force, allow=allow,
                               error=f"The revert did not start: {exc.message}")
        gate_of(request).flash(session, "ok", f"Reverting cycle {run_id}: this is the revert's own report "
                               f"(cycle {started['run_id']}). Scheduling is paused until you resume it.")
        return RedirectResponse(f"/history/{started['run_id']}", status_code=303)

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
