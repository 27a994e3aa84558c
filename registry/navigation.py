"""The navigation bar per role, declared by the blueprints that own the pages."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app
from flask_login import current_user

from registry.auth.permissions import Permission, has_permission


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object  # a lazy translated string
    permission: Permission | None = None
    order: int = 50
    # A count shown next to the label when above zero (unread messages, open requests).
    badge: Callable[[], int] | None = None


NAV_ITEMS: list[NavItem] = []
LOGIN_LINKS: list[NavItem] = []  # links under the login form (register, forgot password)


def add_nav(endpoint: str, label, permission: Permission | None = None, order: int = 50,
            badge: Callable[[], int] | None = None) -> None:
    NAV_ITEMS.append(NavItem(endpoint, label, permission, order, badge))


def add_login_link(endpoint: str, label, order: int = 50) -> None:
    LOGIN_LINKS.append(NavItem(endpoint, label, None, order))


def _visible(items: list[NavItem]) -> list[NavItem]:
    return sorted(
        (item for item in items
         if item.endpoint in current_app.view_functions
         and (item.permission is None or has_permission(current_user, item.permission))),
        key=lambda item: item.order)


def init_app(app: Flask) -> None:
    @app.context_processor
    def _navigation():
        return {"nav_items": lambda: _visible(NAV_ITEMS),
                "login_links": lambda: _visible(LOGIN_LINKS),
                # Pages offer an action only to whom may take it (a manager reads, never acts).
                "can": lambda permission: has_permission(current_user, Permission(permission))}
