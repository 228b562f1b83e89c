"""gunicorn's settings, read from the working directory: `make run`, the benchmark and the
production command in the README all start gunicorn here."""

from __future__ import annotations

import gc
from typing import Any

#: A generation-2 threshold that is never reached: full collections wait for post_request.
NEVER = 1_000_000_000
#: Requests a worker serves between two full collections. Each walks every object the
#: worker made since it started (tens of milliseconds at county scale); in between, the young
#: generations still collect as usual, and the few dozen objects a request leaves in the old
#: generation wait for the next pass.
FULL_COLLECTION_EVERY = 250

_served = 0


def post_worker_init(worker: Any) -> None:
    """Once the worker has loaded the app, keep what it loaded out of the garbage collector's
    sight: the app, the models and the compiled templates live as long as the worker, and a
    full collection walking them all held a request up for about 100 ms at county scale.

    The full collections that remain (of what the pages cached since) held a request up for
    15 to 75 ms each, so they no longer start on their own, in the middle of a request."""
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, NEVER)


def post_request(worker: Any, req: Any, environ: Any = None, resp: Any = None) -> None:
    """Every FULL_COLLECTION_EVERY requests, the full collection, once the response has been
    sent: the user whose request it follows has the whole page already."""
    global _served
    _served += 1
    if _served % FULL_COLLECTION_EVERY == 0:
        gc.collect()
