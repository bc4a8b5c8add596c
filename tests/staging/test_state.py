"""Pipeline state round-trips on every backend."""

from __future__ import annotations

from datetime import UTC, datetime

from assay.staging import StageState, StagingStore, load_state, save_state


def test_pipeline_state_is_saved_replaced_and_loaded(store: StagingStore) -> None:
    started = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    save_state(
        store,
        StageState(
            "run-1",
            "stage",
            "running",
            started_at=started,
            config_hash="sha256:abc",
            inputs={"examples/shop/orders.jsonl": "sha256:123"},
        ),
    )
    save_state(store, StageState("run-1", "infer", "pending"))
    save_state(
        store,
        StageState(
            "run-1",
            "stage",
            "complete",
            started_at=started,
            finished_at=started,
            config_hash="sha256:abc",
            counts={"records": 3197, "quarantined": 5},
            inputs={"examples/shop/orders.jsonl": "sha256:123"},
            outputs={"batch": 1},
        ),
    )
    states = load_state(store, "run-1")
    assert [(s.stage, s.status) for s in states] == [("infer", "pending"), ("stage", "complete")]
    stage = states[1]
    assert stage.counts == {"records": 3197, "quarantined": 5}
    assert stage.inputs == {"examples/shop/orders.jsonl": "sha256:123"}
    assert stage.outputs == {"batch": 1}
    assert stage.started_at == started and stage.config_hash == "sha256:abc"
    assert load_state(store, "run-2") == []
