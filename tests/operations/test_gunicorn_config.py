"""The workers' settings that gunicorn reads from the project's directory."""

import gc
import importlib.util
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def settings() -> Iterator[ModuleType]:
    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "gunicorn.conf.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    thresholds = gc.get_threshold()
    try:
        yield module
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)


def test_a_worker_keeps_what_it_loaded_out_of_the_collectors_full_passes(settings):
    settings.post_worker_init(worker=None)
    assert gc.get_freeze_count() > 0


def test_full_collections_run_only_after_a_response_every_so_many_requests(settings):
    settings.post_worker_init(worker=None)
    full: list[dict[str, Any]] = []

    def seen(phase: str, info: dict[str, Any]) -> None:
        if phase == "stop" and info["generation"] == 2:
            full.append(info)

    gc.callbacks.append(seen)
    try:
        # Requests leave objects in the old generation: here, more than the collector waits
        # for before it would start a full pass on its own (a quarter of what it last kept).
        kept = [[] for _ in range(gc.get_freeze_count())]
        del kept
        assert full == []
        for _ in range(settings.FULL_COLLECTION_EVERY - 1):
            settings.post_request(None, None, {}, None)
        assert full == []
        settings.post_request(None, None, {}, None)
        assert len(full) == 1
    finally:
        gc.callbacks.remove(seen)
