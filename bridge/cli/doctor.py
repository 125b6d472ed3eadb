"""`smartsync doctor`: checks, one line each, that this machine can reach the VMS.

Each line is OK or FAIL with what to fix: the SDK folder and its three
assemblies, the bridge's interop helper, the .NET runtime, and the log-in
to every site (and every federated child). Exit 0 when all pass, 2 when the
configuration is wrong (nothing else is checked then), 3 when a check fails.
"""

from __future__ import annotations

from typing import Any

import click

from bridge.errors import BridgeError, ConfigError


def _line(ok: bool, what: str, detail: str) -> bool:
    click.echo(f"{'OK  ' if ok else 'FAIL'} {what}: {detail}")
    return ok


@click.command("doctor")
@click.pass_context
def doctor_command(ctx: click.Context) -> None:
    """Check the runtime, the SDK, the interop helper and each site's log-in."""
    from bridge.sdk.runtime import REQUIRED_ASSEMBLIES, check_sdk_folder, choose_runtime, find_interop, load_runtime

    try:
        settings: Any = ctx.obj["settings_loader"]()
    except ConfigError as exc:
        _line(False, "configuration", exc.message + "".join(f"\n     - {p}" for p in exc.problems))
        ctx.exit(exc.exit_code)  # 2, as for every other command: the fix is in the configuration, not the machine
    all_ok = True
    folder = settings.sdk.folder
    try:
        check_sdk_folder(folder)
        _line(True, "SDK folder", f"{folder} has {', '.join(REQUIRED_ASSEMBLIES)}")
        folder_ok = True
    except BridgeError as exc:
        folder_ok = _line(False, "SDK folder", exc.message)
    all_ok &= folder_ok
    interop = find_interop(folder)
    all_ok &= _line(interop is not None, "interop helper",
                    str(interop) if interop else "SmartSync.Interop.dll not found; run `bash dotnet/build.sh`")
    runtime_ok = False
    if folder_ok and interop is not None:
        try:
            loaded = load_runtime(settings.sdk)
            runtime_ok = _line(True, "runtime", f"{loaded.runtime} loaded with the SDK from {loaded.sdk_folder}")
        except BridgeError as exc:
            runtime_ok = _line(False, "runtime", exc.message)
    else:
        try:
            name = choose_runtime(getattr(settings.sdk, "runtime", None))
        except BridgeError as exc:
            name = exc.message
        _line(False, "runtime", f"{name}: not loaded, fix the SDK folder / interop helper first")
    all_ok &= runtime_ok
    if runtime_ok:
        from bridge.sdk.session import check_sites

        try:
            for server, error in check_sites(settings):
                all_ok &= _line(error is None, f"log-in {server}", error or "logged in")
        except BridgeError as exc:
            all_ok = _line(False, "log-in", exc.message)
    else:
        for site in settings.sites:
            all_ok = _line(False, f"log-in {site.uri}", "not tried: the runtime did not load")
    ctx.exit(0 if all_ok else 3)
