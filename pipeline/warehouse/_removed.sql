-- {{removed}}: what disappeared from {{base}}, rendered by build.py like _history.sql.
-- Grain: one row per ({{key}}, removed_on): a key removed twice has two rows.
--   last_seen: the last snapshot that had it, with its prices then (the last interval);
--   first_seen, days_listed, snapshots_listed: over every interval before the removal;
--   came_back / back_on: listed again in a later snapshot, and when.
CREATE OR REPLACE VIEW {{removed}} AS
WITH removals AS (
    SELECT {{key}}, snapshot_date AS removed_on
    FROM {{events}}_history WHERE event = 'removed'
),
before AS (
    SELECT r.{{key}}, r.removed_on, min(h.valid_from) AS first_seen,
           sum(h.days) AS days_listed, sum(h.snapshots) AS snapshots_listed
    FROM removals r JOIN {{view}} h ON h.{{key}} = r.{{key}} AND h.valid_to <= r.removed_on
    GROUP BY ALL
),
back AS (
    SELECT r.{{key}}, r.removed_on, min(e.snapshot_date) AS back_on
    FROM removals r JOIN {{events}}_history e
      ON e.{{key}} = r.{{key}} AND e.event = 'listed' AND e.snapshot_date > r.removed_on
    GROUP BY ALL
)
SELECT
    last.* EXCLUDE (valid_from, valid_to, days, snapshots),
    r.removed_on,
    b.first_seen,
    b.days_listed,
    b.snapshots_listed,
    k.back_on IS NOT NULL AS came_back,
    k.back_on
FROM removals r
JOIN {{view}} last ON last.{{key}} = r.{{key}} AND last.valid_to = r.removed_on
JOIN before b ON b.{{key}} = r.{{key}} AND b.removed_on = r.removed_on
LEFT JOIN back k ON k.{{key}} = r.{{key}} AND k.removed_on = r.removed_on;
