"""Python's cycle collector tuned for a server that holds hundreds of connections (run.py).

Measured with bench/load.py (500 phones voting on 2 cores, eventlet): with Python's defaults
the collector made a full pass over every object of the process about once a second while
phones joined and voted, 130-200 ms each with the whole server stopped meanwhile (one pair
of runs: 7.6 s of server CPU for the 11,000 votes with the defaults, 4.2 s tuned; p99 624
against 447 ms). Two changes:

- the objects made at start (the app, the catalogue, translations, templates, SQLAlchemy's
  and pydantic's machinery: ~160,000) are moved out of the collector's sight with
  `gc.freeze()`: they live as long as the process, and no pass has to walk them again;
- the youngest generation is collected every 10,000 new objects instead of every 700, so
  the objects of votes still in flight are not promoted to older generations (which is what
  made full passes come so often); the middle generation is collected every 50 young passes
  instead of 10, and a full pass is considered after 20 middle ones instead of 10. Garbage
  in reference cycles is still collected, in fewer and larger batches: a full pass is
  considered every 1,000 young passes, so what a phone that disconnected left behind is
  freed too.
  Memory held by 2,000 idle phones did not change (305 MB either way on the bench machine,
  measured before run.py stopped importing the client transports).
"""

import gc

THRESHOLDS = (10_000, 50, 20)


def tune() -> None:
    """Call once the app is built, before serving."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
