-- provider_scorecard: how does each provider compare on price, uptime, speed and policy?
-- Grain: one row per provider with at least one usable endpoint (latest snapshot).
-- price_ratio_to_cheapest: the endpoint's blended price over the cheapest blended price of
-- the same model (1.0 = cheapest); the median over the provider's endpoints.
CREATE OR REPLACE VIEW provider_scorecard AS
WITH with_min AS (
    SELECT *, min(blended_usd_per_mtok) OVER (PARTITION BY model_id) AS model_min
    FROM usable_endpoints
)
SELECT
    w.provider_name,
    count(*) AS endpoints,
    count(DISTINCT w.model_id) AS models,
    median(CASE WHEN w.model_min > 0 THEN w.blended_usd_per_mtok / w.model_min END)
        AS median_price_ratio_to_cheapest,
    count(*) FILTER (WHERE w.blended_usd_per_mtok = w.model_min) AS cheapest_for_models,
    median(w.uptime_last_1d) AS median_uptime_last_1d,
    median(w.throughput_p50_tps) AS median_throughput_p50_tps,
    median(w.latency_p50_ms) AS median_latency_p50_ms,
    any_value(p.training) AS trains_on_paid_prompts,
    any_value(p.retains_prompts) AS retains_prompts
FROM with_min w
LEFT JOIN data_policies p ON p.scope = 'provider_paid' AND p.provider_name = w.provider_name
GROUP BY w.provider_name;

-- model_price_spread: how far apart are the providers of one model, and does the v1 list
-- price match any of them?
-- Grain: one row per model_id with at least one usable endpoint (latest snapshot).
CREATE OR REPLACE VIEW model_price_spread AS
SELECT
    u.model_id,
    count(*) AS endpoint_count,
    min(u.blended_usd_per_mtok) AS min_blended_usd_per_mtok,
    median(u.blended_usd_per_mtok) AS median_blended_usd_per_mtok,
    max(u.blended_usd_per_mtok) AS max_blended_usd_per_mtok,
    CASE WHEN min(u.blended_usd_per_mtok) > 0
         THEN max(u.blended_usd_per_mtok) / min(u.blended_usd_per_mtok) END AS max_over_min,
    any_value(blended_usd_per_mtok(m.prompt_usd_per_mtok, m.completion_usd_per_mtok))
        AS v1_blended_usd_per_mtok,
    m.model_id IS NOT NULL AND bool_and(
        abs(u.blended_usd_per_mtok
            - blended_usd_per_mtok(m.prompt_usd_per_mtok, m.completion_usd_per_mtok)) > 1e-9
    ) AS v1_price_matches_no_endpoint
FROM usable_endpoints u
LEFT JOIN models m ON m.model_id = u.model_id AND m.in_v1
GROUP BY u.model_id, m.model_id;
