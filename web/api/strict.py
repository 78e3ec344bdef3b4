"""Requests are taken as written or refused: an unknown field is an error, never dropped.

A field the API silently ignored once made documents without their PIN (a ``kind_id`` the form
did not declare); the same holds for JSON bodies, where a misspelt key would read as "not given".
"""

from __future__ import annotations

from fastapi import Request
from pydantic import BaseModel, ConfigDict

from controller.kernel.errors import AmbilError


class StrictBody(BaseModel):
    """A JSON request body that refuses keys it does not declare (answered 422 request.invalid)."""

    model_config = ConfigDict(extra="forbid")


async def refuse_unknown_form_fields(request: Request) -> None:
    """Raise ``request.invalid`` naming each form field the route does not declare (the known
    ones are the route's own ``Form``/``File`` parameters, so the list is never written twice)."""
    known = tuple(param.alias for param in request.scope["route"].dependant.body_params)
    form = await request.form()  # Starlette caches the parsed form: the endpoint's fields share it
    unknown = sorted(set(form.keys()) - set(known))
    if unknown:
        raise AmbilError(
            f"unknown fields: {', '.join(unknown)} (known: {', '.join(known)})", key="request.invalid"
        )


def one_of(values: tuple[str, ...]) -> str:
    """A query/form pattern from the schema's own tuple of allowed values (one list, no copy)."""
    return f"^({'|'.join(values)})$"
