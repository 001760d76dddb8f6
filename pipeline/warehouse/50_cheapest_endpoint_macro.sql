-- cheapest_endpoint(prompt_tokens, completion_tokens): which endpoint serves one request of
-- this size cheapest, per model? request_usd counts the prompt and completion tokens at the
-- price tier the prompt size falls in (endpoint_variable_pricings), plus the per-request fee.
-- Grain: one row per model_id with a usable endpoint (latest snapshot); same tie-break as
-- cheapest_endpoint_per_model.
-- Optional min_quantization := 'fp8' (or 'int4', 'fp4', 'int8', 'fp16', 'bf16', 'fp32') keeps
-- only endpoints whose weights are at least that precise, by bits per weight; an endpoint
-- whose quantization is unknown is then left out, since nothing says it qualifies.
CREATE OR REPLACE MACRO quantization_bits(q) AS
    CASE lower(q)
        WHEN 'fp32' THEN 32 WHEN 'bf16' THEN 16 WHEN 'fp16' THEN 16
        WHEN 'fp8' THEN 8 WHEN 'int8' THEN 8 WHEN 'fp6' THEN 6
        WHEN 'fp4' THEN 4 WHEN 'int4' THEN 4
    END;

CREATE OR REPLACE MACRO cheapest_endpoint(
    prompt_tokens, completion_tokens, min_quantization := NULL
) AS TABLE
WITH usable AS (
    SELECT * FROM endpoints
    WHERE NOT coalesce(is_disabled, false) AND NOT coalesce(is_hidden, false)
      AND prompt_usd_per_token IS NOT NULL AND completion_usd_per_token IS NOT NULL
      AND (min_quantization IS NULL
           OR quantization_bits(quantization) >= quantization_bits(min_quantization))
),
tier AS (
    SELECT endpoint_id, prompt_usd_per_token, completion_usd_per_token,
           row_number() OVER (PARTITION BY endpoint_id ORDER BY min_prompt_tokens DESC) AS k
    FROM endpoint_variable_pricings
    WHERE min_prompt_tokens <= prompt_tokens
),
priced AS (
    SELECT u.*,
           coalesce(t.prompt_usd_per_token, u.prompt_usd_per_token)::DOUBLE * prompt_tokens
         + coalesce(t.completion_usd_per_token, u.completion_usd_per_token)::DOUBLE
           * completion_tokens
         + coalesce(u.request_usd_per_token, 0)::DOUBLE AS request_usd,
           t.endpoint_id IS NOT NULL AS tier_applied
    FROM usable u LEFT JOIN tier t ON t.endpoint_id = u.endpoint_id AND t.k = 1
),
ranked AS (
    SELECT *,
           row_number() OVER (
               PARTITION BY model_id
               ORDER BY request_usd, uptime_last_1d DESC NULLS LAST,
                        throughput_p50_tps DESC NULLS LAST, provider_name, endpoint_id
           ) AS r,
           count(*) OVER (PARTITION BY model_id) AS endpoint_count,
           lead(provider_name) OVER (
               PARTITION BY model_id
               ORDER BY request_usd, uptime_last_1d DESC NULLS LAST,
                        throughput_p50_tps DESC NULLS LAST, provider_name, endpoint_id
           ) AS runner_up_provider
    FROM priced
    WHERE context_length IS NULL OR context_length >= prompt_tokens + completion_tokens
)
SELECT model_id, provider_name, endpoint_id, request_usd, tier_applied, endpoint_count,
       runner_up_provider, quantization, context_length
FROM ranked WHERE r = 1;
