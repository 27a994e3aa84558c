"""Forms that lose nothing: after an expired session or CSRF token the page comes back with
everything the person typed.

A view marked `@keeps_input` re-renders its form when its validation fails. On a CSRF error
the blueprint's handler calls that view itself: the form's own CSRF check fails again, so the
view re-renders with the posted values and a fresh token, and changes nothing. When the session
has expired (logged out), the posted values are kept in the session, the person logs in, and
the view's next GET restores them (`restore_input`).
"""
from __future__ import annotations

from flask import Blueprint, current_app, make_response, request, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.datastructures import MultiDict

from registry.auth.sessions import KEPT_KEY, ended_user
from registry.security import csrf_error

MAX_KEPT_CHARS = 3000  # the session is a cookie: keep a form's worth, not arbitrary posts
EXPIRED_NOTICE = _l("Your session had expired. We kept everything you typed: check it and "
                    "send it again.")


def csrf_expired(form) -> bool:
    """Whether the form failed only because its CSRF token was missing or expired."""
    token = getattr(form, "csrf_token", None)
    return bool(token is not None and token.errors)


def keeps_input(view):
    """Mark a form view that re-renders its form (values kept) whenever validation fails."""
    view.keeps_input = True
    return view


def init_blueprint(bp: Blueprint) -> None:
    bp.before_request(_keep_input_of_logged_out_post)
    bp.register_error_handler(CSRFError, _csrf_failed)
    bp.add_app_template_global(csrf_expired)


def _view():
    return current_app.view_functions.get(request.endpoint)


def _keeps_input() -> bool:
    return getattr(_view(), "keeps_input", False)


def _needs_login() -> bool:
    return getattr(_view(), "required_permission", None) is not None


def _keep_input_of_logged_out_post():
    if request.method == "POST" and not current_user.is_authenticated and _keeps_input() \
            and _needs_login():
        keep_input()


def keep_input() -> None:
    """Keep this POST's form values for the next GET of the same page by the user whose
    session just expired (nothing when there is none, or the POST is not from our pages)."""
    user = ended_user()
    if user is None:
        return
    data = {key: values for key, values in request.form.lists() if key != "csrf_token"}
    if sum(len(key) + sum(map(len, values)) for key, values in data.items()) <= MAX_KEPT_CHARS:
        session[KEPT_KEY] = {"path": request.path, "form": data, "user": user}


def restore_input() -> MultiDict | None:
    """The values kept for this page (once), or None."""
    kept = session.get(KEPT_KEY)
    if not kept or kept.get("path") != request.path:
        return None
    session.pop(KEPT_KEY)
    return MultiDict([(key, value) for key, values in kept["form"].items() for value in values])


def _csrf_failed(error: CSRFError):
    if not _keeps_input():
        return csrf_error(error)
    if not current_user.is_authenticated and _needs_login():
        keep_input()
    response = make_response(_view()(**(request.view_args or {})))
    if response.status_code == 200:
        response.status_code = 400
    return response
