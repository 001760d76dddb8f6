-- price_changes: what changed in price, endpoint by endpoint, from one snapshot to the next?
-- Grain: one row per (endpoint, price component, pair of consecutive snapshot dates, change)
-- whose price differs (a price becoming or ceasing to be variable counts as a change), or
-- whose time-of-day windows appeared, changed or ended.
--   change: 'price' (the base price; old_ / new_usd_per_mtok and pct_change say how), or
--     'window appeared' / 'window changed' / 'window ended' (old_windows → new_windows:
--     '10:00-01:00 0.66; 04:00-06:00 0.66', UTC, USD per million units; the usd columns then
--     hold the base price, unchanged).
-- The diffs are computed when a date's tables are written (tables endpoint_price_changes and
-- price_window_changes, whose partition D compares D with the snapshot before it); this view
-- only reads them. provider_tag (e.g. deepinfra/fp8) tells two endpoints of one provider
-- apart: the endpoint's newest tag in endpoints_history (endpoint_tags).
CREATE OR REPLACE VIEW endpoint_tags AS
SELECT endpoint_id, arg_max(provider_tag, snapshot_date) AS provider_tag
FROM endpoints_history
GROUP BY endpoint_id;

CREATE OR REPLACE VIEW price_changes AS
SELECT
    c.model_id,
    c.provider_name,
    t.provider_tag,
    c.endpoint_id,
    component,
    old_usd_per_mtok,
    new_usd_per_mtok,
    pct_change,
    from_date,
    snapshot_date AS to_date,
    'price' AS change,
    CAST(NULL AS VARCHAR) AS old_windows,
    CAST(NULL AS VARCHAR) AS new_windows
FROM endpoint_price_changes_history c
LEFT JOIN endpoint_tags t USING (endpoint_id)
UNION ALL
SELECT
    c.model_id,
    c.provider_name,
    t.provider_tag,
    c.endpoint_id,
    component,
    base_usd_per_mtok,
    base_usd_per_mtok,
    NULL,
    from_date,
    snapshot_date,
    'window ' || change,
    old_windows,
    new_windows
FROM price_window_changes_history c
LEFT JOIN endpoint_tags t USING (endpoint_id);

-- catalog_changes: which models and endpoints appeared, disappeared, or went free ↔ paid?
-- Grain: one row per (change kind, model or endpoint, pair of consecutive snapshot dates).
-- Computed when a date's tables are written (table catalog_change_events, whose partition D
-- compares D with the snapshot before it); this view only reads it. provider_tag as in
-- price_changes (null for a model's own change).
CREATE OR REPLACE VIEW catalog_changes AS
SELECT
    c.change,
    c.model_id,
    c.provider_name,
    t.provider_tag,
    c.endpoint_id,
    c.from_date,
    c.snapshot_date AS to_date
FROM catalog_change_events_history c
LEFT JOIN endpoint_tags t USING (endpoint_id);
