-- The headline figures of the latest snapshot: one row. "models" alone would mislead: the
-- frontend catalog lists hundreds of rows (hidden, deprecated, without any endpoint) that
-- nobody can call, so the models are counted three ways.
SELECT
    (SELECT max(snapshot_date) FROM endpoints) AS snapshot_date,
    -- at least one endpoint the router would use (not disabled, hidden, deranked or failing)
    (SELECT count(DISTINCT model_id) FROM healthy_endpoints) AS models_on_offer,
    -- listed by the documented API, /api/v1/models
    (SELECT count(*) FROM models WHERE in_v1) AS models_listed,
    -- only in the frontend catalog: hidden, deprecated, or without endpoints
    (SELECT count(*) FROM models WHERE NOT coalesce(in_v1, false)) AS models_catalog_only,
    (SELECT count(*) FROM endpoints) AS endpoints,
    (SELECT count(DISTINCT provider_name) FROM endpoints) AS providers,
    (SELECT count(DISTINCT snapshot_date) FROM endpoints_history) AS snapshots
