-- The latest price changes: every price component of an endpoint that changed between the
-- two newest snapshots (base prices; time-of-day windows are in the digest). One row per
-- (endpoint, component), biggest changes first.
SELECT
    model_id,
    provider_name,
    component,
    old_usd_per_mtok::DOUBLE AS old_usd_per_mtok,
    new_usd_per_mtok::DOUBLE AS new_usd_per_mtok,
    pct_change::DOUBLE AS pct_change,
    from_date,
    to_date
FROM price_changes
WHERE to_date = (SELECT max(snapshot_date) FROM endpoints_history) AND change = 'price'
ORDER BY abs(pct_change) DESC NULLS LAST, model_id, provider_name, component
