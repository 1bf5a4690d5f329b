"""Who a request acts for: the user its `Authorization: Bearer` API key belongs to, as a route dependency."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException

from assistant.accounts.users import User

_bearer = HTTPBearer(
    auto_error=False,
    description="`Authorization: Bearer <key>`: ASSISTANT_API_KEY, or a user's key (`assistant users key NAME`); "
    "needed when either is configured.",
)


def current_user(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)]
) -> User:
    """The owner of the request's API key; with no key and no users file configured, the one local user."""
    user = request.app.state.workspace.api_user(credentials.credentials if credentials else None)
    if user is None:
        raise HTTPException(
            401,
            "Missing or wrong API key: send `Authorization: Bearer <key>` with ASSISTANT_API_KEY or a key of yours "
            "from `assistant users key NAME`.",
        )
    return user


CurrentUser = Annotated[User, Depends(current_user)]
