"""A SQLite VFS (apsw) that models a power cut: only data that was fsynced survives.

Writes go to the real files, so SQLite sees a normal disk while it runs; every ``xSync`` of a
file copies that file's whole content into ``durable``, the image the disk would hold after the
power fails. ``cut(into)`` writes those images (and nothing else) into a fresh folder: a file
never synced does not exist there, a file synced earlier holds its content as of that sync.
"""

from __future__ import annotations

import itertools
import threading
from pathlib import Path

import apsw

_names = itertools.count(1)


class PowerCutVFS(apsw.VFS):
    """Register with a unique name; open databases with ``connect(path)``."""

    def __init__(self) -> None:
        self.name = f"powercut-{next(_names)}"
        self.durable: dict[str, bytes] = {}
        self.syncs = 0
        self._lock = threading.Lock()
        super().__init__(self.name, "")

    def xOpen(self, name, flags):  # noqa: N802 - apsw's method name
        path = name.filename() if isinstance(name, apsw.URIFilename) else name
        return _TrackedFile(self, path, name, flags)

    def xDelete(self, name, syncdir):  # noqa: N802 - apsw's method name
        # an unlink is a directory change; counted as durable at once (SQLite deletes its
        # rollback journal on every commit before WAL mode, and a stale one would be "hot")
        super().xDelete(name, syncdir)
        with self._lock:
            self.durable.pop(name, None)

    def synced(self, path: str) -> None:
        with self._lock:
            self.syncs += 1
            self.durable[path] = Path(path).read_bytes()

    def cut(self, into: Path) -> dict[str, Path]:
        """The disk after a power cut, laid out in ``into``: {original path: restored path}."""
        into.mkdir(parents=True, exist_ok=True)
        with self._lock:
            images = dict(self.durable)
        restored = {}
        for path, data in images.items():
            target = into / Path(path).name
            target.write_bytes(data)
            restored[path] = target
        return restored

    def connect(self, path: str) -> ApswJournalConnection:
        return ApswJournalConnection(apsw.Connection(path, vfs=self.name))

    def close(self) -> None:
        self.unregister()


class _TrackedFile(apsw.VFSFile):
    def __init__(self, vfs: PowerCutVFS, path: str | None, name, flags):
        self._vfs = vfs
        self._path = path
        super().__init__("", name, flags)

    def xSync(self, flags):  # noqa: N802 - apsw's method name
        super().xSync(flags)
        if self._path:
            self._vfs.synced(self._path)


class _Result:
    def __init__(self, description, rows):
        self.description = description
        self._rows = rows

    def fetchall(self) -> list[tuple]:
        return self._rows


class ApswJournalConnection:
    """The part of a ``sqlite3.Connection`` (autocommit) that ``Journal`` uses, over apsw."""

    def __init__(self, connection: apsw.Connection):
        self._connection = connection

    def execute(self, sql: str, args: tuple = ()) -> _Result:
        cursor = self._connection.cursor()
        cursor.execute(sql, args)
        try:
            description = cursor.description
        except apsw.ExecutionCompleteError:
            description = ()  # no row came back
        return _Result(description, list(cursor))

    def executescript(self, sql: str) -> None:
        self._connection.execute(sql)

    def close(self) -> None:
        self._connection.close()
