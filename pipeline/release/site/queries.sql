-- What the release's pages show, asked of the views load.sql makes over the release's own
-- Parquet files (one query per kind of row, for every page at once: a year's release has
-- hundreds of pages, and a query per page would cost seconds each). Each query is named by
-- the line above it; the newest date is the newest snapshot_date of its table.

-- name: models
-- Grain: one row per model of the newest date (the index, and each model page's heading).
WITH share AS (
    SELECT model_id, token_share, "date"
    FROM official_token_share_daily
    WHERE "date" = (SELECT max("date") FROM official_token_share_daily) AND NOT is_other
),
flags AS (
    SELECT e.model_id,
           count(*) AS endpoints,
           count(*) FILTER (WHERE p.training) AS training_endpoints,
           count(*) FILTER (WHERE p.retains_prompts) AS retaining_endpoints
    FROM endpoints e
    LEFT JOIN data_policies p ON p.scope = 'endpoint' AND p.endpoint_id = e.endpoint_id
    GROUP BY e.model_id
)
SELECT
    m.model_id,
    m.name,
    m.author,
    m.slug,
    m.variant,
    m.description,
    m.context_length,
    array_to_string(m.input_modalities, ', ') AS input_modalities,
    array_to_string(m.output_modalities, ', ') AS output_modalities,
    c.blended_usd_per_mtok AS cheapest_blended_usd_per_mtok,
    c.provider_name AS cheapest_provider,
    c.endpoint_id AS cheapest_endpoint_id,
    (SELECT list(f.model_id ORDER BY f.model_id) FROM models f
     WHERE f.slug = m.slug AND f.variant = 'free' AND f.model_id <> m.model_id) AS free_variants,
    coalesce(g.endpoints, 0) AS endpoints,
    coalesce(g.training_endpoints, 0) AS training_endpoints,
    coalesce(g.retaining_endpoints, 0) AS retaining_endpoints,
    s.token_share,
    s."date" AS token_share_date,
    m.snapshot_date
FROM models m
LEFT JOIN cheapest_endpoint_per_model c USING (model_id)
LEFT JOIN flags g USING (model_id)
LEFT JOIN share s USING (model_id)
-- the most used first (official share), then the most served: what a reader looks for
ORDER BY s.token_share DESC NULLS LAST, g.endpoints DESC NULLS LAST, m.model_id;

-- name: endpoints
-- Grain: one row per endpoint of the newest date, with its data policy.
SELECT
    e.model_id,
    e.endpoint_id,
    e.provider_name,
    -- the provider's page: an endpoint's own slug may name a region or a tier
    -- (amazon-bedrock/us); its provider is the one of its name
    (SELECT min(v.slug) FROM providers v WHERE v.provider_name = e.provider_name)
        AS provider_page,
    e.provider_tag,
    e.quantization,
    e.context_length,
    e.latency_p50_ms,
    e.throughput_p50_tps,
    e.uptime_last_1d,
    e.status,
    e.is_free,
    e.discount,
    blended_usd_per_mtok(e.prompt_usd_per_mtok, e.completion_usd_per_mtok) AS blended_usd_per_mtok,
    p.training,
    p.retains_prompts,
    p.retention_days,
    p.data_policy_url
FROM endpoints e
LEFT JOIN data_policies p ON p.scope = 'endpoint' AND p.endpoint_id = e.endpoint_id
ORDER BY e.model_id, blended_usd_per_mtok, e.provider_name, e.endpoint_id;

-- name: price_items
-- Grain: one row per price of an endpoint of the newest date, each in its own unit.
SELECT endpoint_id, item, kind, unit, tier_label, service_tier, usd_per_unit, list_usd_per_unit
FROM endpoint_price_items
ORDER BY endpoint_id, service_tier NULLS FIRST, kind, item, tier_label NULLS FIRST;

-- name: price_history
-- Grain: one row per interval of endpoint_price_history over the release's whole span.
SELECT
    endpoint_id,
    model_id,
    provider_name,
    prompt_usd_per_mtok,
    completion_usd_per_mtok,
    blended_usd_per_mtok(prompt_usd_per_mtok, completion_usd_per_mtok) AS blended_usd_per_mtok,
    request_usd_per_mtok,
    image_usd_per_mtok,
    valid_from,
    valid_to,
    last_seen
FROM endpoint_price_history
ORDER BY endpoint_id, valid_from;

-- name: windows
-- Grain: one row per time-of-day window of an endpoint of the newest date.
SELECT endpoint_id, utc_start, utc_end, array_to_string(utc_days, ', ') AS utc_days,
       min_prompt_tokens, prompt_usd_per_mtok, completion_usd_per_mtok
FROM endpoint_price_windows
ORDER BY endpoint_id, override_index;

-- name: token_share
-- Grain: one row per (day, model) of OpenRouter's official daily token share.
SELECT model_id, "date", token_share, as_of
FROM official_token_share_daily
WHERE model_id IS NOT NULL AND NOT is_other
ORDER BY model_id, "date";

-- name: benchmarks
-- Grain: one row per benchmark figure of a model of the newest date (the catalog's, then
-- the Data API's runs, which carry their own citation).
SELECT model_id, source, coalesce(arena || ' / ', '') || coalesce(category, '') AS scope,
       metric, value, reported_by AS via, NULL AS citation, NULL AS as_of
FROM model_benchmarks
UNION ALL
SELECT model_id, benchmark_type, run_config, primary_metric, accuracy, 'Data API', citation,
       as_of
FROM benchmark_runs
WHERE model_id IS NOT NULL
ORDER BY model_id, source, scope, metric;

-- name: providers
-- Grain: one row per provider of the newest date, with its paid-traffic data policy.
SELECT
    v.slug AS provider_slug,
    v.provider_name,
    v.display_name,
    v.headquarters,
    v.privacy_policy_url,
    v.terms_of_service_url,
    v.status_page_url,
    p.training,
    p.retains_prompts,
    p.retention_days,
    p.data_policy_url
FROM providers v
LEFT JOIN data_policies p ON p.scope = 'provider_paid' AND p.provider_slug = v.slug
ORDER BY v.slug;
