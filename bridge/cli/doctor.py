"""`smartsync doctor`: checks, one line each, that this machine can reach the VMS.

Each line is OK or FAIL with what to fix: the SDK folder and its three
assemblies, the bridge's interop helper, the .NET runtime, and the log-in
to every site (and every federated child). For each site logged in it also
says the VMS version and, as NOTE lines, which features that version
limits (from `bridge.sdk.gates`); a limit is not a failure. Exit 0 when all
pass, 2 when the configuration is wrong (nothing else is checked then; or
`architecture` is not what the logged-in sites are), 3 when a check fails.
"""

from __future__ import annotations

from typing import Any

import click

from bridge.errors import BridgeError, ConfigError


def _line(ok: bool, what: str, detail: str) -> bool:
    click.echo(f"{'OK  ' if ok else 'FAIL'} {what}: {detail}")
    return ok


def _vms_lines(server: str, details: Any) -> None:
    """The VMS's version and what it limits (version and probed licences): information, never a failure."""
    from bridge.sdk import gates

    version_text = details.version
    try:
        version = gates.parse_version(version_text)
    except gates.VersionError as exc:
        click.echo(f"NOTE VMS {server}: reports version {version_text!r} ({exc}); features are tried and the "
                   f"VMS's answers decide")
        return
    limited = gates.limits(version)
    unlicensed = [g for g in details.unlicensed if g not in limited]
    unprobed = [g.info.licence for g in gates.Gate
                if g.info.licence and g not in limited and g not in details.unlicensed
                and (not details.probed or g is not gates.Gate.PRIVACY_MASK)]
    count = len(limited) + len(unlicensed)
    summary = f"{count} feature(s) limited" if count else "no feature limited"
    if unprobed:
        summary += f"; not probed here, checked by each cycle: {', '.join(str(x) for x in unprobed)} licence"
    click.echo(f"OK   VMS {server}: XProtect {version.release} ({version_text}); {summary}")
    for line in gates.describe(limited, version):
        click.echo(f"NOTE {server}: {line}")
    for gate in unlicensed:
        click.echo(f"NOTE {server}: {gates.unlicensed_reason(gate, version, details.unlicensed[gate])}")


@click.command("doctor")
@click.pass_context
def doctor_command(ctx: click.Context) -> None:
    """Check the runtime, the SDK, the interop helper and each site's log-in."""
    from bridge.sdk.runtime import (
        REQUIRED_ASSEMBLIES,
        check_sdk_folder,
        choose_runtime,
        find_interop,
        is_fake_sdk,
        load_runtime,
    )

    try:
        settings: Any = ctx.obj["settings_loader"]()
    except ConfigError as exc:
        _line(False, "configuration", exc.message + "".join(f"\n     - {p}" for p in exc.problems))
        ctx.exit(exc.exit_code)  # 2, as for every other command: the fix is in the configuration, not the machine
    from bridge.settings import check_passwords

    password_error: ConfigError | None = None
    try:
        check_passwords(settings)
    except ConfigError as exc:
        password_error = exc  # named on the log-in lines below; exit 2 then, as for every other command
    passwords_ok = password_error is None
    config_ok = True
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
            kind = "the fake SDK" if is_fake_sdk(loaded.sdk_folder) else "Milestone's MIP SDK"
            runtime_ok = _line(True, "runtime", f"{loaded.runtime} loaded with {kind} from {loaded.sdk_folder} "
                                                f"(its assemblies resolve from that folder, any version)")
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
            details: dict[str, Any] = {}
            mismatch: list[str] = []
            for server, error in check_sites(settings, details, mismatch):
                all_ok &= _line(error is None, f"log-in {server}", error or "logged in")
                if server in details:
                    _vms_lines(server, details[server])
            if mismatch:
                # What every cycle would refuse: said here too, or doctor is all OK while sync exits 2.
                config_ok = _line(not mismatch[0], "architecture", mismatch[0].removeprefix("architecture: ") or
                                  f"{settings.architecture} fits the logged-in sites")
                all_ok &= config_ok
        except BridgeError as exc:
            all_ok = _line(False, "log-in", exc.message)
    else:
        for site in settings.sites:
            all_ok = _line(False, f"log-in {site.uri}", "not tried: the runtime did not load")
        if password_error is not None:
            _line(False, "passwords", "; ".join(password_error.problems))
    ctx.exit(0 if all_ok else 3 if passwords_ok and config_ok else 2)
