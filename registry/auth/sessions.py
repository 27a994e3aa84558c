"""Login sessions: checked on every request, ended everywhere at once, never kept forever.

A session (Flask's signed cookie) keeps its user as `id:session_version` (`User.get_id`), the
time it began and the time it was last used. Every request checks them (`check_request`): a
version behind the user's (`services.accounts.end_all_sessions` raises it on logout, a new
password and deactivation), an inactive user, SESSION_IDLE_TIMEOUT since the last request or
SESSION_ABSOLUTE_TIMEOUT since login end the session.

Remember-me is a cookie of its own, not Flask-Login's deterministic one: signed, with a random
nonce and its issue time (honoured for REMEMBER_ME_LIFETIME at most) and the session version,
so logout or a new password voids every copy. It starts a new session when there is none.

Logging in starts the session afresh (`log_in`): nothing of the anonymous session survives but
the language and input kept for this same user.

A cross-site request never changes the session cookie (`SessionInterface`): a forged POST cannot
log a person out or plant values in their session.

Two-factor login: for a role in TWO_FACTOR_ROLES (officers and administrators unless configured
otherwise) the password only opens a pending login (`begin_second_factor`: the user, the time,
remember-me and where to go, for PENDING_LOGIN_LIFETIME and MAX_CODE_ATTEMPTS codes); nobody is
logged in until a code is accepted, and then the session carries SECOND_FACTOR (so does the
remember-me cookie issued with it). A session or remember-me cookie of such a user without it
(one begun before two-factor login was required, or before the user's role changed) is ended at
its next request: the person logs in again and sets up the second factor first.
"""
from __future__ import annotations

import secrets
import time

from flask import after_this_request, current_app, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user, login_user, logout_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from registry.extensions import db

LOGIN_AT = "login_at"
SEEN_AT = "seen_at"
# The user whose session ended on this browser: input kept after it is theirs only.
ENDED_USER = "ended_user"
KEPT_KEY = "kept_input"
REMEMBER_COOKIE = "yanzhen_remember"
# How often the last-seen time is written back (the session cookie changes at most this often).
SEEN_RESOLUTION = 60
SECOND_FACTOR = "second_factor"
PENDING_LOGIN = "pending_login"
PENDING_LOGIN_LIFETIME = 600
MAX_CODE_ATTEMPTS = 5


def second_factor_required(user) -> bool:
    """Whether `user`'s role must log in with a second factor (TWO_FACTOR_ROLES)."""
    return user.role in current_app.config.get("TWO_FACTOR_ROLES", ())


def user_from_id(user_id: str):
    """Flask-Login's loader: the active user whose session version matches, else None."""
    from registry.models import User
    uid, _, version = str(user_id).partition(":")
    if not (uid.isdigit() and version.isdigit()) or len(uid) > 18:
        return None
    user = db.session.get(User, int(uid))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="yanzhen-remember-me")


def _cookie_options() -> dict:
    config = current_app.config
    return {"httponly": True, "samesite": "Lax",
            "secure": bool(config.get("SESSION_COOKIE_SECURE")),
            "path": config.get("APPLICATION_ROOT") or "/"}


def log_in(user, *, remember: bool = False, second_factor: bool = False) -> None:
    """Start a new session for `user` (a fresh CSRF token too); with `remember`, set a new
    remember-me cookie. `second_factor`: a code was accepted after the password."""
    _begin(user, second_factor)
    if remember:
        token = _serializer().dumps({"u": user.id, "v": user.session_version,
                                     "n": secrets.token_urlsafe(16),
                                     **({"f": 1} if second_factor else {})})

        @after_this_request
        def _set_remember(response):
            response.set_cookie(REMEMBER_COOKIE, token,
                                max_age=current_app.config["REMEMBER_ME_LIFETIME"],
                                **_cookie_options())
            return response


def _clear_keeping(user_id: int | None) -> None:
    """Empty the session but for its language and the input kept for `user_id` (any user's
    while a login is pending: logging in keeps only the person's own)."""
    kept = session.get(KEPT_KEY)
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    if isinstance(kept, dict) and (user_id is None or kept.get("user") == user_id):
        session[KEPT_KEY] = kept


def _begin(user, second_factor: bool = False) -> None:
    _clear_keeping(user.id)
    login_user(user, fresh=True)
    now = int(time.time())
    session[LOGIN_AT] = now
    session[SEEN_AT] = now
    if second_factor:
        session[SECOND_FACTOR] = True


def begin_second_factor(user, *, remember: bool, next_url: str) -> None:
    """The password was right; the login waits for a code (nobody is logged in yet)."""
    _clear_keeping(None)
    session[PENDING_LOGIN] = {"u": user.get_id(), "at": int(time.time()),
                              "remember": bool(remember), "next": next_url, "tries": 0}


def pending_login() -> tuple | None:
    """(user, remember, next URL) of the login waiting for its code on this browser, or None
    (none, too old, or the user changed since)."""
    pending = session.get(PENDING_LOGIN)
    if not isinstance(pending, dict) or not isinstance(pending.get("at"), int):
        return None
    if time.time() - pending["at"] > PENDING_LOGIN_LIFETIME:
        session.pop(PENDING_LOGIN, None)
        return None
    user = user_from_id(str(pending.get("u")))
    if user is None:
        session.pop(PENDING_LOGIN, None)
        return None
    return user, bool(pending.get("remember")), str(pending.get("next") or "/")


def wrong_code() -> bool:
    """Count a wrong code against the pending login; after MAX_CODE_ATTEMPTS it is dropped
    (the password is asked again). Returns whether it is still pending."""
    pending = session.get(PENDING_LOGIN)
    if not isinstance(pending, dict):
        return False
    tries = int(pending.get("tries") or 0) + 1
    if tries >= MAX_CODE_ATTEMPTS:
        session.pop(PENDING_LOGIN, None)
        return False
    session[PENDING_LOGIN] = dict(pending, tries=tries)
    return True


def log_out() -> None:
    """End the session on this browser and forget its remember-me cookie. (Ending the
    user's other sessions is `services.accounts.end_all_sessions`.)"""
    _end(None)


def _end(ended_user: int | None) -> None:
    lang = session.get("lang")
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    if ended_user is not None:
        session[ENDED_USER] = ended_user
    _forget_remember_me()


def _forget_remember_me() -> None:
    if REMEMBER_COOKIE in request.cookies:
        @after_this_request
        def _forget(response):
            response.delete_cookie(REMEMBER_COOKIE, **_cookie_options())
            return response


def _expired(now: float) -> bool:
    config = current_app.config
    login_at, seen_at = session.get(LOGIN_AT), session.get(SEEN_AT)
    if not isinstance(login_at, int) or not isinstance(seen_at, int):
        return True
    return (now - seen_at > config["SESSION_IDLE_TIMEOUT"]
            or now - login_at > config["SESSION_ABSOLUTE_TIMEOUT"])


def _remembered_user() -> tuple | None:
    """(user, second factor done) of a valid remember-me cookie, or None."""
    token = request.cookies.get(REMEMBER_COOKIE)
    if not token:
        return None
    try:
        data = _serializer().loads(token, max_age=current_app.config["REMEMBER_ME_LIFETIME"])
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) \
            or not isinstance(data.get("v"), int):
        return None
    user = user_from_id(f"{data['u']}:{data['v']}")
    if user is None or (second_factor_required(user) and data.get("f") != 1):
        return None
    return user, data.get("f") == 1


def check_request() -> None:
    """Before every request: end a stale session, or start one from remember-me."""
    if request.endpoint == "static":
        return
    user_id = session.get("_user_id")
    if user_id is not None:
        now = time.time()
        uid = str(user_id).partition(":")[0]
        user = None if _expired(now) else user_from_id(user_id)
        if user is None or (second_factor_required(user) and not session.get(SECOND_FACTOR)):
            _end(int(uid) if uid.isdigit() else None)
        elif now - session[SEEN_AT] >= SEEN_RESOLUTION:
            session[SEEN_AT] = int(now)
    if session.get("_user_id") is None:
        remembered = _remembered_user()
        if remembered is not None:
            _begin(*remembered)
        else:
            _forget_remember_me()
    current_user._get_current_object()


def cross_site() -> bool:
    """Whether the browser says this request comes from another site's page. (Browsers send
    Sec-Fetch-Site, or at least Origin, with every cross-site POST; a request with neither is
    not a browser's cross-site request.)"""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site not in ("same-origin", "none")
    origin = request.headers.get("Origin")
    return origin is not None and origin != request.host_url.rstrip("/")


def ended_user() -> int | None:
    """The user whose session expired on this browser (the signed session cookie says so) when
    the request comes from our own pages, or None: kept input belongs to them only."""
    user = session.get(ENDED_USER)
    return user if isinstance(user, int) and not cross_site() else None


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, except that a cross-site request never writes the
    cookie (it would replace the person's live session)."""

    def should_set_cookie(self, app, session) -> bool:
        if request.path.startswith("/api/"):
            return False  # the API reads no cookie and sets none (Bearer tokens only)
        if request.method not in ("GET", "HEAD", "OPTIONS") and cross_site():
            return False
        return super().should_set_cookie(app, session)
