"""Cassettes: recorded HTTP exchanges, stored as reviewable YAML and replayed (DESIGN.md §6).

Public face (import the module you need; this package imports nothing, so commands that
do not record or replay never import vcrpy):
- `layout`: `cassette_path`, `trials_by_case`, `RecordMode`, `coerce_record_mode`,
  `canonical_json`, and the messages for missing and stale cassettes — no vcrpy.
- `store`: `make_vcr`, `CassetteRouter` (vcrpy configured: matching, atomic writes,
  scrubbing), `load_interactions` for the fast replay.
- `exchanges`: `open_exchange` — how one job gets its wire responses (record, fast replay
  or replay through the SDK).
- `scrub`: what never reaches a cassette (`Scrubber`, header allowlists).

Inside: `format` (the cassette serializer: structured bodies, SSE and eventstream),
`safe_yaml` (PyYAML SafeLoader semantics, built faster).
"""
