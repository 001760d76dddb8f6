-- What requests paid against the list price, per endpoint: the 60 endpoints that served the
-- most tokens in the newest snapshot, prompt prices (USD per million tokens) both above 0.
SELECT
    model_id,
    provider_name,
    list_prompt_usd_per_mtok,
    effective_input_usd_per_mtok,
    cache_hit_rate,
    tokens::DOUBLE AS tokens
FROM effective_vs_list_price
WHERE list_prompt_usd_per_mtok > 0 AND effective_input_usd_per_mtok > 0
ORDER BY tokens DESC
LIMIT 60
