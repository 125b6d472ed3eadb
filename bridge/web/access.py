"""The access rules of every route, as FastAPI dependencies, and the errors they raise.

Reading needs a signed-in session or the bearer token (401 otherwise).
Changing needs the bearer token, or a session plus its CSRF token (403 when
the CSRF token is missing or wrong).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from bridge.web.auth import CSRF_HEADER, Gate, Session

# Declares the bearer token in the OpenAPI schema (the Authorize button of /docs); the check is below.
_bearer = HTTPBearer(auto_error=False, description="The service token")
Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


class AccessError(Exception):
    """401: who you are is unknown; 403: known, but this request is not allowed."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def gate_of(request: Request) -> Gate:
    gate: Gate = request.app.state.gate
    return gate


def reader(request: Request, credentials: Bearer = None) -> Session | None:
    """Dependency of every reading route: the session (None for a bearer-token client)."""
    gate = gate_of(request)
    token = credentials.credentials if credentials is not None else gate.bearer(request)
    if token is not None:
        if not gate.token_ok(token):
            raise AccessError(401, "the service token is wrong; send the one the service was started with")
        return None
    session = gate.session_of(request)
    if session is None:
        raise AccessError(401, "sign in first: send the service token as 'Authorization: Bearer <token>', "
                               "or sign in on the page")
    return session


def check_csrf(session: Session | None, given: str | None) -> None:
    """A page request that changes something must carry its session's CSRF token."""
    if session is None:
        return  # a bearer-token client: browsers never add that header on their own
    import hmac

    if not given or not hmac.compare_digest(given, session.csrf):
        raise AccessError(403, "this request lacks the page's CSRF token; reload the page and try again")


def writer(request: Request, credentials: Bearer = None) -> Session | None:
    """Dependency of every changing JSON route: token, or session + X-CSRF-Token header."""
    session = reader(request, credentials)
    check_csrf(session, request.headers.get(CSRF_HEADER))
    return session
