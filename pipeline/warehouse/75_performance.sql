-- How fast, over the day: views over endpoint_performance_samples (the hourly_performance
-- job, one row per endpoint per sample). Each sample's figures are the API's own for the
-- window before it (window_minutes, 30): a percentile of requests in that half hour. A
-- figure over many samples is named for what it is: median_of_p50_throughput_tps is the
-- median of the samples' p50s, not a p50 of the day's requests (no sample sees those).

-- endpoint_performance_hourly: one row per (model_id, endpoint_id, hour): the latest sample
-- of the hour (samples: how many the hour had). hour is UTC, without a zone, whatever the
-- session's TimeZone.
CREATE OR REPLACE VIEW endpoint_performance_hourly AS
SELECT
    snapshot_date AS sample_date,
    date_trunc('hour', sampled_at AT TIME ZONE 'UTC') AS hour,
    count(*) OVER hours AS samples,
    * EXCLUDE (snapshot_date)
FROM endpoint_performance_samples_history
-- the date first in the partition: a filter on sample_date reaches the files
WINDOW hours AS (
    PARTITION BY snapshot_date, model_id, endpoint_id,
                 date_trunc('hour', sampled_at AT TIME ZONE 'UTC'))
QUALIFY row_number() OVER (
    PARTITION BY snapshot_date, model_id, endpoint_id,
                 date_trunc('hour', sampled_at AT TIME ZONE 'UTC')
    ORDER BY sampled_at DESC) = 1;

-- endpoint_performance_daily: one row per (sample_date, model_id, endpoint_id).
-- median_of_p50_*: the median over the day's samples of each sample's p50 (null figures left
-- out); min_/max_of_p50_*: the range of those p50s; worst_p99_latency_ms: the highest p99 a
-- sample stated; degraded_samples: samples whose status was negative; requests_in_windows:
-- the sum of the samples' request counts (requests in the sampled windows, not in the day).
CREATE OR REPLACE VIEW endpoint_performance_daily AS
SELECT
    snapshot_date AS sample_date,
    model_id,
    endpoint_id,
    any_value(provider_name) AS provider_name,
    any_value(provider_tag) AS provider_tag,
    count(*) AS samples,
    count(throughput_p50_tps) AS samples_with_throughput,
    median(throughput_p50_tps) AS median_of_p50_throughput_tps,
    min(throughput_p50_tps) AS min_of_p50_throughput_tps,
    max(throughput_p50_tps) AS max_of_p50_throughput_tps,
    median(latency_p50_ms) AS median_of_p50_latency_ms,
    max(latency_p99_ms) AS worst_p99_latency_ms,
    median(uptime_last_30m) AS median_of_uptime_last_30m,
    count(*) FILTER (WHERE status < 0) AS degraded_samples,
    sum(request_count) AS requests_in_windows,
    min(sampled_at) AS first_sample,
    max(sampled_at) AS last_sample
FROM endpoint_performance_samples_history
GROUP BY snapshot_date, model_id, endpoint_id;

-- fastest_endpoint_per_model: which usable endpoint of each model gives the highest median
-- of p50 throughput, over the last 24 hours and the last 7 days of samples (counted back
-- from the newest sample, so the answer does not change with the clock).
-- Grain: one row per (model_id, period), period '24h' or '7d'. Candidates: endpoints in
-- usable_endpoints (the latest published snapshot) with a throughput figure in the period;
-- ties break on lower median p50 latency, then endpoint_id. blended_usd_per_mtok is the
-- endpoint's base price (3 : 1); runner_up_* the second fastest.
CREATE OR REPLACE VIEW fastest_endpoint_per_model AS
WITH newest AS (SELECT max(sampled_at) AS t FROM endpoint_performance_samples_history),
periods AS (
    SELECT '24h' AS period, t - INTERVAL 24 HOUR AS since FROM newest
    UNION ALL
    SELECT '7d', t - INTERVAL 7 DAY FROM newest
),
figures AS (
    SELECT
        p.period,
        s.model_id,
        s.endpoint_id,
        count(s.throughput_p50_tps) AS samples,
        median(s.throughput_p50_tps) AS median_of_p50_throughput_tps,
        median(s.latency_p50_ms) AS median_of_p50_latency_ms
    FROM endpoint_performance_samples_history s
    JOIN periods p ON s.sampled_at > p.since
    WHERE s.throughput_p50_tps IS NOT NULL
    GROUP BY ALL
),
ranked AS (
    SELECT
        f.*,
        u.provider_name,
        u.provider_tag,
        u.blended_usd_per_mtok,
        row_number() OVER w AS speed_rank,
        lead(f.endpoint_id) OVER w AS runner_up_endpoint_id,
        lead(u.provider_name) OVER w AS runner_up_provider,
        lead(f.median_of_p50_throughput_tps) OVER w AS runner_up_median_of_p50_throughput_tps,
        lead(u.blended_usd_per_mtok) OVER w AS runner_up_blended_usd_per_mtok,
        count(*) OVER (PARTITION BY f.period, f.model_id) AS candidates
    FROM figures f
    JOIN usable_endpoints u USING (endpoint_id)
    WINDOW w AS (
        PARTITION BY f.period, f.model_id
        ORDER BY f.median_of_p50_throughput_tps DESC,
                 f.median_of_p50_latency_ms ASC NULLS LAST,
                 f.endpoint_id
    )
)
SELECT
    model_id, period, endpoint_id, provider_name, provider_tag,
    median_of_p50_throughput_tps, median_of_p50_latency_ms, samples, blended_usd_per_mtok,
    candidates, runner_up_endpoint_id, runner_up_provider,
    runner_up_median_of_p50_throughput_tps, runner_up_blended_usd_per_mtok
FROM ranked
WHERE speed_rank = 1;

-- performance_by_hour_of_day: per provider and hour of the day (UTC, 0-23), over every
-- sample: the median of its endpoints' p50 throughput and latency, and how many samples and
-- endpoints stand behind it.
CREATE OR REPLACE VIEW performance_by_hour_of_day AS
SELECT
    provider_name,
    hour(sampled_at AT TIME ZONE 'UTC') AS hour_of_day,
    count(*) AS samples,
    count(DISTINCT endpoint_id) AS endpoints,
    median(throughput_p50_tps) AS median_of_p50_throughput_tps,
    median(latency_p50_ms) AS median_of_p50_latency_ms,
    count(*) FILTER (WHERE status < 0) AS degraded_samples
FROM endpoint_performance_samples_history
GROUP BY provider_name, hour(sampled_at AT TIME ZONE 'UTC');
