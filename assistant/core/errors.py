"""Errors written for the user: each names the bad value and how to fix it."""


class AssistantError(Exception):
    """Base class for every error the assistant raises on purpose."""


class InvalidQuestionError(AssistantError, ValueError):
    """The question is empty, blank or too long."""


class IndexNotFoundError(AssistantError):
    """There is no index to answer from, or it holds no documents."""


class DocumentNotFoundError(AssistantError, FileNotFoundError):
    """A path given to ingest does not exist."""


class UnsupportedDocumentError(AssistantError):
    """A file cannot be loaded: empty, binary, corrupt or of an unsupported type."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class ConfigurationError(AssistantError, ValueError):
    """A setting has a value that cannot work."""


class GeneratorUnavailableError(AssistantError):
    """An answer generator cannot be used: missing dependency, model or endpoint."""


class EvaluationDataError(AssistantError):
    """A question set, benchmark folder or report is missing, empty or unreadable."""


class UploadRejectedError(AssistantError, ValueError):
    """An uploaded file is refused before it is stored: no usable name, a type not read, or too large.

    `code` says which: "invalid_name", "unsupported_file_type" or "file_too_large".
    """

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


class InvalidOptionError(AssistantError, ValueError):
    """An option of a request is out of range (`param` names it: "k", "generator")."""

    def __init__(self, message: str, param: str) -> None:
        super().__init__(message)
        self.param = param


class InvalidNameError(InvalidOptionError):
    """A collection, user or conversation name breaks a naming rule (`param` names which: "collection", "user", ...)."""


class NameTakenError(AssistantError, ValueError):
    """A new name is already used: a user name in the users file, or a collection name among its owner's."""

    def __init__(self, message: str, param: str) -> None:
        super().__init__(message)
        self.param = param


class NotFoundError(AssistantError, LookupError):
    """An id names nothing the user may see; a missing id and another user's id give the same message."""


class CollectionNotFoundError(NotFoundError):
    """No collection with this id or name is the user's own or shared with them."""


class ConversationNotFoundError(NotFoundError):
    """No conversation with this id is the user's."""


class UserNotFoundError(NotFoundError):
    """The users file has no user of this name (admin commands only: logins never say which part was wrong)."""


class PermissionDeniedError(AssistantError, PermissionError):
    """The user may read a collection but not change it: only its owner adds or removes documents."""


class CorruptDataError(AssistantError):
    """A database or data file cannot be read as written: the message names the file and the way to recover."""

    def __init__(self, message: str, path: str) -> None:
        super().__init__(message)
        self.path = path
