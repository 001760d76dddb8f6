-- Price versus throughput per endpoint, for the models served by the most providers.
-- One row per usable endpoint (usable_endpoints: healthy and priced per token) with a
-- measured throughput, of the 8 models with the most such endpoints, in the latest snapshot.
WITH measured AS (
    SELECT model_id, provider_name, blended_usd_per_mtok, throughput_p50_tps
    FROM usable_endpoints
    WHERE throughput_p50_tps IS NOT NULL
),
top_models AS (
    SELECT model_id FROM measured
    GROUP BY model_id
    ORDER BY count(*) DESC, model_id
    LIMIT 8
)
SELECT m.model_id, m.provider_name, m.blended_usd_per_mtok, m.throughput_p50_tps
FROM measured m JOIN top_models USING (model_id)
ORDER BY m.model_id, m.provider_name
