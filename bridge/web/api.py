"""The JSON API: everything the page does, over the same service calls (documented at /docs).

Errors come back as `{"message": ..., "problems": [...]}` with 400 (bad
input), 401/403 (token, CSRF), 404, 409 (a cycle is running, the file
changed since it was loaded, a revert refused: later cycles touched the same
items, listed in `later_cycles`, or the delete guard) or 422 (the
configuration or the request, every problem listed).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from loguru import logger
from pydantic import BaseModel, ConfigDict, Field

from bridge.app import AppService, InputError, journal_rows
from bridge.errors import GuardTripped
from bridge.revert import RevertRefused
from bridge.web.access import reader, writer
from bridge.web.auth import Session
from bridge.web.charts import cycle_picture

Reader = Annotated[Session | None, Depends(reader)]
Writer = Annotated[Session | None, Depends(writer)]


def service_of(request: Request) -> AppService:
    app_service: AppService = request.app.state.app_service
    return app_service


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Labels(_Strict):
    primary: list[str] = Field(default_factory=list)
    secondary: list[str] = Field(default_factory=list)


class Link(_Strict):
    primary: str
    secondary: str


class StorageLink(_Strict):
    primary: str
    secondary: str
    map: dict[str, str] = Field(default_factory=dict)


class Selection(_Strict):
    devices: Literal["all"] | None = None
    names: list[str] = Field(default_factory=list)
    ids: list[str] = Field(default_factory=list)
    groups: list[str] = Field(default_factory=list)


class ConfigBlocks(_Strict):
    """The Redundancy Configuration blocks, in the product's order; a block left out stays as it is."""

    direction: Literal["backup", "restore"] | None = None
    architecture: Literal["single-site", "federated", "independent"] | None = None
    labels: Labels | None = None
    mode: Literal["auto", "manual"] | None = None
    links: list[Link] | None = None
    camera_map: dict[str, list[str]] | None = None
    storage_links: list[StorageLink] | None = None
    selection: Selection | None = None
    lifecycle: dict[Literal["add", "move", "replace", "delete"], bool] | None = None
    sync: dict[str, bool | list[str]] | None = Field(
        None, description="The [sync] switches (true/false) and the lists naming what a switch copies "
                          "(role_names: a list of role names).")

    def blocks(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class ConfigSave(_Strict):
    version: str = Field(description="The `version` from GET /api/config: a save is refused (409) if the file "
                                     "changed since.")
    config: ConfigBlocks


class ScheduleRequest(_Strict):
    enabled: bool = True
    interval: str | None = Field(None, description="Idle time after each cycle ends, e.g. 10m, 1h30m (30s .. 7d).")
    start: Literal["now", "later", "keep"] = Field(
        "now", description="now: a cycle at once; later: at start_at; keep: an interval change keeps the plan.")
    start_at: str | None = Field(None, description="YYYY-MM-DDTHH:MM in the server's time zone (for start=later).")
    deny_windows: list[str] | None = None


class RunNowRequest(_Strict):
    allow_mass_delete: bool = Field(False, description="Past the delete guard (as `smartsync sync "
                                                       "--allow-mass-delete`); lifts a pause the guard caused.")


class RevertRequest(_Strict):
    dry_run: bool = Field(False, description="Only plan: the actions that would put the cycle back; nothing "
                                             "written, scheduling not paused.")
    force: bool = Field(False, description="Revert even though later cycles changed the same items (their changes "
                                           "to those items are undone too).")
    allow_mass_delete: bool = Field(False, description="Past the delete guard (the revert removes many added "
                                                       "hardware).")


def revert_plan_json(app_service: AppService, run_id: int, report: Any) -> dict[str, Any]:
    """A revert's dry run as JSON: the actions in order, and the notes (what cannot be put back, overrides)."""
    names = dict(getattr(report, "recorder_names", None) or {})
    actions = [a.to_json() for a in (report.plan.actions if report.plan else [])]
    for a in actions:
        rid = a["target"].get("recorder_id", "")
        a["recorder"] = names.get(rid, rid)
    return {"run_id": run_id, "dry_run": True, "total": len(actions), "counts": report.planned,
            "actions": actions, "notes": report.notes[1:]}  # the first note only says "revert of cycle N"


def build_router() -> APIRouter:
    api = APIRouter(prefix="/api")

    @api.get("/status", summary="What the service is doing now")
    def status(request: Request, _: Reader) -> dict[str, Any]:
        return service_of(request).status()

    @api.get("/config", summary="The configuration blocks and the file's version")
    def config_get(request: Request, _: Reader) -> dict[str, Any]:
        return service_of(request).config_read().to_json()

    @api.post("/config/validate", summary="The checks of `smartsync config check` on edited blocks (writes nothing)")
    def config_validate(body: ConfigBlocks, request: Request, _: Reader) -> JSONResponse:
        result = service_of(request).config_validate(body.blocks())
        doc = {"valid": not result.problems, "message": result.headline, "problems": result.problems,
               "recorders_checked": result.recorders_checked, "note": result.note, "summary": result.summary,
               "warnings": result.warnings}
        return JSONResponse(doc, status_code=422 if result.problems else 200)

    @api.put("/config", summary="Validate and save the blocks into the TOML file (comments kept)")
    def config_save(body: ConfigSave, request: Request, _: Writer) -> dict[str, Any]:
        saved, result = service_of(request).config_save(body.config.blocks(), body.version)
        return saved.to_json() | {"note": result.note, "recorders_checked": result.recorders_checked,
                                  "warnings": result.warnings}

    @api.get("/schedule", summary="The stored schedule")
    def schedule_get(request: Request, _: Reader) -> dict[str, Any]:
        return service_of(request).schedule_show()

    @api.put("/schedule", summary="Turn scheduling on (Start Now / Start Later) or off")
    def schedule_put(body: ScheduleRequest, request: Request, _: Writer) -> dict[str, Any]:
        app_service = service_of(request)
        if not body.enabled:
            app_service.schedule_disable()
            logger.info("Scheduling off (API)")
            return app_service.schedule_show()
        if not body.interval:
            raise InputError("interval is missing: give the idle time after each cycle, e.g. \"10m\"")
        if body.start == "later" and not body.start_at:
            raise InputError("Start Later needs start_at, a date and time in the server's time zone")
        change = app_service.schedule_enable(
            body.interval, start_now=body.start == "now",
            start_at=body.start_at if body.start == "later" else None,
            deny=body.deny_windows or None, no_deny=body.deny_windows == [],
        )
        logger.info("Scheduling on (API): every {}, next cycle {}", body.interval,
                    "now" if change.starts_now else app_service.local(change.state.next_run_at))
        return app_service.schedule_show() | {"note": change.note, "starts_now": change.starts_now,
                                              "service_running": change.service_running}

    @api.post("/run-now", status_code=202, summary="Start one cycle now (409 while one runs)")
    def run_now(request: Request, _: Writer, body: RunNowRequest | None = None) -> dict[str, Any]:
        allow = body is not None and body.allow_mass_delete
        if allow:
            logger.info("Run now with the delete guard overridden (API)")
        return service_of(request).start_run_now(allow_mass_delete=allow)

    @api.post("/schedule/resume", summary="Resume scheduling paused by a tripped delete guard or a revert")
    def schedule_resume(request: Request, _: Writer) -> dict[str, Any]:
        return service_of(request).schedule_resume()

    @api.post("/history/{run_id}/revert", summary="Revert a cycle: its plan (dry_run), or start it (202)",
              responses={202: {"description": "The revert started; `run_id` is its own cycle (its report)"},
                         404: {"description": "No such cycle"},
                         409: {"description": "A cycle runs, the cycle cannot be reverted, later cycles changed "
                                              "the same items (`later_cycles`; `force` overrides), or the delete "
                                              "guard (`allow_mass_delete` overrides)"}})
    def revert(run_id: int, body: RevertRequest, request: Request, _: Writer) -> JSONResponse:
        app_service = service_of(request)
        try:
            if body.dry_run:
                report = app_service.revert(run_id, dry_run=True, force=body.force,
                                            allow_mass_delete=body.allow_mass_delete)
                return JSONResponse(revert_plan_json(app_service, run_id, report))
            logger.info("Revert of cycle {} requested (API{})", run_id, ", forced" if body.force else "")
            started = app_service.start_revert(run_id, force=body.force, allow_mass_delete=body.allow_mass_delete)
        except (RevertRefused, GuardTripped) as exc:
            # The same refusal as the CLI's, with the override named as this API spells it.
            exc.message = exc.message.replace("--force", '"force": true').replace(
                "--allow-mass-delete", '"allow_mass_delete": true')
            raise
        return JSONResponse(started | {"report": f"/api/history/{started['run_id']}"}, status_code=202)

    @api.get("/history", summary="Recent cycles, newest first")
    def history(request: Request, _: Reader, limit: int = Query(50, ge=1, le=10_000)) -> list[dict[str, Any]]:
        return service_of(request).history(limit)

    @api.get("/history/{run_id}", summary="One cycle's report in full, with its journal of writes")
    def report(run_id: int, request: Request, _: Reader) -> dict[str, Any]:
        data = service_of(request).report(run_id)
        # The journal as the page shows it: before -> after per write, and the writes that overwrote a hand edit.
        return data | {"writes": journal_rows(data["journal"], data.get("recorder_names"), data.get("target_edits"))}

    @api.get("/plan", summary="What the next cycle would do, grouped by recorder and category (dry run)")
    def plan(request: Request, _: Reader) -> dict[str, Any]:
        return service_of(request).plan()

    @api.get("/log", summary="The last lines of the service log")
    def log_get(request: Request, _: Reader, lines: int = Query(200, ge=0, le=100_000)) -> dict[str, Any]:
        return {"lines": service_of(request).log_show(lines)}

    @api.delete("/log", summary="Clear the service log")
    def log_clear(request: Request, _: Writer) -> dict[str, Any]:
        n = service_of(request).log_clear()
        logger.info("Log cleared (API)")
        return {"cleared_files": n}

    @api.get("/cycle-picture.svg", summary="The Help picture: a cycle drawn from an interval and real durations",
             response_class=Response)
    def picture(request: Request, _: Reader, interval: str = Query("10m")) -> Response:
        return Response(cycle_picture(service_of(request), interval), media_type="image/svg+xml")

    return api
