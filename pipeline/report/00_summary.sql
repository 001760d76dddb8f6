-- The headline figures of the latest snapshot: one row.
SELECT
    (SELECT max(snapshot_date) FROM endpoints) AS snapshot_date,
    (SELECT count(*) FROM models) AS models,
    (SELECT count(*) FROM endpoints) AS endpoints,
    (SELECT count(DISTINCT provider_name) FROM endpoints) AS providers,
    (SELECT count(DISTINCT snapshot_date) FROM endpoints_history) AS snapshots
