-- Views over OpenRouter's own datasets (the Data API) and the zero-data-retention list.
-- Attribution travels with the rows: as_of is in every row; cite rankings rows as
-- "Source: OpenRouter (openrouter.ai/rankings), as of {as_of}." (CC BY 4.0).

-- official_token_share_daily: each model's share of the day's tokens, per UTC day.
-- Grain: one row per (date, model_permaslug) of the unsliced daily series; 'other' (every
-- model outside the day's top 50) is a row, so a day's shares sum to 1.
-- Caveat: each provider's tokenizer counts differently (Anthropic's tokens as Anthropic
-- counts them, OpenAI's as OpenAI does), so a share compares token counts, not text.
CREATE OR REPLACE VIEW official_token_share_daily AS
SELECT
    "date",
    model_permaslug,
    model_id,
    total_tokens,
    total_tokens / sum(total_tokens) OVER (PARTITION BY "date") AS token_share,
    is_other,
    as_of
FROM official_rankings_daily
WHERE period IS NULL AND modality IS NULL AND context_bucket IS NULL
  AND category IS NULL AND language_type IS NULL;

-- official_model_trends: how each model's share moved over 7 and 30 days.
-- Grain: one row per (date, model_permaslug) of official_token_share_daily. share_7d_ago is
-- the model's share 7 days earlier (null when it was not in that day's top 50 or the day is
-- not stored); change_7d = token_share - share_7d_ago, in share points (fractions); the same
-- for 30 days.
CREATE OR REPLACE VIEW official_model_trends AS
SELECT
    s."date",
    s.model_permaslug,
    s.model_id,
    s.token_share,
    w.token_share AS share_7d_ago,
    s.token_share - w.token_share AS change_7d,
    m.token_share AS share_30d_ago,
    s.token_share - m.token_share AS change_30d
FROM official_token_share_daily s
LEFT JOIN official_token_share_daily w
    ON w.model_permaslug = s.model_permaslug AND w."date" = s."date" - INTERVAL 7 DAY
LEFT JOIN official_token_share_daily m
    ON m.model_permaslug = s.model_permaslug AND m."date" = s."date" - INTERVAL 30 DAY;

-- task_leaders: per task tag, its top models and their shares (the latest snapshot).
-- Grain: one row per (tag, model_permaslug). tag_token_share is the model's share of the
-- tag's tokens; share_of_classified_tokens = the tag's token_share × tag_token_share, the
-- model's share of all classified tokens through that tag.
CREATE OR REPLACE VIEW task_leaders AS
SELECT
    c.tag,
    c.display_name,
    c.macro_category,
    c.token_share AS tag_token_share_of_all,
    m.rank,
    m.model_permaslug,
    m.model_id,
    m.tag_token_share,
    m.tag_usage_share,
    c.token_share * m.tag_token_share AS share_of_classified_tokens,
    c.as_of
FROM task_classifications c
JOIN task_top_models m USING (tag)
ORDER BY c.token_share DESC, c.tag, m.rank;

-- cost_per_task_frontier: per benchmark, accuracy against the average cost of a task.
-- Grain: one row per benchmark_runs row with both figures (the latest snapshot).
-- on_frontier: no other run of the same benchmark is at least as accurate for at most the
-- same cost, and better in one of the two. The cost of doing the task is a better price axis
-- than a blended token price: it counts the tokens a model spends, reasoning included.
CREATE OR REPLACE VIEW cost_per_task_frontier AS
SELECT
    r.benchmark_type,
    r.model_permaslug,
    r.model_id,
    r.display_name,
    r.run_config,
    r.accuracy,
    r.accuracy_stddev,
    r.avg_cost_per_task,
    r.total_tasks,
    NOT EXISTS (
        SELECT 1 FROM benchmark_runs o
        WHERE o.benchmark_type = r.benchmark_type
          AND o.accuracy IS NOT NULL AND o.avg_cost_per_task IS NOT NULL
          AND o.accuracy >= r.accuracy AND o.avg_cost_per_task <= r.avg_cost_per_task
          AND (o.accuracy > r.accuracy OR o.avg_cost_per_task < r.avg_cost_per_task)
    ) AS on_frontier,
    r.as_of
FROM benchmark_runs r
WHERE r.accuracy IS NOT NULL AND r.avg_cost_per_task IS NOT NULL;

-- zdr_cheapest_endpoint_per_model: the cheapest usable endpoint that keeps no data.
-- Grain: one row per model_id with at least one usable endpoint that /endpoints/zdr lists
-- (is_zero_data_retention) in the latest snapshot. The same price and tie rules as
-- cheapest_endpoint_per_model; premium_vs_cheapest_usd_per_mtok is what zero retention costs
-- over the model's cheapest usable endpoint of any policy.
CREATE OR REPLACE VIEW zdr_cheapest_endpoint_per_model AS
WITH ranked AS (
    SELECT
        *,
        row_number() OVER (
            PARTITION BY model_id
            ORDER BY blended_usd_per_mtok ASC,
                     uptime_last_1d DESC NULLS LAST,
                     throughput_p50_tps DESC NULLS LAST,
                     provider_name ASC,
                     endpoint_id ASC
        ) AS price_rank,
        count(*) OVER (PARTITION BY model_id) AS zdr_endpoint_count
    FROM usable_endpoints
    WHERE is_zero_data_retention
)
SELECT
    r.snapshot_date,
    r.model_id,
    r.provider_name,
    r.provider_tag,
    r.endpoint_id,
    r.prompt_usd_per_mtok,
    r.completion_usd_per_mtok,
    r.blended_usd_per_mtok,
    r.zdr_endpoint_count,
    c.blended_usd_per_mtok AS cheapest_any_blended_usd_per_mtok,
    r.blended_usd_per_mtok - c.blended_usd_per_mtok AS premium_vs_cheapest_usd_per_mtok
FROM ranked r
LEFT JOIN cheapest_endpoint_per_model c USING (model_id)
WHERE r.price_rank = 1;
