-- Price against intelligence: every model of price_performance with an Artificial Analysis
-- intelligence index and a usable endpoint, its cheapest blended price, and whether it is on
-- the frontier (no other model both cheaper and higher on the index).
SELECT model_id, index_value, blended_usd_per_mtok, on_frontier, provider_name
FROM price_performance
WHERE index_name = 'intelligence_index'
ORDER BY index_value, blended_usd_per_mtok, model_id
