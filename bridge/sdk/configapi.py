"""Raw Configuration API methods: the ones the typed SDK has no method for (ReplaceHardware).

Real tools reach them through the management server's Configuration API
service (the `IConfigurationService` contract of VideoOS.ConfigurationAPI.dll
at `/ManagementServer/ConfigurationApiService.svc`): read the item, invoke
the method on it to get an invoke item, fill that in, invoke it again to
start a task, poll the task item until it is final, then `TaskCleanup`.

The service is reached over WCF in both worlds, with the same binding and
credentials: `_endpoint` is the one place that differs. A real install's
address comes from the site's uri; the fake SDK serves the same contract
on loopback (Mono hosts it) and says where.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

from bridge.errors import VmsError

FINAL_STATES = frozenset({"Success", "Completed", "Error"})
"""Task states the real SDK treats as final; anything else is polled."""
POLL_DELAYS = (0.0, 0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0)
"""Back-off between polls: quick first (the fake finishes in a few), then easy on a real server."""
SERVICE_PATH = "/ManagementServer/ConfigurationApiService.svc"


def _endpoint(net: Any, site: Any) -> str:
    """Where the site's Configuration API service answers."""
    fake = getattr(net, "fake_config_api", None)
    if fake is not None:
        return str(fake.Endpoint(site.server_id))
    parsed = urlparse(site.info.uri if "//" in site.info.uri else f"http://{site.info.uri}")
    return f"{parsed.scheme}://{parsed.netloc}{SERVICE_PATH}"


def _service(net: Any, site: Any) -> Any:
    """The site's IConfigurationService channel, made once per site and dropped when it breaks."""
    channel = getattr(site, "config_api", None)
    if channel is None:
        channel = _wcf_channel(site, _endpoint(net, site))
        site.config_api = channel
    return channel


def _wcf_channel(site: Any, address: str) -> Any:
    """A WCF channel to `address`, logged in as the site's user (basic or Windows)."""
    import clr

    clr.AddReference("System.ServiceModel")
    from System import TimeSpan
    from System.Net import NetworkCredential
    from System.ServiceModel import (
        BasicHttpBinding,
        BasicHttpSecurityMode,
        ChannelFactory,
        EndpointAddress,
        HttpClientCredentialType,
    )
    from VideoOS.ConfigurationApi.ClientService import IConfigurationService

    login = site.login
    secure = address.lower().startswith("https://")
    binding = BasicHttpBinding(BasicHttpSecurityMode.Transport if secure
                               else BasicHttpSecurityMode.TransportCredentialOnly)
    basic = str(getattr(login, "auth", "Basic")).lower() == "basic"
    binding.Security.Transport.ClientCredentialType = (HttpClientCredentialType.Basic if basic
                                                       else HttpClientCredentialType.Windows)
    binding.MaxReceivedMessageSize = 64 * 1024 * 1024
    # A big site answers slowly; the real SDK's own channels wait five minutes too.
    binding.SendTimeout = binding.ReceiveTimeout = TimeSpan.FromMinutes(5)
    factory = ChannelFactory[IConfigurationService](binding, EndpointAddress(address))
    secret = login.password
    password = secret.get_secret_value() if hasattr(secret, "get_secret_value") else str(secret)
    if basic:
        factory.Credentials.UserName.UserName = login.user
        factory.Credentials.UserName.Password = password
    else:
        factory.Credentials.Windows.ClientCredential = NetworkCredential(login.user, password)
    return factory.CreateChannel()


def values_of(item: Any) -> dict[str, str]:
    """A raw item's properties as text."""
    return {str(p.Key): "" if p.Value is None else str(p.Value) for p in (item.Properties or [])}


def set_values(item: Any, values: dict[str, str]) -> None:
    """Fill in an invoke item; every key must be one the server offered (a typo is not sent)."""
    offered = {str(p.Key): p for p in (item.Properties or [])}
    unknown = sorted(set(values) - set(offered))
    if unknown:
        raise VmsError(f"The VMS's {item.ItemType} for {item.Path} has no {', '.join(unknown)}; it offers "
                       f"{', '.join(sorted(offered))}.")
    for key, value in values.items():
        offered[key].Value = value


def invoke(net: Any, site: Any, path: str, method: str, values: dict[str, str], what: str,
           timeout: float, sleep: Callable[[float], None] = time.sleep) -> dict[str, str]:
    """Run a raw method on the item at `path` with `values`; the finished task's properties.

    VmsError with the VMS's text when the task ends in Error or does not finish within `timeout`
    seconds. The task is cleaned up on the server either way once it is final.
    """
    host = site.info.host
    service = _service(net, site)
    try:
        return _run(service, path, method, values, what, host, timeout, sleep)
    except BaseException:
        # A failed call may leave the channel faulted; the next call makes a new one.
        site.config_api = None
        raise


def _run(service: Any, path: str, method: str, values: dict[str, str], what: str, host: str, timeout: float,
         sleep: Callable[[float], None]) -> dict[str, str]:
    item = service.GetItem(path)
    if method not in [str(m) for m in (item.MethodIds or [])]:
        raise VmsError(f"{what} on {host}: the VMS offers no {method} on {path}.")
    form = service.InvokeMethod(item, method)
    set_values(form, values)
    task = service.InvokeMethod(form, method)
    deadline = time.monotonic() + timeout
    polls = 0
    while True:
        state = values_of(task).get("State", "")
        if state in FINAL_STATES:
            break
        if time.monotonic() > deadline:
            progress = values_of(task).get("Progress", "?")
            raise VmsError(f"{what} on {host} did not finish within {timeout:.0f} s (last state {state or '?'}, "
                           f"progress {progress}%); check the recording server, then run again.")
        sleep(POLL_DELAYS[min(polls, len(POLL_DELAYS) - 1)])
        polls += 1
        task = service.GetItem(str(task.Path))
    result = values_of(task)
    if "TaskCleanup" in [str(m) for m in (task.MethodIds or [])]:
        service.InvokeMethod(task, "TaskCleanup")
    if result.get("State") == "Error":
        text = result.get("ErrorText") or f"error code {result.get('ErrorCode', '?')}"
        raise VmsError(f"{what} on {host} failed: {text}", vms_text=text)
    return result


def replace_values(address: str, driver_number: int, user_name: str, password: str) -> dict[str, str]:
    """The ReplaceHardware keys for a device at `address` (a URL as the typed SDK stores it)."""
    parsed = urlparse(address if "//" in address else f"http://{address}")
    if not parsed.hostname:
        raise VmsError(f"Cannot replace hardware with address {address!r}: it names no host.")
    https = parsed.scheme.lower() == "https"
    port = parsed.port or (443 if https else 80)
    return {
        "Address": parsed.hostname,
        "Port": str(port if not https else 80),
        "UseHttps": "True" if https else "False",
        "HttpsPort": str(port if https else 443),
        "UserName": user_name,
        "Password": password,
        "Driver": str(driver_number),
        "CustomDriverData": "",
        "AllowDeletingDisabledDevices": "False",
    }
