"""The data folder and what the server writes into it, readable by the server's user only:
the database, the secret key and the saved results hold votes, ideas and tokens."""

import os
import secrets
import stat
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600


def folder(path: str | Path) -> Path:
    """Create the folder (and missing parents) for the server's user only; tighten it if it
    exists and is ours."""
    path = Path(path)
    path.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    _tighten(path, FOLDER_MODE)
    return path


def private_file(path: str | Path) -> Path:
    """Make sure the file exists and only the server's user can read it (an existing file is
    tightened, never made writable: a file left read-only stays so). SQLite gives its -wal and
    -shm files the mode of the database file."""
    path = Path(path)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    _tighten(path, FILE_MODE)
    for companion in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if companion.exists():
            _tighten(companion, FILE_MODE)
    return path


def write_private(path: Path, content: bytes) -> Path:
    """Write a whole file, readable by the server's user only: written aside under a name of
    its own (two writers never share one), then moved into place, so a reader never sees half
    a file."""
    partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
    os.replace(partial, path)
    return path


def _tighten(path: Path, mode: int) -> None:
    """Take away what others may do; what the owner may do is left as it is."""
    info = path.stat()
    current = stat.S_IMODE(info.st_mode)
    if info.st_uid == os.getuid() and current & ~mode:
        os.chmod(path, current & mode)
