-- cheapest_endpoint_per_model: which provider serves each model cheapest right now?
-- Grain: one row per model_id with at least one usable endpoint (usable_endpoints: healthy
-- and priced per token) in the latest snapshot.
-- Price: blended_usd_per_mtok (3 prompt : 1 completion, USD per million tokens). Ties break
-- on higher uptime (1 day), then higher median throughput, then provider name, then endpoint
-- id, so the answer is deterministic. Models priced per image, second, minute, … are in
-- cheapest_endpoint_per_unit instead. Base prices: a time-of-day window (endpoint_price_windows)
-- is left out; cheapest_by_hour and cheapest_endpoint_at (55_prices_at.sql) apply them.
CREATE OR REPLACE VIEW cheapest_endpoint_per_model AS
WITH ranked AS (
    SELECT
        *,
        row_number() OVER w AS price_rank,
        lead(provider_name) OVER w AS runner_up_provider,
        lead(blended_usd_per_mtok) OVER w AS runner_up_blended_usd_per_mtok,
        count(*) OVER (PARTITION BY model_id) AS endpoint_count,
        median(blended_usd_per_mtok) OVER (PARTITION BY model_id) AS median_blended_usd_per_mtok
    FROM usable_endpoints
    WINDOW w AS (
        PARTITION BY model_id
        ORDER BY blended_usd_per_mtok ASC,
                 uptime_last_1d DESC NULLS LAST,
                 throughput_p50_tps DESC NULLS LAST,
                 provider_name ASC,
                 endpoint_id ASC
    )
)
SELECT
    snapshot_date,
    model_id,
    provider_name,
    provider_tag,
    endpoint_id,
    prompt_usd_per_mtok,
    completion_usd_per_mtok,
    blended_usd_per_mtok,
    -- the context of the price: a temporary promotion is a discount, its list price what
    -- the endpoint costs without it; two regions of one provider differ by provider_tag
    discount,
    list_prompt_usd_per_mtok,
    list_completion_usd_per_mtok,
    blended_usd_per_mtok(list_prompt_usd_per_mtok, list_completion_usd_per_mtok)
        AS list_blended_usd_per_mtok,
    endpoint_count,
    runner_up_provider,
    runner_up_blended_usd_per_mtok,
    median_blended_usd_per_mtok,
    CASE WHEN median_blended_usd_per_mtok > 0
         THEN 100 * (median_blended_usd_per_mtok - blended_usd_per_mtok)
              / median_blended_usd_per_mtok
         ELSE 0 END AS savings_vs_median_pct,
    uptime_last_1d,
    throughput_p50_tps,
    quantization
FROM ranked
WHERE price_rank = 1;
