-- OpenRouter's official daily token share since 2025-01-01 (the Data API's rankings-daily):
-- the 8 models with the most tokens over the stored days by permaslug, and the rest (the
-- other top-50 models and the 'other' row) as 'rest'. One row per (date, model); the shares of
-- a day sum to 1. Citation: Source: OpenRouter (openrouter.ai/rankings), as of {as_of}.
WITH top AS (
    SELECT model_permaslug FROM official_token_share_daily
    WHERE NOT is_other
    GROUP BY model_permaslug ORDER BY sum(total_tokens) DESC, model_permaslug LIMIT 8
)
SELECT
    "date",
    CASE WHEN model_permaslug IN (SELECT model_permaslug FROM top) THEN model_permaslug
         ELSE 'rest' END AS model,
    sum(token_share)::DOUBLE AS share,
    max(as_of) AS as_of
FROM official_token_share_daily
GROUP BY ALL
ORDER BY "date", model
