-- cheapest_endpoint(prompt_tokens, completion_tokens): which endpoint serves one request of
-- this size cheapest, per model? request_usd is the cost of that one request: every token at
-- the price of the context tier the prompt falls in (endpoint_variable_pricings, applied with
-- tier_applies to prompt, completion, cache read and cache write prices alike), plus the
-- per-request fee. Base prices: time-of-day windows are left out (cheapest_endpoint_at,
-- 55_prices_at.sql, answers at a moment).
-- Grain: one row per model_id with a usable endpoint (usable_endpoints, latest snapshot) that
-- can take the request: context_length ≥ prompt + completion tokens, max_prompt_tokens ≥
-- prompt tokens, max_completion_tokens ≥ completion tokens (null = no limit). Same tie-break
-- as cheapest_endpoint_per_model.
-- Optional, by name:
--   min_quantization := 'fp8' (or 'int4', 'fp4', 'int8', 'fp16', 'bf16', 'fp32') keeps only
--     endpoints whose weights are at least that precise, by bits per weight; an endpoint whose
--     quantization is unknown is then left out, since nothing says it qualifies;
--   cache_read_tokens := N, cache_write_tokens := N: how many of the prompt tokens are read
--     from / written to the prompt cache, at the cache prices (an endpoint without a cache
--     price charges them as prompt tokens).
CREATE OR REPLACE MACRO quantization_bits(q) AS
    CASE lower(q)
        WHEN 'fp32' THEN 32 WHEN 'bf16' THEN 16 WHEN 'fp16' THEN 16
        WHEN 'fp8' THEN 8 WHEN 'int8' THEN 8 WHEN 'fp6' THEN 6
        WHEN 'fp4' THEN 4 WHEN 'int4' THEN 4
    END;

-- cheapest_endpoint_priced(snapshot, …, at_time := ts): the rule itself, on one snapshot date of
-- the history, at base prices (at_time NULL) or at the moment at_time, where the time-of-day
-- windows open then (endpoint_windows_at, 45_price_windows.sql) set the prices they name.
-- A window and a context tier on one endpoint: the window's price wins where both set a
-- component (no endpoint of the recorded data has both). cheapest_endpoint_on is it at base
-- prices; cheapest_endpoint at base prices on the newest snapshot, cheapest_endpoint_as_of
-- (80_history.sql) on the snapshot a date falls on, cheapest_endpoint_at at a moment.
CREATE OR REPLACE MACRO cheapest_endpoint_priced(
    snapshot, prompt_tokens, completion_tokens, min_quantization := NULL,
    cache_read_tokens := 0, cache_write_tokens := 0, at_time := NULL
) AS TABLE
-- the snapshot resolved once (MATERIALIZED): with the date given as a subquery, DuckDB 2.0
-- otherwise dropped tiers that exist on that date only (tests/test_history.py)
WITH pick AS MATERIALIZED (SELECT CAST(snapshot AS DATE) AS s),
candidates AS (
    SELECT * FROM usable_endpoints_history
    WHERE snapshot_date = (SELECT s FROM pick)
      AND (min_quantization IS NULL
           OR quantization_bits(quantization) >= quantization_bits(min_quantization))
      AND (context_length IS NULL OR context_length >= prompt_tokens + completion_tokens)
      AND (max_prompt_tokens IS NULL OR max_prompt_tokens >= prompt_tokens)
      AND (max_completion_tokens IS NULL OR max_completion_tokens >= completion_tokens)
),
tier AS (
    SELECT *,
        row_number() OVER (PARTITION BY endpoint_id, snapshot_date ORDER BY min_prompt_tokens DESC)
            AS k
    FROM endpoint_variable_pricings_history
    WHERE snapshot_date = (SELECT s FROM pick) AND tier_applies(prompt_tokens, min_prompt_tokens)
),
win AS (
    SELECT * FROM endpoint_windows_at((SELECT s FROM pick), at_time, prompt_tokens)
),
priced AS (
    SELECT
        c.*,
        coalesce(w.w_prompt, t.prompt_usd_per_token, c.prompt_usd_per_token)
            AS p_prompt,
        coalesce(w.w_completion, t.completion_usd_per_token, c.completion_usd_per_token)
            AS p_completion,
        coalesce(w.w_input_cache_read, t.input_cache_read_usd_per_token,
                 c.input_cache_read_usd_per_token) AS p_cache_read,
        coalesce(w.w_input_cache_write, t.input_cache_write_usd_per_token,
                 c.input_cache_write_usd_per_token) AS p_cache_write,
        t.endpoint_id IS NOT NULL AS tier_applied,
        t.min_prompt_tokens AS tier_min_prompt_tokens,
        w.endpoint_id IS NOT NULL AS window_applied,
        w.window_utc_start,
        w.window_utc_end
    FROM candidates c
    LEFT JOIN tier t ON t.endpoint_id = c.endpoint_id AND t.k = 1
    LEFT JOIN win w ON w.endpoint_id = c.endpoint_id
),
costed AS (
    SELECT
        *,
        -- exact: token counts times decimal prices, at a fixed scale
        (
            (prompt_tokens - cache_read_tokens - cache_write_tokens) * p_prompt
            + cache_read_tokens * CASE WHEN p_cache_read > 0 THEN p_cache_read ELSE p_prompt END
            + cache_write_tokens * CASE WHEN p_cache_write > 0 THEN p_cache_write ELSE p_prompt END
            + completion_tokens * p_completion
            + coalesce(request_usd_per_token, 0)
        )::DECIMAL(38, 18) AS request_usd
    FROM priced
),
ranked AS (
    SELECT
        *,
        row_number() OVER w AS r,
        count(*) OVER (PARTITION BY model_id) AS endpoint_count,
        lead(provider_name) OVER w AS runner_up_provider,
        lead(request_usd) OVER w AS runner_up_request_usd
    FROM costed
    WINDOW w AS (
        PARTITION BY model_id
        ORDER BY request_usd, uptime_last_1d DESC NULLS LAST,
                 throughput_p50_tps DESC NULLS LAST, provider_name, endpoint_id
    )
)
SELECT model_id, provider_name, provider_tag, endpoint_id, request_usd, discount,
       -- the same request at the list prices (before the discount), for comparison
       CASE WHEN coalesce(discount, 0) > 0 AND discount < 1
            THEN request_usd / (1 - discount) ELSE request_usd END AS list_request_usd,
       tier_applied, tier_min_prompt_tokens, endpoint_count, runner_up_provider,
       runner_up_request_usd, quantization, context_length, snapshot_date,
       window_applied, window_utc_start, window_utc_end
FROM ranked WHERE r = 1;

CREATE OR REPLACE MACRO cheapest_endpoint_on(
    snapshot, prompt_tokens, completion_tokens, min_quantization := NULL,
    cache_read_tokens := 0, cache_write_tokens := 0
) AS TABLE
SELECT * EXCLUDE (window_applied, window_utc_start, window_utc_end)
FROM cheapest_endpoint_priced(
    snapshot, prompt_tokens, completion_tokens, min_quantization := min_quantization,
    cache_read_tokens := cache_read_tokens, cache_write_tokens := cache_write_tokens
);

CREATE OR REPLACE MACRO cheapest_endpoint(
    prompt_tokens, completion_tokens, min_quantization := NULL,
    cache_read_tokens := 0, cache_write_tokens := 0
) AS TABLE
SELECT * EXCLUDE (snapshot_date) FROM cheapest_endpoint_on(
    (SELECT max(snapshot_date) FROM endpoints_history), prompt_tokens, completion_tokens,
    min_quantization := min_quantization, cache_read_tokens := cache_read_tokens,
    cache_write_tokens := cache_write_tokens
);
