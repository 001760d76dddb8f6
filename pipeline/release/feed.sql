-- The change feed of a release: one row per change worth an alert, by the snapshot date it
-- was seen (to_date). $min_pct is the feed's price threshold (percent, either way).
--   kind: model_appeared / model_disappeared (catalog_changes; a new ':free' model is a
--     new_free_variant), policy_changed (policy_history), endpoint_paid_to_free /
--     endpoint_free_to_paid, price (a base price moved by at least $min_pct), window
--     appeared / changed / ended (price_changes), provider_dropped (a provider's endpoint of a
--     model went away: catalog_changes endpoint_disappeared).
-- Grain: one row per (to_date, kind, model_id, provider_name, endpoint_id, component).
SELECT to_date,
       CASE WHEN change = 'model_appeared' AND model_id LIKE '%:free' THEN 'new_free_variant'
            ELSE change END AS kind,
       model_id, provider_name, endpoint_id,
       CAST(NULL AS VARCHAR) AS component, CAST(NULL AS DOUBLE) AS pct_change,
       CAST(NULL AS VARCHAR) AS detail
FROM catalog_changes
WHERE change IN ('model_appeared', 'model_disappeared', 'endpoint_paid_to_free',
                 'endpoint_free_to_paid')
UNION ALL
-- a data policy whose training, prompt retention or retention days changed: the interval
-- that starts on the day against the one that ended there (as the digest's 40_policy_changes)
SELECT n.valid_from, 'policy_changed', n.model_id, n.provider_name, n.endpoint_id, n.scope,
       NULL,
       'training ' || coalesce(p.training::VARCHAR, '?') || ' → ' || coalesce(n.training::VARCHAR, '?')
       || ', retains prompts ' || coalesce(p.retains_prompts::VARCHAR, '?') || ' → '
       || coalesce(n.retains_prompts::VARCHAR, '?')
FROM policy_history n
JOIN policy_history p
  ON p.scope = n.scope
 AND p.provider_name IS NOT DISTINCT FROM n.provider_name
 AND p.endpoint_id IS NOT DISTINCT FROM n.endpoint_id
 AND p.model_id IS NOT DISTINCT FROM n.model_id
 AND p.valid_to = n.valid_from
WHERE (p.training, p.retains_prompts, p.retention_days)
      IS DISTINCT FROM (n.training, n.retains_prompts, n.retention_days)
UNION ALL
SELECT to_date, 'provider_dropped', model_id, provider_name, endpoint_id, NULL, NULL, NULL
FROM catalog_changes
WHERE change = 'endpoint_disappeared'
UNION ALL
SELECT to_date, 'price', model_id, provider_name, endpoint_id, component,
       round(pct_change, 2)::DOUBLE,
       old_usd_per_mtok::VARCHAR || ' → ' || new_usd_per_mtok::VARCHAR || ' USD/Mtok'
FROM price_changes
WHERE change = 'price' AND abs(pct_change) >= $min_pct
UNION ALL
SELECT to_date, change, model_id, provider_name, endpoint_id, component, NULL,
       coalesce(old_windows, '-') || ' → ' || coalesce(new_windows, '-')
FROM price_changes
WHERE change LIKE 'window %'
ORDER BY ALL
