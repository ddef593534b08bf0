"""`quiet_gc`: a window without cyclic-GC passes, for the phases that build many acyclic objects (a scan's models,
a snapshot's parse and facts). The one definition the scanner, `app.scan` and the cluster readers share."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def quiet_gc(*, freeze: bool = False) -> Iterator[None]:
    """No cyclic-GC passes inside the window; the collector is left as it was found.

    What such a phase builds is acyclic (reference counting frees it) while it piles up, and each pass re-walks
    every young object alive: with a pass every 100,000 allocations, decoding a cached 10,000-file scan and the
    passes it left to the rendering took ~0.3 s of its ~2 s; `json.loads` of a 5,000-VM snapshot ran 4x and
    `to_facts` 1.7x slower with a repo scan in memory (bench/README.md).

    On leaving, what was built is kept out of the young generations, or the first allocation after would start a
    pass over all of it (millions of objects for a 100,000-object List: 16% of `drift` over it):
    - default: moved to the oldest generation without a walk (`freeze` + `unfreeze`); a later full collection
      still walks it (a command that builds more from a scan's models runs that in a window too);
    - `freeze=True`, for facts that live to the end of the run: frozen when the outermost window ends (never
      walked again; reference counting still frees them): `drift` over that List went from 35 to 28 s of CPU.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if not freeze:
            gc.freeze()
            gc.unfreeze()
        elif enabled:
            gc.freeze()
        if enabled:
            gc.enable()
