"""The data folder is the server user's alone: the database, the secret key and the saved
results are created readable by nobody else, and a deleted session leaves no file behind,
even when it is deleted while its results are being saved."""

import os
import stat
from pathlib import Path

from tests import report_room
from tests.web.test_archive import STEM, saved
from workshop import create_app, datadir, voting
from workshop.exports import archive
from workshop.extensions import db


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_data_folder_and_files_are_private(sqlite_app):
    app = sqlite_app
    folder = Path(app.config["DATA_DIR"])
    room = report_room.run(app, app.test_client(), second_vote=False)
    room.act("end_session")
    results = saved(app, room.created["id"],
                    {f"{STEM}.json", f"{STEM}-de.pdf", f"{STEM}-en.pdf"})
    assert mode(folder) == 0o700 and mode(results) == 0o700
    with db.engine.connect() as connection:  # an open connection keeps -wal and -shm
        connection.exec_driver_sql("SELECT count(*) FROM votes").scalar()
        files = [folder / "workshop.db", folder / "secret_key", *results.iterdir()]
        files += [p for p in folder.iterdir() if p.name.startswith("workshop.db-")]
        assert {p.name for p in files} >= {"workshop.db-wal", "workshop.db-shm"}
        assert {p.name: oct(mode(p)) for p in files} == {p.name: oct(0o600) for p in files}


def test_existing_folder_and_database_are_tightened(tmp_path):
    folder = tmp_path / "sessions"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    database = folder / "workshop.db"
    database.touch()
    os.chmod(database, 0o644)
    app = create_app({"DATA_DIR": str(folder), "ASYNC_MODE": "threading", "TESTING": True})
    try:
        assert mode(folder) == 0o700 and mode(database) == 0o600
        with app.app_context():
            assert db.engine.dialect.name == "sqlite"
    finally:
        db.engine.dispose()


def test_write_private_never_leaves_a_readable_copy(tmp_path):
    old = os.umask(0)  # the most permissive umask: the mode must not come from it
    try:
        path = datadir.write_private(datadir.folder(tmp_path / "a" / "b") / "x.json", b"{}")
    finally:
        os.umask(old)
    assert mode(path) == 0o600 and mode(path.parent) == 0o700 and path.read_bytes() == b"{}"
    assert [p.name for p in path.parent.iterdir()] == ["x.json"]  # no .part left


def test_session_deleted_while_its_results_are_saved(sqlite_app, monkeypatch):
    app = sqlite_app
    room = report_room.run(app, app.test_client(), second_vote=False)
    session_id = room.created["id"]
    real_prepare = archive.prepare
    calls = []

    def prepare_then_delete(name, ctx):
        make = real_prepare(name, ctx)

        def run():
            export = make()
            if not calls:  # the organiser deletes the session after the first file
                with db.write() as s:
                    voting.delete_session(s, voting.get_session(s, session_id))
            calls.append(name)
            return export
        return run

    monkeypatch.setattr(archive, "prepare", prepare_then_delete)
    with app.app_context():
        written = archive.write(app.config["DATA_DIR"], session_id, app.config["SECRET_KEY"])
    assert len(calls) == 3  # every file was still written after the deletion ...
    assert written == []  # ... and removed again: nothing of the session is left
    assert not (Path(app.config["DATA_DIR"]) / session_id).exists()
