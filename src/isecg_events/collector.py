"""Loading, rendering and one-shot commands with the cyclic garbage collector paused.

The loader and every render pause it; so does the command line around any
command but ``serve``, whose garbage must be collected over days.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import gc
from collections.abc import Iterator

__all__ = ["collector_paused", "no_collection_at_exit"]


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the duration of a load or a render.

    A large load or render keeps hundreds of thousands of new containers alive
    until it ends, so the collector runs again and again, walking them and
    the whole programme (about 13% of a 25,000-event ``render_all``, 20% of
    its ``load()``), and finds nothing: neither creates reference cycles (a
    test checks this). Reference counting still frees everything as usual.

    The collector is switched back on afterwards, also on error. If it was
    already off, it is left off.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@functools.cache
def no_collection_at_exit() -> None:
    """Spare this process's exit the collection Python runs over every object then alive.

    A one-shot command ends with everything it made still alive and none of
    it garbage the exit would not free anyway: Python's last collection
    walked it all for nothing (0.03 s after a 25,000-event export). The
    objects alive at exit are frozen out of it (:func:`gc.freeze`); they are
    freed as before. Registered once per process.
    """
    atexit.register(gc.freeze)
