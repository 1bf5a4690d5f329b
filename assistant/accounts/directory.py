"""Who may log in and as whom: the users file, else the one `user:password` login, else nobody needs to."""

from __future__ import annotations

import hmac
import logging
from pathlib import Path

from argon2 import PasswordHasher

from assistant.accounts.names import check_user_name
from assistant.accounts.passwords import api_key_digest, matching_digest, verify_password
from assistant.accounts.users import User, UsersFile
from assistant.core.config import Settings
from assistant.core.errors import ConfigurationError, InvalidNameError

logger = logging.getLogger(__name__)

# Everything belongs to this user when no login is configured (one person on their own machine).
LOCAL_USER = User("local", admin=True)


class Accounts:
    """The users of one server: checks logins and API keys, and names the owner of the collection 'default'."""

    def __init__(
        self,
        users_file: Path | None = None,
        login: str | None = None,
        api_key: str | None = None,
        hasher: PasswordHasher | None = None,
    ) -> None:
        self._file = UsersFile(users_file) if users_file is not None else None
        self._login = parse_login(login) if login and self._file is None else None
        if login and self._file is not None:
            logger.warning("ASSISTANT_AUTH is ignored: the users file %s lists who may log in", users_file)
        self._api_key = api_key or None
        self._hasher = hasher
        if self._file is not None and not self._file.users():
            raise ConfigurationError(
                f"The users file {self._file.path} does not exist or lists no user, so nobody could log in. "
                "Add the first user with `assistant users add NAME --admin`, or unset ASSISTANT_USERS_FILE."
            )

    @classmethod
    def from_settings(cls, settings: Settings) -> Accounts:
        return cls(settings.users_file, settings.auth, settings.api_key)

    @property
    def login_required(self) -> bool:
        """Whether front ends must ask who is there (a users file, a login or an API key is configured)."""
        return self._file is not None or self._login is not None or self._api_key is not None

    def users(self) -> list[User]:
        if self._file is not None:
            return self._file.users()
        return [self._login[0] if self._login else LOCAL_USER]

    def get(self, name: str) -> User | None:
        """The user called `name`, or None."""
        return next((user for user in self.users() if user.name == name), None)

    def default_owner(self) -> User:
        """The owner of the index that predates collections: the first admin, else the first user."""
        users = self.users()
        return next((user for user in users if user.admin), users[0])

    def authenticate(self, name: str, password: str) -> User | None:
        """The user when `password` is theirs; None for a wrong password and for an unknown name alike."""
        if not isinstance(name, str) or not isinstance(password, str):
            return None
        if self._file is not None:
            entry = self._file.entry(name)
            # An unknown name is checked against a dummy hash, so it takes as long as a wrong password.
            if verify_password(entry["password"] if entry else None, password, self._hasher) and entry:
                return User(entry["name"], entry["admin"])
            return None
        if self._login is not None:
            user, expected = self._login
            same_name = hmac.compare_digest(name.encode(), user.name.encode())
            same_password = hmac.compare_digest(password.encode(), expected.encode())
            return user if same_name and same_password else None
        return None

    def user_for_api_key(self, key: str) -> User | None:
        """The user an API key belongs to; ASSISTANT_API_KEY belongs to `default_owner()`."""
        if not isinstance(key, str) or not key:
            return None
        found = None
        if self._file is not None:
            owners = {stored["sha256"]: entry for entry in self._file.entries() for stored in entry["api_keys"]}
            digest = matching_digest(key, owners)
            found = User(owners[digest]["name"], owners[digest]["admin"]) if digest else None
        if self._api_key is not None:
            shared = hmac.compare_digest(api_key_digest(key), api_key_digest(self._api_key))
            found = found or (self.default_owner() if shared else None)
        return found


def parse_login(login: str) -> tuple[User, str]:
    """ASSISTANT_AUTH's `user:password` as the one user (an admin) and their password."""
    name, separator, password = login.partition(":")
    if not separator or not name or not password:
        raise ConfigurationError("ASSISTANT_AUTH must look like user:password (both non-empty).")
    try:
        check_user_name(name)
    except InvalidNameError as error:
        raise ConfigurationError(f"ASSISTANT_AUTH's user name does not work: {error}") from error
    return User(name, admin=True), password
