-- The largest price moves of endpoints into $d, by size of the relative change (a price
-- from or to 0 has no percentage and comes last). Grain: (endpoint, component); the tag
-- tells two endpoints of one provider apart.
SELECT model_id, provider_name, provider_tag, component, old_usd_per_mtok, new_usd_per_mtok, pct_change
FROM price_changes
WHERE to_date = $d AND change = 'price'
ORDER BY abs(pct_change) DESC NULLS LAST, model_id, provider_name, provider_tag, component;
