-- price_changes: what changed in price, endpoint by endpoint, from one snapshot to the next?
-- Grain: one row per (endpoint, price component, pair of consecutive snapshot dates) whose
-- price differs (a price becoming or ceasing to be variable counts as a change).
CREATE OR REPLACE VIEW price_changes AS
WITH dates AS (
    SELECT snapshot_date AS to_date,
           lag(snapshot_date) OVER (ORDER BY snapshot_date) AS from_date
    FROM (SELECT DISTINCT snapshot_date FROM endpoints_history)
),
long AS (
    UNPIVOT (
        SELECT snapshot_date, endpoint_id, model_id, provider_name,
               COLUMNS('_usd_per_mtok$')
        FROM endpoints_history
    )
    ON COLUMNS('_usd_per_mtok$') INTO NAME component VALUE usd_per_mtok
)
SELECT
    new.model_id,
    new.provider_name,
    new.endpoint_id,
    regexp_replace(new.component, '_usd_per_mtok$', '') AS component,
    old.usd_per_mtok AS old_usd_per_mtok,
    new.usd_per_mtok AS new_usd_per_mtok,
    CASE WHEN old.usd_per_mtok > 0
         THEN round(100 * (new.usd_per_mtok::DOUBLE - old.usd_per_mtok::DOUBLE)
                    / old.usd_per_mtok::DOUBLE, 4)
    END AS pct_change,
    d.from_date,
    d.to_date
FROM dates d
JOIN long new ON new.snapshot_date = d.to_date
JOIN long old ON old.snapshot_date = d.from_date
             AND old.endpoint_id = new.endpoint_id
             AND old.component = new.component
WHERE old.usd_per_mtok IS DISTINCT FROM new.usd_per_mtok;

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
