"""The navigation bar per role, declared by the blueprints that own the pages."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
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
    # The menu a page is listed under (NAV_GROUPS), or None: on the bar itself.
    group: str | None = None


# Menus of the bar, so that everything an administrator reaches fits one line of a 1366 px
# screen in English: the bureau's administration, and the person's own account (under their
# address, at the right).
NAV_GROUPS = {"admin": _l("Admin"), "account": None}


NAV_ITEMS: list[NavItem] = []
LOGIN_LINKS: list[NavItem] = []  # links under the login form (register, forgot password)


def add_nav(endpoint: str, label, permission: Permission | None = None, order: int = 50,
            badge: Callable[[], int] | None = None, group: str | None = None) -> None:
    assert group is None or group in NAV_GROUPS, group
    NAV_ITEMS.append(NavItem(endpoint, label, permission, order, badge, group))


@dataclass(frozen=True)
class NavMenu:
    """A menu of the bar: its label and the items under it."""
    key: str
    label: object
    items: list[NavItem]


def nav_bar() -> list[NavItem | NavMenu]:
    """What the bar shows, in order: the items on the bar and, where its first item would be,
    each menu (the account menu is drawn apart, see `account_items`)."""
    entries: list[NavItem | NavMenu] = []
    menus: dict[str, NavMenu] = {}
    for item in _visible(NAV_ITEMS):
        if item.group is None:
            entries.append(item)
        elif item.group != "account":
            if item.group not in menus:
                menus[item.group] = NavMenu(item.group, NAV_GROUPS[item.group], [])
                entries.append(menus[item.group])
            menus[item.group].items.append(item)
    return entries


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
        return {"nav_items": lambda: _visible(NAV_ITEMS), "nav_bar": nav_bar,
                "account_items": lambda: [item for item in _visible(NAV_ITEMS)
                                          if item.group == "account"],
                "login_links": lambda: _visible(LOGIN_LINKS),
                # Pages offer an action only to whom may take it (a manager reads, never acts).
                "can": lambda permission: has_permission(current_user, Permission(permission))}
