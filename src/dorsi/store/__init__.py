"""Session store: SQLite (WAL) in the user data folder; knows nothing of Qt or BLE.

Live recording (the app, ``dorsi record``)::

    from dorsi.store import SessionStore

    store = SessionStore.open()          # creates/migrates; marks crashed sessions interrupted
    w = store.begin_session(drill="knee_to_wall", side="left",
                            sensor_id="AA:BB:…", firmware="1.2.0", rate_hz=200.0)
    w.append(time_s, acc_mps2, gyr_dps, sample_counter)   # any chunk size; returns at once
    ...
    w.finish(analysis.summary(), analysis.derived_columns())   # or w.finish() without analysis
    store.close()

``append`` buffers; a writer thread commits (fsync'ed) every 0.25 s and whenever
0.5 s of samples are buffered, so kill -9 or power loss loses at most ~0.5 s.
``with store.begin_session(...) as w:`` finishes on exit, or marks the session
interrupted if the block raised. A writer never finished (crash) is found by
``SessionStore.open()`` / ``store.recover_interrupted()`` and marked interrupted
with every committed sample kept. Storage failures are ``StorageError`` with one
line for the user (damaged, locked, disk full, permission); bad arguments are
``InputError``.

Reading: ``store.sessions()``, ``store.session(id)``, ``store.load_recording(id)``,
``store.derived_columns(id)``, ``store.reps(id)``, ``store.test_results()``.
Reliability studies: ``store.mark_repeats(ids, design, raters)``, ``store.unmark_repeats(ids)``,
``store.repeat_groups()`` (store/studies.py).
Files: ``dorsi.store.export`` (per-session CSV/JSON, history CSV) and
``dorsi.store.importer`` (raw CSV → session). Layout and figures: docs/storage.md.
"""

from dorsi.store.models import Profile, SessionInfo
from dorsi.store.store import SessionStore
from dorsi.store.studies import RepeatGroup, RepeatMember
from dorsi.store.writer import SessionWriter

__all__ = ["Profile", "RepeatGroup", "RepeatMember", "SessionInfo", "SessionStore", "SessionWriter"]
