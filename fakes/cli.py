"""`python -m fakes`: create, show, validate and change fake worlds from a shell.

Exit codes: 0 done, 2 bad input (one clear message on stderr, no traceback).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from fakes import verbs
from fakes.document import WorldError
from fakes.validate import validate_world
from fakes.world import (
    ADMIN_USER,
    ARCHITECTURES,
    DEFAULT_PASSWORD,
    DEFAULT_VMS_VERSION,
    LICENSED_FEATURES,
    add_drift,
    create_world,
    world_summary,
)

F = TypeVar("F", bound=Callable[..., Any])


def _guarded(fn: F) -> F:
    """Turn a WorldError into its message on stderr and exit code 2."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except WorldError as e:
            click.echo(f"error: {e.message}", err=True)
            sys.exit(2)
        except BrokenPipeError:
            # `show ... | head`: the reader has gone, which is not an error to report. Point stdout at /dev/null
            # so the interpreter's final flush does not complain either.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        except OSError as e:
            click.echo(f"error: {e.filename or ''}: {e.strerror}", err=True)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


def _value(text: str) -> Any:
    """A command-line value: JSON when it parses (numbers, true/false, lists), otherwise the text itself."""
    try:
        return json.loads(text)
    except ValueError:
        return text


FOLDER = click.argument("folder", type=click.Path(file_okay=False))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Create, show, validate and change fake XProtect worlds (folders of JSON documents)."""


@cli.command()
@FOLDER
@click.option("--architecture", type=click.Choice(ARCHITECTURES), required=True,
              help="one management server, a parent with a child site, or two separate systems")
@click.option("--primaries", type=click.IntRange(1, 120), default=1, show_default=True,
              help="primary recorders (Recorder P1, P2, ...)")
@click.option("--secondaries", type=click.IntRange(1, 120), default=1, show_default=True,
              help="secondary recorders (Recorder S1, S2, ...)")
@click.option("--hardware", type=click.IntRange(0), default=4, show_default=True, help="hardware per recorder")
@click.option("--cameras", type=click.IntRange(0, 64), default=1, show_default=True, help="cameras per hardware")
@click.option("--storages", type=click.IntRange(1, 20), default=2, show_default=True, help="storages per recorder")
@click.option("--groups", type=click.IntRange(0), default=2, show_default=True, help="device groups per site")
@click.option("--roles", type=click.IntRange(0), default=2, show_default=True, help="user-defined roles per site")
@click.option("--views", type=click.IntRange(0), default=2, show_default=True, help="views per site")
@click.option("--seed", type=int, default=1, show_default=True,
              help="the same seed and options give byte-identical files")
@click.option("--no-mirror", is_flag=True, help="secondaries get hardware of their own instead of mirrors")
@click.option("--drift", is_flag=True, help="then make the demo's drift on the primary side")
@click.option("--password", envvar="FAKES_ADMIN_PASSWORD", default=DEFAULT_PASSWORD,
              help="admin password of every site (env FAKES_ADMIN_PASSWORD)", show_default=False)
@click.option("--force", is_flag=True, help="replace a world already in FOLDER")
@click.option("--vms-version", default=DEFAULT_VMS_VERSION, show_default=True,
              help="ManagementServer.Version of every site (20.2 = XProtect 2020 R2)")
@click.option("--unlicensed", multiple=True, type=click.Choice(LICENSED_FEATURES, case_sensitive=False),
              help="a licensed feature every site lacks (repeat for more)")
@_guarded
def create(folder: str, architecture: str, primaries: int, secondaries: int, hardware: int, cameras: int,
           storages: int, groups: int, roles: int, views: int, seed: int, no_mirror: bool, drift: bool,
           password: str, force: bool, vms_version: str, unlicensed: tuple[str, ...]) -> None:
    """Create a world in FOLDER."""
    paths = create_world(folder, architecture=architecture, primaries=primaries,  # type: ignore[arg-type]
                         secondaries=secondaries, hardware_per_recorder=hardware, cameras_per_hardware=cameras,
                         storages_per_recorder=storages, groups=groups, roles=roles, views=views, seed=seed,
                         mirror=not no_mirror, password=password, replace=force, vms_version=vms_version,
                         unlicensed=[_feature(u) for u in unlicensed])
    for p in paths:
        click.echo(f"wrote {p}")
    # A fake world's log-in is meant to be known: the user needs it for SMARTSYNC_PASSWORD_... next. One the user
    # chose is not echoed back (it may be one they use elsewhere).
    told = f"password {password}" if password == DEFAULT_PASSWORD else \
        "the password given by --password / FAKES_ADMIN_PASSWORD"
    click.echo(f"every site's log-in: user {ADMIN_USER}, {told}")
    if drift:
        for line in add_drift(folder, seed):
            click.echo(f"drift: {line}")


@cli.command()
@FOLDER
@click.option("--names", is_flag=True, help="also list every hardware (with its address) and camera by name")
@click.option("--recorder", "recorders", multiple=True, metavar="NAME",
              help="only this recorder, with names (repeatable): for large worlds")
@click.option("--json", "as_json", is_flag=True, help="print the summary as JSON")
@_guarded
def show(folder: str, names: bool, recorders: tuple[str, ...], as_json: bool) -> None:
    """Per site: recorders with their hardware, camera and storage counts; with --names or --recorder, the tree
    of hardware and camera names too (the names the other verbs take)."""
    summary = world_summary(folder, names=names, recorders=recorders)
    if as_json:
        click.echo(json.dumps(summary, indent=2))
        return
    click.echo(f"architecture: {summary['architecture']}")
    for host, site in summary["sites"].items():
        if recorders and not site["recorders"]:
            continue
        click.echo(f"{host} ({site['name']}, {site['role']}) {site['file']}")
        for r in site["recorders"]:
            click.echo(f"  {r['name']:<16} {r['side']:<10} hardware {r['hardware']:>6}  cameras {r['cameras']:>7}"
                       f"  storages {r['storages']}")
            for hw in r.get("devices", []):
                click.echo(f"    hardware {hw['name']}  {hw['address']}")
                for cam in hw["cameras"]:
                    click.echo(f"      camera {cam['name']}")
    if names or recorders:
        click.echo('\nName an item as "<recorder>/<name>" when a mirror on another recorder has the same name, '
                   'e.g. "Recorder P1/<camera name>".')
    else:
        click.echo(f"\nHardware and camera names: `python -m fakes show {folder} --names`, or "
                   f"`--recorder NAME` for one recorder.")


@cli.command()
@FOLDER
@_guarded
def validate(folder: str) -> None:
    """Check every document against the schema and the cross-checks."""
    docs = validate_world(folder)
    click.echo(f"ok: {len(docs)} document(s) valid")


@cli.command("add-hardware")
@FOLDER
@click.argument("recorder")
@click.argument("address")
@click.option("--cameras", type=click.IntRange(0, 64), default=1, show_default=True, help="cameras on the hardware")
@click.option("--name", help="hardware name (default: the model and address, as the VMS names it)")
@click.option("--driver", help="driver name or Id of the recorder (default: ONVIF Conformant Device)")
@click.option("--model", help="device model (default: one the driver supports)")
@_guarded
def add_hardware_cmd(folder: str, recorder: str, address: str, cameras: int, name: str | None, driver: str | None,
                     model: str | None) -> None:
    """Add hardware at ADDRESS to RECORDER."""
    hw = verbs.add_hardware(folder, recorder, address, cameras=cameras, name=name, driver=driver, model=model)
    click.echo(f"added hardware {hw}")


@cli.command("move-hardware")
@FOLDER
@click.argument("hardware")
@click.argument("to_recorder")
@_guarded
def move_hardware_cmd(folder: str, hardware: str, to_recorder: str) -> None:
    """Move HARDWARE to TO_RECORDER (same site; Id and devices kept)."""
    verbs.move_hardware(folder, hardware, to_recorder)
    click.echo(f"moved {hardware} to {to_recorder}")


@cli.command("replace-hardware")
@FOLDER
@click.argument("hardware")
@click.option("--address", help="the new device's http:// or https:// address")
@click.option("--driver", help="the new device's driver, by name or Id, of the same recorder")
@click.option("--model", help="the new device's model")
@_guarded
def replace_hardware_cmd(folder: str, hardware: str, address: str | None, driver: str | None,
                         model: str | None) -> None:
    """Replace HARDWARE by a new device (Id kept)."""
    verbs.replace_hardware(folder, hardware, address=address, driver=driver, model=model)
    click.echo(f"replaced {hardware}")


@cli.command("delete-hardware")
@FOLDER
@click.argument("hardware")
@_guarded
def delete_hardware_cmd(folder: str, hardware: str) -> None:
    """Delete HARDWARE and its devices."""
    verbs.delete_hardware(folder, hardware)
    click.echo(f"deleted {hardware}")


@cli.command("rename-camera")
@FOLDER
@click.argument("camera")
@click.argument("new_name")
@_guarded
def rename_camera_cmd(folder: str, camera: str, new_name: str) -> None:
    """Rename CAMERA to NEW_NAME."""
    verbs.rename_camera(folder, camera, new_name)
    click.echo(f"renamed {camera} to {new_name}")


@cli.command("set-camera", context_settings={"ignore_unknown_options": True})
@FOLDER
@click.argument("camera")
@click.argument("key")
@click.argument("value")
@_guarded
def set_camera_cmd(folder: str, camera: str, key: str, value: str) -> None:
    """Set KEY (a camera property or dotted path like MotionDetection.Threshold) of CAMERA to VALUE (JSON or text)."""
    verbs.set_camera(folder, camera, key, _value(value))
    click.echo(f"set {key} of {camera}")


@cli.command("add-role")
@FOLDER
@click.argument("site")
@click.argument("name")
@_guarded
def add_role_cmd(folder: str, site: str, name: str) -> None:
    """Add an empty user-defined role NAME to SITE."""
    click.echo(f"added role {verbs.add_role(folder, site, name)}")


@cli.command("add-view")
@FOLDER
@click.argument("site")
@click.argument("group")
@click.argument("name")
@click.argument("cameras", nargs=-1, required=True)
@_guarded
def add_view_cmd(folder: str, site: str, group: str, name: str, cameras: tuple[str, ...]) -> None:
    """Add view NAME showing CAMERAS to view GROUP ("Top/Sub") of SITE."""
    click.echo(f"added view {verbs.add_view(folder, site, group, name, list(cameras))}")


def _feature(text: str) -> str:
    return next(f for f in LICENSED_FEATURES if f.lower() == text.lower())


@cli.command("vms")
@FOLDER
@click.argument("site")
@click.option("--version", "version", help="the management server's version, e.g. 19.2 or 23.1.0")
@click.option("--unlicensed", multiple=True, type=click.Choice(LICENSED_FEATURES, case_sensitive=False),
              help="a licensed feature SITE lacks (repeat for more; replaces the list)")
@click.option("--all-licensed", is_flag=True, help="SITE lacks no licence")
@_guarded
def vms_cmd(folder: str, site: str, version: str | None, unlicensed: tuple[str, ...], all_licensed: bool) -> None:
    """Set the VMS version and the missing licences of SITE."""
    if all_licensed and unlicensed:
        raise click.UsageError("give --unlicensed or --all-licensed, not both")
    features = [] if all_licensed else ([_feature(u) for u in unlicensed] if unlicensed else None)
    verbs.set_vms(folder, site, version=version, unlicensed=features)
    click.echo(f"{site}: version {version or 'unchanged'}, unlicensed "
               f"{', '.join(features) if features else ('none' if features == [] else 'unchanged')}")


@cli.group()
def fault() -> None:
    """Make a site's fake misbehave on purpose, or stop it."""


@fault.command("set")
@FOLDER
@click.argument("site")
# KIND, not the list of kinds, names the argument in the usage line and in a refusal (the list follows there).
@click.argument("kind", metavar="KIND", type=click.Choice(verbs.FAULT_KINDS, case_sensitive=False))
@click.argument("value")
@click.option("--item", help="item name, '<recorder>/<name>' or Id (RejectSave, FailTask, NotAuthorized, "
                              "TimeoutOnSave), or an operation (FailTask)")
@_guarded
def fault_set(folder: str, site: str, kind: str, value: str, item: str | None) -> None:
    """Set fault KIND with VALUE on SITE: error text (RejectSave, FailTask), reason (RefuseLogin), round-trip
    count (DropAfterRoundTrips) or milliseconds per round trip (DelayMilliseconds). Every KIND is in the Faults
    table of docs/world-format.md."""
    _warn(verbs.set_fault(folder, site, kind, item, int(value) if value.isdigit() else value))
    click.echo(f"fault {kind} set on {site}")


@fault.command("clear")
@FOLDER
@click.argument("site")
@_guarded
def fault_clear(folder: str, site: str) -> None:
    """Remove every fault of SITE (also on a world that fails validation)."""
    _warn(verbs.clear_faults(folder, site))
    click.echo(f"faults cleared on {site}")


def _warn(problems: list[str]) -> None:
    """The fault verbs work on a broken world; say what is wrong with it, so the user can fix it next."""
    if problems:
        click.echo("warning: the world fails validation (the fault was still changed); fix these:\n" +
                   "\n".join("  " + p for p in problems), err=True)


def main() -> None:
    # click reports usage errors itself with exit code 2, the same code as a bad world or bad request.
    cli(prog_name="python -m fakes")
