"""Who may use the page and the API: the service token, sign-in sessions and CSRF tokens.

- An API client sends the service token as `Authorization: Bearer <token>`.
- The page signs in once with the token and then carries an HttpOnly,
  SameSite=Strict session cookie; every form and every changing request of
  the page also carries that session's CSRF token (field `csrf` or header
  `X-CSRF-Token`), so another site can never make the browser change anything.
- Sessions live in this process only: restarting the service signs everyone out.

The token is compared in constant time and never written anywhere: not in a
page, an answer, a log line (it is registered with the log's scrubber) or an
exception text.
"""

from __future__ import annotations

import hmac
import os
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request

from bridge import logs
from bridge.errors import ConfigError

TOKEN_ENV = "SMARTSYNC_SERVICE_TOKEN"
COOKIE = "smartsync_session"
CSRF_HEADER = "x-csrf-token"
MIN_TOKEN = 16
MAKE_TOKEN_HINT = (
    f"make one with  python3 -c \"import secrets; print(secrets.token_urlsafe(32))\" > /etc/smartsync/token "
    f"&& chmod 600 /etc/smartsync/token  and set [web] token_file = \"/etc/smartsync/token\" (or put it in the "
    f"environment variable {TOKEN_ENV})"
)


def load_token(token_file: Path | None, env: Mapping[str, str] | None = None) -> str:
    """The service token from the environment, else from `[web] token_file`; ConfigError saying how to make one."""
    env = os.environ if env is None else env
    token = env.get(TOKEN_ENV, "").strip()
    where = f"the environment variable {TOKEN_ENV}"
    if not token and token_file is not None:
        try:
            token = Path(token_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"cannot read the service token file {token_file} ({exc.strerror or exc})",
                              [MAKE_TOKEN_HINT]) from None
        where = str(token_file)
    if not token:
        raise ConfigError("the web page needs a service token and none is set", [MAKE_TOKEN_HINT])
    if len(token) < MIN_TOKEN:
        raise ConfigError(f"the service token in {where} is too short (at least {MIN_TOKEN} characters)",
                          [MAKE_TOKEN_HINT])
    logs.register_secret(token)
    return token


@dataclass(frozen=True, slots=True)
class Session:
    id: str
    csrf: str


class Gate:
    """Checks the token and keeps the sign-in sessions."""

    def __init__(self, token: str, *, secure_cookie: bool = False) -> None:
        self._token = token.encode("utf-8")
        self._sessions: dict[str, Session] = {}
        self._flash: dict[str, tuple[str, str]] = {}
        self._lock = threading.Lock()
        self.secure_cookie = secure_cookie

    def token_ok(self, given: str) -> bool:
        return hmac.compare_digest(given.strip().encode("utf-8"), self._token)

    def sign_in(self) -> Session:
        session = Session(secrets.token_urlsafe(32), secrets.token_urlsafe(24))
        with self._lock:
            self._sessions[session.id] = session
        return session

    def sign_out(self, session_id: str) -> None:
        with self._lock:
            self._sessions.pop(session_id, None)
            self._flash.pop(session_id, None)

    def flash(self, session: Session | None, kind: str, text: str) -> None:
        """A message the next page of this session shows once (after a redirect)."""
        if session is not None:
            with self._lock:
                self._flash[session.id] = (kind, text)

    def pop_flash(self, session: Session | None) -> tuple[str, str] | None:
        if session is None:
            return None
        with self._lock:
            return self._flash.pop(session.id, None)

    def session_of(self, request: Request) -> Session | None:
        sid = request.cookies.get(COOKIE)
        if not sid:
            return None
        with self._lock:
            return self._sessions.get(sid)

    def bearer(self, request: Request) -> str | None:
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        return value if scheme.lower() == "bearer" and value else None


__all__ = ["COOKIE", "CSRF_HEADER", "Gate", "MAKE_TOKEN_HINT", "Session", "TOKEN_ENV", "load_token"]
