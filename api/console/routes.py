"""The console's controllers, for ``Litestar(route_handlers=[...])``: sign-in and the three consoles."""

from __future__ import annotations

from litestar import Controller

from api.console.admin import AdminController
from api.console.home import ConsoleController
from api.console.review import ReviewController


def route_handlers() -> list[type[Controller]]:
    return [ConsoleController, ReviewController, AdminController]
