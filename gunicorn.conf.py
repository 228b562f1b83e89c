"""gunicorn's settings, read from the working directory: `make run`, the benchmark and the
production command in the README all start gunicorn here."""

from __future__ import annotations

import gc
from typing import Any


def post_worker_init(worker: Any) -> None:
    """Once the worker has loaded the app, keep what it loaded out of the garbage collector's
    sight: the app, the models and the compiled templates live as long as the worker, and a
    full collection walking them all held a request up for about 100 ms at county scale."""
    gc.collect()
    gc.freeze()
