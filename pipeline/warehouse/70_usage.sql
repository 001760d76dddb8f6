-- Who uses what: usage, market share, prices actually paid and uptime, kept across snapshots.
--
-- Every snapshot stores the whole window the API showed it (31 days of model-activity, 3 days
-- of uptime, 72 hours of hourly uptime). These views keep, for each day (or hour), the latest
-- observation: history grows past the API's window, and the partial newest day of one
-- snapshot is replaced by the complete figure the next snapshot sees.

-- model_usage_daily: daily usage per model variant.
-- Grain: one row per (permaslug, variant, usage_date) — one per (model_id, usage_date) for
-- every model the catalog names. observed_on is the snapshot that gave the row; is_complete
-- is false for the snapshot's own day (still counting when it was observed).
CREATE OR REPLACE VIEW model_usage_daily AS
WITH latest AS (
    SELECT *, snapshot_date AS observed_on
    FROM model_activity_history
    QUALIFY row_number() OVER (
        PARTITION BY permaslug, variant, usage_date ORDER BY snapshot_date DESC) = 1
),
names AS (  -- the newest id the catalog gave each (permaslug, variant)
    SELECT permaslug, variant, arg_max(model_id, snapshot_date) AS model_id
    FROM model_activity_history
    WHERE model_id IS NOT NULL
    GROUP BY ALL
)
SELECT
    coalesce(latest.model_id, names.model_id) AS model_id,
    latest.permaslug,
    latest.variant,
    latest.author,
    latest.usage_date,
    requests,
    prompt_tokens,
    completion_tokens,
    reasoning_tokens,
    cached_tokens,
    tool_calls,
    tool_call_errors,
    media_prompt,
    media_completion,
    audio_prompt,
    video_prompt,
    image_output_requests,
    video_output_seconds,
    rerank_documents,
    stt_transcript_characters,
    prompt_tokens + completion_tokens AS tokens,
    observed_on,
    observed_on > latest.usage_date AS is_complete
FROM latest
LEFT JOIN names USING (permaslug, variant);

-- market_share_daily: each author's share of all tokens (prompt + completion) of a day.
-- Grain: one row per (usage_date, author). Shares of a day sum to 1.
CREATE OR REPLACE VIEW market_share_daily AS
SELECT
    usage_date,
    author,
    sum(tokens) AS tokens,
    sum(tokens) / sum(sum(tokens)) OVER (PARTITION BY usage_date) AS share,
    bool_and(is_complete) AS is_complete
FROM model_usage_daily
GROUP BY usage_date, author;

-- model_share_daily: each model variant's share of all tokens of a day.
-- Grain: one row per (usage_date, permaslug, variant).
CREATE OR REPLACE VIEW model_share_daily AS
SELECT
    usage_date,
    model_id,
    permaslug,
    variant,
    author,
    tokens,
    tokens / sum(tokens) OVER (PARTITION BY usage_date) AS share,
    is_complete
FROM model_usage_daily;

-- model_trends: tokens of the last 7 complete days against the 7 before, with the rank of
-- each window. window_end is the newest complete day; growth is null without earlier traffic;
-- rank_change > 0 means the model climbed.
-- Grain: one row per model variant with traffic in either window.
CREATE OR REPLACE VIEW model_trends AS
WITH anchor AS (
    SELECT max(usage_date) AS window_end FROM model_usage_daily WHERE is_complete
),
windows AS (
    SELECT
        model_id,
        permaslug,
        variant,
        author,
        window_end,
        coalesce(sum(tokens) FILTER (
            WHERE usage_date > window_end - 7 AND usage_date <= window_end), 0) AS tokens_last_7d,
        coalesce(sum(tokens) FILTER (
            WHERE usage_date > window_end - 14 AND usage_date <= window_end - 7), 0)
            AS tokens_prev_7d
    FROM model_usage_daily, anchor
    WHERE usage_date > window_end - 14 AND usage_date <= window_end
    GROUP BY ALL
),
ranked AS (
    SELECT
        *,
        CASE WHEN tokens_last_7d > 0
            THEN rank() OVER (ORDER BY tokens_last_7d DESC) END AS rank_last_7d,
        CASE WHEN tokens_prev_7d > 0
            THEN rank() OVER (ORDER BY tokens_prev_7d DESC) END AS rank_prev_7d
    FROM windows
    WHERE tokens_last_7d > 0 OR tokens_prev_7d > 0
)
SELECT
    *,
    tokens_last_7d - tokens_prev_7d AS tokens_change,
    CASE WHEN tokens_prev_7d > 0 THEN tokens_last_7d / tokens_prev_7d - 1 END AS growth,
    rank_prev_7d - rank_last_7d AS rank_change
FROM ranked;

-- provider_traffic_share: who serves each model's traffic, and what requests paid there,
-- in the newest snapshot. A provider with two endpoints of one model is one row (tokens
-- summed, prices and cache hit rate weighted by tokens).
-- Grain: one row per (model variant, provider_name).
CREATE OR REPLACE VIEW provider_traffic_share AS
SELECT
    model_id,
    permaslug,
    variant,
    provider_name,
    count(*) AS endpoints,
    sum(effective_input_usd_per_mtok * tokens) / nullif(sum(tokens), 0)
        AS effective_input_usd_per_mtok,
    sum(effective_output_usd_per_mtok * tokens) / nullif(sum(tokens), 0)
        AS effective_output_usd_per_mtok,
    sum(cache_hit_rate * tokens) / nullif(sum(tokens), 0) AS cache_hit_rate,
    sum(tokens) AS tokens,
    sum(share) AS share,
    any_value(snapshot_date) AS snapshot_date
FROM provider_effective_pricing
GROUP BY model_id, permaslug, variant, provider_name;

-- effective_vs_list_price: what requests paid at an endpoint (after caching) against the
-- endpoint's own prices the same day: the price after any discount and the list price
-- before it. A ratio below 1 is the saving from caching (and discounts).
-- Grain: one row per endpoint with traffic in the newest snapshot.
CREATE OR REPLACE VIEW effective_vs_list_price AS
SELECT
    p.model_id,
    p.provider_name,
    p.endpoint_id,
    p.tokens,
    p.cache_hit_rate,
    p.effective_input_usd_per_mtok,
    e.prompt_usd_per_mtok,
    e.list_prompt_usd_per_mtok,
    p.effective_input_usd_per_mtok / nullif(e.list_prompt_usd_per_mtok::DOUBLE, 0)
        AS input_effective_to_list,
    p.effective_output_usd_per_mtok,
    e.completion_usd_per_mtok,
    e.list_completion_usd_per_mtok,
    p.effective_output_usd_per_mtok / nullif(e.list_completion_usd_per_mtok::DOUBLE, 0)
        AS output_effective_to_list,
    e.discount,
    p.snapshot_date
FROM provider_effective_pricing AS p
JOIN endpoints_history AS e
    ON e.endpoint_id = p.endpoint_id AND e.snapshot_date = p.snapshot_date;

-- endpoint_names: the model and provider of every endpoint id ever listed, from the newest
-- snapshot that listed it (uptime outlives an endpoint's last appearance in the catalog).
-- Grain: one row per endpoint_id.
CREATE OR REPLACE VIEW endpoint_names AS
SELECT endpoint_id, arg_max(model_id, snapshot_date) AS model_id,
    arg_max(provider_name, snapshot_date) AS provider_name
FROM endpoints_history
GROUP BY endpoint_id;

-- endpoint_uptime_daily: daily uptime per endpoint, the latest observation of each day.
-- model_id and provider_name come from the newest snapshot that listed the endpoint.
-- Grain: one row per (endpoint_id, uptime_date).
CREATE OR REPLACE VIEW endpoint_uptime_daily AS
WITH latest AS (
    SELECT endpoint_id, uptime_date, uptime_pct, snapshot_date AS observed_on
    FROM endpoint_uptime_observations_history
    QUALIFY row_number() OVER (
        PARTITION BY endpoint_id, uptime_date ORDER BY snapshot_date DESC) = 1
)
SELECT
    latest.endpoint_id,
    named.model_id,
    named.provider_name,
    uptime_date,
    uptime_pct,
    observed_on,
    observed_on > uptime_date AS is_complete
FROM latest
LEFT JOIN endpoint_names AS named USING (endpoint_id);

-- endpoint_uptime_hourly: hourly uptime of the busiest endpoints, the latest observation of
-- each hour. Grain: one row per (endpoint_id, uptime_hour).
CREATE OR REPLACE VIEW endpoint_uptime_hourly AS
WITH latest AS (
    SELECT endpoint_id, uptime_hour, uptime_pct, snapshot_date AS observed_on
    FROM endpoint_uptime_hourly_observations_history
    QUALIFY row_number() OVER (
        PARTITION BY endpoint_id, uptime_hour ORDER BY snapshot_date DESC) = 1
)
SELECT latest.endpoint_id, named.model_id, named.provider_name, uptime_hour, uptime_pct,
    observed_on
FROM latest
LEFT JOIN endpoint_names AS named USING (endpoint_id);
