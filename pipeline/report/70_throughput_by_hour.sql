-- Throughput through the day, for the busiest models: per model and hour of the newest day
-- of performance samples, the median of its endpoints' p50 throughput in that hour's sample.
-- The 6 models with the most requests in the day's sampled windows (endpoint_performance_
-- hourly). No rows before the first sample.
WITH today AS (
    SELECT * FROM endpoint_performance_hourly
    WHERE sample_date = (SELECT max(snapshot_date) FROM endpoint_performance_samples_history)
),
busiest AS (
    SELECT model_id FROM today
    GROUP BY model_id
    ORDER BY sum(request_count) DESC NULLS LAST, model_id
    LIMIT 6
)
SELECT
    t.model_id,
    hour(t.hour) + minute(t.sampled_at AT TIME ZONE 'UTC') / 60.0 AS hour_of_day,
    median(t.throughput_p50_tps) AS median_of_p50_throughput_tps,
    count(*) AS endpoints
FROM today t JOIN busiest USING (model_id)
WHERE t.throughput_p50_tps IS NOT NULL
GROUP BY t.model_id, t.hour, hour(t.hour), minute(t.sampled_at AT TIME ZONE 'UTC')
ORDER BY t.model_id, hour_of_day
