"""Turning SDK exceptions into bridge errors, once, keeping the VMS's own text.

pythonnet raises a .NET exception as a Python exception whose class is the
.NET type, so the type is recognised by its name (and its base types' names)
without importing .NET here; this keeps the module testable with stand-ins.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from bridge.errors import BridgeError, ConnectError, VmsError
from bridge.logs import redact
from bridge.sdk.gates import is_unlicensed

# WCF faults the SDK lets through from its channel to the management server. A timeout or a broken
# channel means the server is not answering (large systems time out after about five minutes), so
# the cycle stops; a FaultException is the server's answer about one item, so only that item fails.
_CONNECTION_FAULTS = ("TimeoutException", "CommunicationException", "CommunicationMIPException")
_ITEM_FAULTS = ("FaultException",)


class UnlicensedError(VmsError):
    """The VMS answered VMS64001: the feature is not licensed on this management server."""


def type_names(exc: BaseException) -> list[str]:
    """Names of the exception's class and its bases, most derived first."""
    return [c.__name__ for c in type(exc).__mro__]


def vms_text(exc: BaseException) -> str:
    """The VMS's own wording: the .NET Message when there is one, with anything secret-looking in it masked.

    A server's refusal may quote a token or a URL with credentials; it travels on into messages, reports and
    stored states, so it is masked here, where it enters, with the log's masker.
    """
    msg = getattr(exc, "Message", None)
    text = str(msg) if msg else str(exc)
    return redact(" ".join(text.split()), prose=True)


def validate_errors(exc: BaseException) -> list[tuple[str, str]]:
    """(property, text) pairs of a ValidateResultException, [] for anything else."""
    result = getattr(exc, "ValidateResult", None)
    out: list[tuple[str, str]] = []
    for e in (getattr(result, "ErrorResults", None) or []) if result is not None else []:
        out.append((str(getattr(e, "ErrorProperty", "") or ""), str(getattr(e, "ErrorText", "") or "")))
    return out


def scrub(text: str, secrets: tuple[str, ...]) -> str:
    """Belt and braces: a secret never leaves in a message even if the VMS echoed it."""
    for s in secrets:
        if s:
            text = text.replace(s, "***")
    return redact(text, prose=True)


def to_vms_error(exc: BaseException, what: str, site: str, secrets: tuple[str, ...] = ()) -> BridgeError:
    """The bridge error for an SDK exception raised while doing `what` on `site`."""
    if isinstance(exc, BridgeError):
        return exc
    names = type_names(exc)
    text = scrub(vms_text(exc), secrets)
    if "ValidateResultException" in names:
        errors = [(p, scrub(t, secrets)) for p, t in validate_errors(exc)]
        detail = "; ".join(f"{p}: {t}" if p else t for p, t in errors) or text
        return VmsError(f"{what} on {site} was rejected by the VMS: {detail}", vms_text=detail, errors=errors)
    if "PathNotFoundMIPException" in names:
        return VmsError(f"{what} on {site}: the item no longer exists ({text}); it will be re-read next cycle.",
                        vms_text=text)
    if is_unlicensed(text):
        return UnlicensedError(f"{what} on {site}: the feature is not licensed on this management server ({text}).",
                               vms_text=text)
    if "NotAuthorizedMIPException" in names:
        return VmsError(f"{what} on {site} was refused: the site's user lacks the right for it ({text}); give "
                        f"the user's role that permission, or leave the item out of the sync.", vms_text=text)
    if not any(n in names for n in _ITEM_FAULTS) and any(n in names for n in _CONNECTION_FAULTS):
        kind = "timed out waiting for" if "TimeoutException" in names else "lost the connection to"
        return ConnectError(f"{what}: {kind} {site} ({text}); check the network and that the management server "
                            f"is running and not overloaded, then run again.", server=site, cause=text)
    return VmsError(f"{what} on {site} failed: {text}", vms_text=text)


def to_connect_error(exc: BaseException, server: str, user: str, secrets: tuple[str, ...],
                     credentials: str = "") -> BridgeError:
    """The ConnectError for a failed log-in to `server`, naming the cause and the fix.

    `credentials` says where the user and password are set ("sites[0].user or the password in the environment
    variable X (sites[0].password_env)"); without it the message says "the site's user and password".
    """
    if isinstance(exc, BridgeError):
        return exc
    names = type_names(exc)
    text = scrub(vms_text(exc), secrets)
    if "ServerNotFoundMIPException" in names:
        msg = (f"Management server {server} was not found ({text}); check the site's uri in the settings and that "
               f"the host name resolves.")
    elif "InvalidCredentialsMIPException" in names:
        fix = credentials or "the site's user and password in the settings"
        msg = f"Log-in to {server} as {user!r} was refused: wrong user name or password ({text}); fix {fix}."
    elif "LoginFailedInternalMIPException" in names:
        msg = f"Log-in to {server} failed on the server side ({text}); check the management server's log."
    elif "TimeoutException" in names:
        msg = (f"Management server {server} did not answer in time ({text}); check that it is running and not "
               f"overloaded.")
    elif any(n in names for n in _CONNECTION_FAULTS):
        msg = f"Cannot reach management server {server} ({text}); check the network and the uri."
    else:
        msg = f"Log-in to {server} failed ({type(exc).__name__}: {text})."
    return ConnectError(msg, server=server, cause=text)


@contextmanager
def vms_call(what: str, site: str, secrets: tuple[str, ...] = ()) -> Iterator[None]:
    """Run SDK calls, raising any SDK exception as the matching bridge error."""
    try:
        yield
    except BridgeError:
        raise
    except Exception as exc:
        raise to_vms_error(exc, what, site, secrets) from exc

