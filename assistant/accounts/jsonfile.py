"""A small JSON file shared by threads and processes: read when it changed, changed under a lock, replaced whole."""

from __future__ import annotations

import contextlib
import copy
import json
import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from assistant.core.errors import CorruptDataError

T = TypeVar("T")


class JsonFile:
    """One JSON object in a file; a killed writer leaves the old or the new file, never half of one."""

    def __init__(self, path: Path, what: str, empty: dict[str, Any], mode: int = 0o600) -> None:
        self.path = Path(path)
        self.what = what  # how messages name the file: "users file", "collection registry"
        self.empty = empty
        self.mode = mode
        self._lock = threading.Lock()
        self._seen: tuple[int, int, int] | None = None
        self._data: dict[str, Any] = copy.deepcopy(empty)

    def read(self) -> dict[str, Any]:
        """A copy of the file's object (the empty one while the file does not exist), read again when it changed."""
        with self._lock:
            signature = self._signature()
            if signature != self._seen:
                self._data = self._load() if signature else copy.deepcopy(self.empty)
                self._seen = signature
            return copy.deepcopy(self._data)

    def change(self, edit: Callable[[dict[str, Any]], T]) -> T:
        """Run `edit` on the current object and write what it leaves; other writers wait (threads and processes)."""
        with self._lock, self._exclusive():
            data = self._load() if self.path.exists() else copy.deepcopy(self.empty)
            result = edit(data)
            self._write(data)
            self._seen, self._data = self._signature(), data
            return copy.deepcopy(result)

    def _signature(self) -> tuple[int, int, int] | None:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return None
        return stat.st_ino, stat.st_mtime_ns, stat.st_size  # a replaced file has a new inode

    def _load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as error:
            raise self.corrupt(f"it is not valid JSON: {error}") from error
        if not isinstance(data, dict):
            raise self.corrupt(f"it holds a JSON {type(data).__name__}, not an object")
        return data

    def corrupt(self, problem: str) -> CorruptDataError:
        """The error for a file that cannot be used as it is: it names the file, and it is never overwritten."""
        return CorruptDataError(
            f"The {self.what} {self.path} cannot be used: {problem}. It was left as it is: fix it by hand or restore "
            "it from a backup.",
            str(self.path),
        )

    def _write(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                json.dump(data, file, indent=2, ensure_ascii=False)
                file.write("\n")
                file.flush()
                os.fsync(file.fileno())
            os.chmod(temporary, self.mode)
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
        _sync_folder(self.path.parent)

    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        """Hold `<file>.lock` so that two processes (a server and an admin command) do not both write."""
        import fcntl  # POSIX only, like the rest of the server's file handling

        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(self.path.name + ".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released by the kernel when a killed writer's file closes
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


def _sync_folder(folder: Path) -> None:
    """Make a rename in `folder` survive a power cut."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
