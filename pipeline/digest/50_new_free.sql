-- What became free on $d: new ':free' variants, and endpoints that went from paid to free.
-- Grain: one row per model (new variant) or endpoint.
SELECT model_id, NULL AS provider_name, NULL AS provider_tag, 'new free variant' AS what
FROM model_price_events_history
WHERE snapshot_date = $d AND event = 'listed' AND model_id LIKE '%:free'
  AND EXISTS (SELECT 1 FROM models_snapshot_dates WHERE snapshot_date < $d)
UNION ALL
SELECT model_id, provider_name, provider_tag, 'endpoint went free' AS what
FROM catalog_changes
WHERE to_date = $d AND change = 'endpoint_paid_to_free'
ORDER BY what, model_id, provider_name, provider_tag;
