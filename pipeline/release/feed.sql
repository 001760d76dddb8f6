-- The change feed of a release: one row per change worth an alert, by the snapshot date it
-- was seen (to_date). $min_pct is the feed's price threshold (percent, either way).
--   kind: model_appeared / model_disappeared (catalog_changes; a new ':free' model is a
--     new_free_variant), policy_changed (policy_changes), endpoint_paid_to_free /
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
SELECT changed_on, 'policy_changed', model_id, provider_name, endpoint_id, scope, NULL,
       'training ' || coalesce(training_before::VARCHAR, '?') || ' → '
       || coalesce(training::VARCHAR, '?') || ', retains prompts '
       || coalesce(retains_prompts_before::VARCHAR, '?') || ' → '
       || coalesce(retains_prompts::VARCHAR, '?')
FROM policy_changes
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
