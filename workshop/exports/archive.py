"""Results written to disk when a session ends, so organisers find them without the server."""

import logging
import shutil
from collections.abc import Callable
from pathlib import Path

from workshop import datadir
from workshop.exports import Context, Export, filename, prepare
from workshop.extensions import db
from workshop.models import WorkshopSession
from workshop.offload import offload

log = logging.getLogger(__name__)


def write(data_dir: str, session_id: str, secret_key: str) -> list[Path]:
    """The JSON export and a PDF report per session language, in <data dir>/<session id>/.

    Runs as a background task, with no request or app context: each report takes its
    language's translations from its Context, not from a locale around it.
    """
    planned: list[tuple[str, Callable[[], Export]]] = []
    with db.read() as session:
        workshop = session.get(WorkshopSession, session_id)
        if workshop is None:
            return []
        first = workshop.languages[0]
        planned.append((filename(workshop, "json", first),
                        prepare("json", Context(session, workshop, first, secret_key))))
        for language in workshop.languages:
            planned.append((filename(workshop, "pdf", language),
                            prepare("pdf", Context(session, workshop, language, secret_key))))
    target = folder(data_dir, session_id)
    written = []
    for name, write in planned:
        content = offload(write).content  # off the event loop, after the read
        # Made again for each file: a deletion may have removed it meanwhile (see below).
        written.append(datadir.write_private(datadir.folder(target) / name, content))
    # Deleted while we wrote? Its files must not outlive it. Deleting commits, then removes
    # the folder: either it removes what we wrote, or we see the deletion here.
    with db.read() as session:
        if session.get(WorkshopSession, session_id) is None:
            shutil.rmtree(target, ignore_errors=True)
            return []
    return written


def write_quietly(data_dir: str, session_id: str, secret_key: str) -> list[Path]:
    """For a background task: the downloads still work if the disk write fails."""
    try:
        paths = write(data_dir, session_id, secret_key)
        log.info("saved results of %s: %s", session_id, ", ".join(p.name for p in paths))
        return paths
    except Exception:
        log.exception("could not save the results of session %s", session_id)
        return []


def folder(data_dir: str, session_id: str) -> Path:
    """Where an ended session's files are saved."""
    return Path(data_dir).resolve() / session_id


def saved(data_dir: str, session_id: str) -> dict:
    """The folder of a session's saved files and their names, for the console."""
    where = folder(data_dir, session_id)
    files = sorted(p.name for p in where.iterdir() if p.is_file()
                   and not p.name.startswith(".")) if where.is_dir() else []
    return {"folder": str(where), "files": files}
