-- Price spread per model: the cheapest, median and dearest blended (3:1) price across its
-- usable endpoints. One row per model, the 25 models with the most endpoints.
SELECT
    model_id,
    endpoint_count,
    min_blended_usd_per_mtok::DOUBLE AS min_usd,
    median_blended_usd_per_mtok::DOUBLE AS median_usd,
    max_blended_usd_per_mtok::DOUBLE AS max_usd
FROM model_price_spread
WHERE endpoint_count >= 2
ORDER BY endpoint_count DESC, model_id
LIMIT 25
