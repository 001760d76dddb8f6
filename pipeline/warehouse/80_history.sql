-- History questions beyond the intervals (endpoint_price_history, model_price_history,
-- policy_history), the as-of macros (endpoints_as_of, models_as_of, policies_as_of) and
-- removed_models / removed_endpoints, which _history.sql and _removed.sql render per history.
--
-- cheapest_endpoint_as_of(d, prompt_tokens, completion_tokens): cheapest_endpoint as it
-- stood on date d: on the newest snapshot of endpoints on or before d, the one
-- endpoints_as_of(d) answers from (snapshot_date says which). Prices are those of the
-- intervals then (tests/history_checks.py checks the two agree day by day); health, limits
-- and tiers are that snapshot's. Same optional arguments as cheapest_endpoint.
-- Grain: one row per model_id with a usable endpoint that can take the request.
CREATE OR REPLACE MACRO cheapest_endpoint_as_of(
    d, prompt_tokens, completion_tokens, min_quantization := NULL,
    cache_read_tokens := 0, cache_write_tokens := 0
) AS TABLE
SELECT * FROM cheapest_endpoint_on(
    (SELECT max(snapshot_date) FROM endpoints_snapshot_dates
     WHERE snapshot_date <= CAST(d AS DATE)),
    prompt_tokens, completion_tokens,
    min_quantization := min_quantization, cache_read_tokens := cache_read_tokens,
    cache_write_tokens := cache_write_tokens
);
