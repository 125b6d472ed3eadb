"""SDK exceptions become bridge errors with the VMS's own text, and never a password."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bridge.errors import ConnectError, VmsError
from bridge.sdk.errors import to_connect_error, to_vms_error, vms_call


class MIPException(Exception):
    @property
    def Message(self) -> str:  # noqa: N802 - the .NET name
        return str(self.args[0])


class InvalidCredentialsMIPException(MIPException):
    pass


class ServerNotFoundMIPException(MIPException):
    pass


class CommunicationMIPException(MIPException):
    pass


class ValidateResultException(MIPException):
    def __init__(self, message: str, errors: list[tuple[str, str]]) -> None:
        super().__init__(message)
        self.ValidateResult = SimpleNamespace(
            ErrorResults=[SimpleNamespace(ErrorProperty=p, ErrorText=t) for p, t in errors])


def test_validate_result_keeps_each_property_and_text() -> None:
    exc = ValidateResultException("Validation failed", [("RecordingFramerate", "must be positive")])
    err = to_vms_error(exc, "update camera Lobby", "ms-site")
    assert isinstance(err, VmsError)
    assert err.errors == [("RecordingFramerate", "must be positive")]
    assert err.vms_text == "RecordingFramerate: must be positive"
    assert "ms-site" in err.message and "Lobby" in err.message


def test_login_errors_name_server_and_fix_without_the_password() -> None:
    err = to_connect_error(InvalidCredentialsMIPException("user admin / pw S3cret! rejected"), "ms-a", "admin",
                           ("S3cret!",))
    assert isinstance(err, ConnectError) and err.server == "ms-a"
    assert "S3cret!" not in err.message and "S3cret!" not in err.cause
    assert "user name or password" in err.message
    err = to_connect_error(ServerNotFoundMIPException("no such host"), "ms-b", "admin", ())
    assert "not found" in err.message and "uri" in err.message


def test_lost_connection_is_a_connect_error() -> None:
    with pytest.raises(ConnectError, match="lost the connection to ms-c"):
        with vms_call("Reading", "ms-c"):
            raise CommunicationMIPException("socket closed")


def test_other_sdk_errors_are_vms_errors_with_the_text() -> None:
    with pytest.raises(VmsError) as info:
        with vms_call("Deleting hardware", "ms-d"):
            raise MIPException("Hardware is locked")
    assert info.value.vms_text == "Hardware is locked"


# WCF's own exception family, as pythonnet presents it (class names are the .NET names).
class TimeoutException(Exception):  # noqa: N818 - the .NET name
    @property
    def Message(self) -> str:  # noqa: N802 - the .NET name
        return str(self.args[0])


class CommunicationException(TimeoutException):  # noqa: N818 - the .NET name (its base differs; only names matter)
    pass


class FaultException(CommunicationException):  # noqa: N818 - in WCF a FaultException is a CommunicationException
    pass


class NotAuthorizedMIPException(MIPException):
    pass


def test_wcf_timeout_and_broken_channel_end_the_cycle_with_the_vms_text() -> None:
    err = to_vms_error(TimeoutException("The request channel timed out after 00:05:00."), "Reading", "ms-big")
    assert isinstance(err, ConnectError) and err.server == "ms-big"
    assert "timed out waiting for ms-big" in err.message and "00:05:00" in err.message
    err = to_vms_error(CommunicationException("The socket connection was aborted."), "Saving camera X", "ms-big")
    assert isinstance(err, ConnectError) and "socket connection was aborted" in err.cause


def test_a_server_fault_about_one_item_fails_that_item_only() -> None:
    err = to_vms_error(FaultException("Item is locked by another user"), "update camera Lobby", "ms-a")
    assert type(err) is VmsError and err.vms_text == "Item is locked by another user"


def test_not_authorized_fails_the_item_naming_the_missing_right() -> None:
    err = to_vms_error(NotAuthorizedMIPException("VMO61008: You do not have permission"), "update camera Lobby",
                       "ms-a")
    assert type(err) is VmsError and err.vms_text == "VMO61008: You do not have permission"
    assert "lacks the right" in err.message


def test_unlicensed_feature_is_its_own_error_with_the_vms_text() -> None:
    from bridge.sdk.errors import UnlicensedError

    err = to_vms_error(FaultException("VMS64001: The feature is not licensed"), "Reading privacy masks", "ms-a")
    assert isinstance(err, UnlicensedError) and err.vms_text == "VMS64001: The feature is not licensed"


def test_login_timeout_says_the_server_did_not_answer() -> None:
    err = to_connect_error(TimeoutException("timed out after 00:01:00"), "ms-a", "admin", ())
    assert "did not answer in time" in err.message and "00:01:00" in err.cause


def test_tokens_and_url_passwords_in_the_vms_text_are_masked_where_they_enter() -> None:
    refused = to_connect_error(InvalidCredentialsMIPException("denied; retry with token=tok-991-x"), "ms", "admin", ())
    assert "tok-991-x" not in refused.message and "token=***" in refused.message
    assert isinstance(refused, ConnectError) and "tok-991-x" not in refused.cause
    exc = ValidateResultException("Validation failed at http://svc:pw-77@ms/", [("Url", "api_key=key-55 rejected")])
    err = to_vms_error(exc, "update camera Lobby", "ms-site")
    assert isinstance(err, VmsError)
    for text in (err.message, err.vms_text, *(t for _, t in err.errors)):
        assert "key-55" not in text and "pw-77" not in text


@pytest.mark.parametrize(("site", "fix"), [
    ({"password_env": "PW_PRIMARY"}, "fix sites[0].user or the password in the environment variable PW_PRIMARY "
                                     "(sites[0].password_env)."),
    ({"password_file": "/etc/smartsync/p.pw"}, "fix sites[0].user or the password in the file "
                                               "/etc/smartsync/p.pw (sites[0].password_file)."),
])
def test_a_refused_log_in_says_where_the_password_comes_from(site: dict[str, str], fix: str) -> None:
    # The password is never in the settings file (password_env / password_file); "fix it in the settings" sent the
    # user to the wrong place.
    from bridge.settings import settings_from_dict

    settings = settings_from_dict({"sites": [{"name": "p", "uri": "http://ms-a/", "user": "admin", **site}],
                                   "labels": {"primary": ["P"], "secondary": ["S"]},
                                   "links": [{"primary": "P", "secondary": "S"}]}, env={"PW_PRIMARY": "x"})
    err = to_connect_error(InvalidCredentialsMIPException("invalid credentials"), "ms-a", "admin", (),
                           credentials=settings.sites[0].credentials_hint())
    assert err.message.endswith(fix), err.message
