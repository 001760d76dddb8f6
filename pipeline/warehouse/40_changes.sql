-- price_changes: what changed in price, endpoint by endpoint, from one snapshot to the next?
-- Grain: one row per (endpoint, price component, pair of consecutive snapshot dates) whose
-- price differs (a price becoming or ceasing to be variable counts as a change).
CREATE OR REPLACE VIEW price_changes AS
WITH dates AS (
    SELECT snapshot_date AS to_date,
           lag(snapshot_date) OVER (ORDER BY snapshot_date) AS from_date
    FROM (SELECT DISTINCT snapshot_date FROM endpoints_history)
),
-- every price of an endpoint as one struct, next to the same struct one snapshot earlier:
-- one window pass over the wide table, then only the rows that changed are unpivoted
wide AS (
    SELECT endpoint_id, model_id, provider_name, snapshot_date,
           lag(snapshot_date) OVER w AS prev_date,
           struct_pack(*COLUMNS('_usd_per_mtok$')) AS p,
           lag(struct_pack(*COLUMNS('_usd_per_mtok$'))) OVER w AS prev_p
    FROM endpoints_history
    WINDOW w AS (PARTITION BY endpoint_id ORDER BY snapshot_date)
),
changed AS (
    SELECT wide.*, d.from_date, d.to_date
    FROM wide JOIN dates d ON d.to_date = wide.snapshot_date AND d.from_date = wide.prev_date
    WHERE wide.p IS DISTINCT FROM wide.prev_p
),
new_wide AS (SELECT endpoint_id, to_date, unnest(p) FROM changed),
old_wide AS (SELECT endpoint_id, to_date, unnest(prev_p) FROM changed),
-- UNPIVOT drops nulls: a price that became (or stopped being) variable has a row on one
-- side only, which the full join below still reports as a change
new_long AS (
    UNPIVOT new_wide ON COLUMNS('_usd_per_mtok$') INTO NAME component VALUE usd_per_mtok
),
old_long AS (
    UNPIVOT old_wide ON COLUMNS('_usd_per_mtok$') INTO NAME component VALUE usd_per_mtok
),
both_sides AS (
    SELECT coalesce(n.endpoint_id, o.endpoint_id) AS endpoint_id,
           coalesce(n.to_date, o.to_date) AS to_date,
           coalesce(n.component, o.component) AS component,
           o.usd_per_mtok AS old_usd_per_mtok,
           n.usd_per_mtok AS new_usd_per_mtok
    FROM new_long n
    FULL JOIN old_long o
      ON o.endpoint_id = n.endpoint_id AND o.to_date = n.to_date AND o.component = n.component
)
SELECT
    c.model_id,
    c.provider_name,
    c.endpoint_id,
    regexp_replace(b.component, '_usd_per_mtok$', '') AS component,
    b.old_usd_per_mtok,
    b.new_usd_per_mtok,
    CASE WHEN b.old_usd_per_mtok > 0
         THEN round(100 * (b.new_usd_per_mtok::DOUBLE - b.old_usd_per_mtok::DOUBLE)
                    / b.old_usd_per_mtok::DOUBLE, 4)
    END AS pct_change,
    c.from_date,
    c.to_date
FROM changed c
JOIN both_sides b ON b.endpoint_id = c.endpoint_id AND b.to_date = c.to_date
WHERE b.old_usd_per_mtok IS DISTINCT FROM b.new_usd_per_mtok;

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
