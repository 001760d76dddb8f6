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
FROM read_parquet('{{tables}}/endpoint_price_changes/snapshot_date=*/*.parquet',
    hive_partitioning = true, hive_types = {'snapshot_date': DATE}, union_by_name = true);

-- catalog_changes: which models and endpoints appeared, disappeared, or went free ↔ paid?
-- Grain: one row per (change kind, model or endpoint, pair of consecutive snapshot dates).
CREATE OR REPLACE VIEW catalog_changes AS
WITH dates AS (
    SELECT snapshot_date AS to_date,
           lag(snapshot_date) OVER (ORDER BY snapshot_date) AS from_date
    FROM (SELECT DISTINCT snapshot_date FROM endpoints_history)
),
m AS (SELECT snapshot_date, model_id FROM models_history),
e AS (SELECT snapshot_date, endpoint_id, model_id, provider_name, is_free
      FROM endpoints_history)
SELECT 'model_appeared' AS change, n.model_id, NULL AS provider_name, NULL AS endpoint_id,
       d.from_date, d.to_date
FROM dates d JOIN m n ON n.snapshot_date = d.to_date
WHERE d.from_date IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM m o WHERE o.snapshot_date = d.from_date AND o.model_id = n.model_id)
UNION ALL
SELECT 'model_disappeared', o.model_id, NULL, NULL, d.from_date, d.to_date
FROM dates d JOIN m o ON o.snapshot_date = d.from_date
WHERE NOT EXISTS (
    SELECT 1 FROM m n WHERE n.snapshot_date = d.to_date AND n.model_id = o.model_id)
UNION ALL
SELECT 'endpoint_appeared', n.model_id, n.provider_name, n.endpoint_id, d.from_date, d.to_date
FROM dates d JOIN e n ON n.snapshot_date = d.to_date
WHERE d.from_date IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM e o WHERE o.snapshot_date = d.from_date AND o.endpoint_id = n.endpoint_id)
UNION ALL
SELECT 'endpoint_disappeared', o.model_id, o.provider_name, o.endpoint_id, d.from_date,
       d.to_date
FROM dates d JOIN e o ON o.snapshot_date = d.from_date
WHERE NOT EXISTS (
    SELECT 1 FROM e n WHERE n.snapshot_date = d.to_date AND n.endpoint_id = o.endpoint_id)
UNION ALL
SELECT CASE WHEN o.is_free THEN 'endpoint_free_to_paid' ELSE 'endpoint_paid_to_free' END,
       n.model_id, n.provider_name, n.endpoint_id, d.from_date, d.to_date
FROM dates d
JOIN e n ON n.snapshot_date = d.to_date
JOIN e o ON o.snapshot_date = d.from_date AND o.endpoint_id = n.endpoint_id
WHERE o.is_free IS DISTINCT FROM n.is_free;
