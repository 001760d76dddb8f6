-- price_changes: what changed in price, endpoint by endpoint, from one snapshot to the next?
-- Grain: one row per (endpoint, price component, pair of consecutive snapshot dates) whose
-- price differs (a price becoming or ceasing to be variable counts as a change).
-- The diff is computed when a date's tables are written (table endpoint_price_changes, whose
-- partition D compares D with the snapshot before it); this view only reads it.
CREATE OR REPLACE VIEW price_changes AS
SELECT
    model_id,
    provider_name,
    endpoint_id,
    component,
    old_usd_per_mtok,
    new_usd_per_mtok,
    pct_change,
    from_date,
    snapshot_date AS to_date
FROM endpoint_price_changes_history;

-- catalog_changes: which models and endpoints appeared, disappeared, or went free ↔ paid?
-- Grain: one row per (change kind, model or endpoint, pair of consecutive snapshot dates).
-- Computed when a date's tables are written (table catalog_change_events, whose partition D
-- compares D with the snapshot before it); this view only reads it.
CREATE OR REPLACE VIEW catalog_changes AS
SELECT
    change,
    model_id,
    provider_name,
    endpoint_id,
    from_date,
    snapshot_date AS to_date
FROM catalog_change_events_history;
