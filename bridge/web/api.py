"""The JSON API: everything the page does, over the same service calls (documented at /docs).

Errors come back as `{"message": ..., "problems": [...]}` with 400 (bad
input), 401/403 (token, CSRF), 404, 409 (a cycle is running, or the file
changed since it was loaded) or 422 (the configuration, every problem listed).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from loguru import logger
from pydantic import BaseModel, ConfigDict, Field

from bridge.app import AppService, InputError
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
    sync: dict[str, bool] | None = None

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
               "recorders_checked": result.recorders_checked, "note": result.note, "summary": result.summary}
        return JSONResponse(doc, status_code=422 if result.problems else 200)

    @api.put("/config", summary="Validate and save the blocks into the TOML file (comments kept)")
    def config_save(body: ConfigSave, request: Request, _: Writer) -> dict[str, Any]:
        saved, result = service_of(request).config_save(body.config.blocks(), body.version)
        return saved.to_json() | {"note": result.note, "recorders_checked": result.recorders_checked}

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
    def run_now(request: Request, _: Writer) -> dict[str, Any]:
        return service_of(request).start_run_now()

    @api.get("/history", summary="Recent cycles, newest first")
    def history(request: Request, _: Reader, limit: int = Query(50, ge=1, le=10_000)) -> list[dict[str, Any]]:
        return service_of(request).history(limit)

    @api.get("/history/{run_id}", summary="One cycle's report in full")
    def report(run_id: int, request: Request, _: Reader) -> dict[str, Any]:
        return service_of(request).report(run_id)

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
