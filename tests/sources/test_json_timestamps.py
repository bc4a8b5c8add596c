"""ISO timestamps in JSON Lines stay text in every chunk, whatever later chunks hold."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa

import assay.sources as sources


def test_timestamp_fields_stay_text_across_chunks(tmp_path: Path) -> None:
    rows = [{"id": i, "ts": f"2024-01-01T00:00:{i % 60:02d}+02:00"} for i in range(3000)]
    rows += [{"id": 3000, "ts": "not a time", "late": "2024-05-05T10:00:00Z"}]
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    source = sources.open_source(str(path), chunk_bytes=8192)
    batches = [b.data for stream in source.streams() for b in stream.batches()]
    assert len(batches) > 3 and source.quarantined == []
    records = [r for b in batches for r in b.to_pylist()]
    assert len(records) == len(rows)
    by_id = {r["id"]: r["ts"] for r in records}
    assert by_id[0] == "2024-01-01T00:00:00+02:00"  # offset kept, not turned into UTC
    assert by_id[3000] == "not a time"
    assert all(b.schema.field("ts").type == pa.string() for b in batches)
    # columns keep the order first seen, new ones after
    assert [b.schema.names[:2] for b in batches] == [["id", "ts"]] * len(batches)
