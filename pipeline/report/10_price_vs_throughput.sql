-- Price versus throughput per endpoint, for the models served by the most providers.
-- One row per usable endpoint (not disabled, not hidden, prices known, throughput measured)
-- of the 8 models with the most such endpoints, in the latest snapshot.
WITH usable AS (
    SELECT
        model_id,
        provider_name,
        (3 * prompt_usd_per_mtok + completion_usd_per_mtok) / 4 AS blended_usd_per_mtok,
        throughput_p50_tps
    FROM endpoints
    WHERE NOT coalesce(is_disabled, false)
      AND NOT coalesce(is_hidden, false)
      AND NOT is_variable_price
      AND throughput_p50_tps IS NOT NULL
),
top_models AS (
    SELECT model_id FROM usable
    GROUP BY model_id
    ORDER BY count(*) DESC, model_id
    LIMIT 8
)
SELECT u.model_id, u.provider_name, u.blended_usd_per_mtok::DOUBLE AS blended_usd_per_mtok,
       u.throughput_p50_tps
FROM usable u JOIN top_models USING (model_id)
ORDER BY u.model_id, u.provider_name
