"""The one way a form is handled after it is posted: validate, call the use case, or re-render with the errors.

Every form handler, public or console, ends with :func:`attempt`: a form with errors is shown again (422) with each
message beside its field; otherwise the use case runs in a worker thread, and a domain error (a registry or engine
error naming a field) lands beside that field and the form is shown again; otherwise the use case's result is
returned for the handler to answer with (usually a redirect). Nothing is stored when the form is shown again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any, TypeVar

from anyio import to_thread
from litestar import Response

from api.pages.forms import Form
from footprint.errors import FootprintError
from registry.errors import RegistryError

T = TypeVar("T")


class Rejected(Exception):
    """The form was shown again with its errors: the handler answers :attr:`response`."""

    def __init__(self, response: Response[Any]) -> None:
        super().__init__("form re-rendered")
        self.response = response


def field_errors(exc: RegistryError | FootprintError, own_fields: Iterable[str], fallback: str) -> dict[str, str]:
    """A domain error as ``{field: message}``: beside its field when the form has it, else beside ``fallback``
    (e.g. a product file's errors go beside the product file, with the path inside it)."""
    raw = exc.field or ""
    if raw in set(own_fields):
        return {raw: exc.message}
    where = raw.removeprefix("spec.").removeprefix("spec")
    return {fallback: f"{where}: {exc.message}" if where else exc.message}


async def attempt(form: Form, call: Callable[..., T], *args: Any, rerender: Callable[[Form], Response[Any]],
                  fallback: str, **kwargs: Any) -> T:
    """Run ``call(*args, **kwargs)`` for a valid form, or raise :class:`Rejected` with the form shown again.

    Args:
        form: the posted form, already validated field by field.
        call: the use case (run in a worker thread).
        rerender: shows the form again (status 422) with ``form.errors`` (run in a worker thread: it may read).
        fallback: the field beside which a domain error goes when the form has no field of its name.
    """
    if form.errors:
        raise Rejected(await to_thread.run_sync(rerender, form))
    try:
        return await to_thread.run_sync(partial(call, *args, **kwargs))
    except (RegistryError, FootprintError) as exc:
        form.errors.update(field_errors(exc, form.values, fallback))
        raise Rejected(await to_thread.run_sync(rerender, form)) from None


def rejected(_: Any, exc: Rejected) -> Response[Any]:
    """The exception handler that answers a re-rendered form."""
    return exc.response
