-- Answers at a moment: the time-of-day windows (45_price_windows.sql) applied. The base-price
-- answers (cheapest_endpoint_per_model, cheapest_endpoint) leave windows out.

-- price_at(ts): every endpoint's price per component at UTC timestamp ts, on the snapshot
-- that day falls on (snapshot_at): the base price, or the price an open window sets (the
-- later entry winning, as the API says). Context tiers are left out (a request of no size);
-- window_utc_start / _end name the latest open window.
-- Grain: one row per endpoint of that snapshot.
CREATE OR REPLACE MACRO price_at(ts) AS TABLE
WITH pick AS MATERIALIZED (SELECT snapshot_at(ts) AS s)
SELECT
    e.model_id, e.provider_name, e.provider_tag, e.endpoint_id,
    CAST(ts AS TIMESTAMP) AS at_utc,
    coalesce(w.w_prompt, e.prompt_usd_per_token) AS prompt_usd_per_token,
    coalesce(w.w_completion, e.completion_usd_per_token) AS completion_usd_per_token,
    coalesce(w.w_input_cache_read, e.input_cache_read_usd_per_token)
        AS input_cache_read_usd_per_token,
    coalesce(w.w_input_cache_write, e.input_cache_write_usd_per_token)
        AS input_cache_write_usd_per_token,
    coalesce(w.w_input_cache_write_1h, e.input_cache_write_1h_usd_per_token)
        AS input_cache_write_1h_usd_per_token,
    coalesce(w.w_audio, e.audio_usd_per_token) AS audio_usd_per_token,
    coalesce(w.w_input_audio_cache, e.input_audio_cache_usd_per_token)
        AS input_audio_cache_usd_per_token,
    coalesce(w.w_prompt, e.prompt_usd_per_token) * 1000000 AS prompt_usd_per_mtok,
    coalesce(w.w_completion, e.completion_usd_per_token) * 1000000 AS completion_usd_per_mtok,
    coalesce(w.w_input_cache_read, e.input_cache_read_usd_per_token) * 1000000
        AS input_cache_read_usd_per_mtok,
    w.endpoint_id IS NOT NULL AS in_window,
    w.window_utc_start,
    w.window_utc_end,
    e.snapshot_date
FROM endpoints_history e
LEFT JOIN endpoint_windows_at((SELECT s FROM pick), ts, NULL) w USING (endpoint_id)
WHERE e.snapshot_date = (SELECT s FROM pick);

-- cheapest_endpoint_at(ts, prompt_tokens, completion_tokens): cheapest_endpoint's rule (tiers,
-- limits, health, tie-break; the same optional arguments) at UTC timestamp ts, on the
-- snapshot that day falls on, with the windows open then. window_applied says whether the
-- pick's price is a window's. Grain: one row per model_id with a usable endpoint that can
-- take the request.
CREATE OR REPLACE MACRO cheapest_endpoint_at(
    ts, prompt_tokens, completion_tokens, min_quantization := NULL,
    cache_read_tokens := 0, cache_write_tokens := 0
) AS TABLE
SELECT * FROM cheapest_endpoint_priced(
    snapshot_at(ts), prompt_tokens, completion_tokens,
    min_quantization := min_quantization, cache_read_tokens := cache_read_tokens,
    cache_write_tokens := cache_write_tokens, at_time := CAST(ts AS TIMESTAMP)
);

-- The minutes of one week (2024-01-01 is a Monday), over which windows are laid out: a
-- window of some days only counts on those.
CREATE OR REPLACE VIEW _week_minutes AS
SELECT TIMESTAMP '2024-01-01' + to_minutes(m) AS ts
FROM range(0, 7 * 24 * 60) AS t(m);

-- off_peak_prices: per endpoint with windows in the latest snapshot, and per component its
-- windows set, each price the component has over a week, with how long it applies
-- (hours_per_day: on average over the week's days) and the component's mean price over the
-- week (day_mean_usd_per_mtok, the same on every row of the component). Base requests: a
-- window with a context condition is left out.
-- Grain: one row per (endpoint, component, price).
CREATE OR REPLACE VIEW off_peak_prices AS
WITH snap AS (SELECT max(snapshot_date) AS s FROM endpoints_history),
windowed AS (
    SELECT w.*, c.component,
        CASE c.component
            WHEN 'prompt' THEN w.prompt_usd_per_mtok
            WHEN 'completion' THEN w.completion_usd_per_mtok
            WHEN 'input_cache_read' THEN w.input_cache_read_usd_per_mtok
            WHEN 'input_cache_write' THEN w.input_cache_write_usd_per_mtok
            WHEN 'input_cache_write_1h' THEN w.input_cache_write_1h_usd_per_mtok
            WHEN 'audio' THEN w.audio_usd_per_mtok
            WHEN 'input_audio_cache' THEN w.input_audio_cache_usd_per_mtok
        END AS usd_per_mtok
    FROM endpoint_price_windows_history w,
         (VALUES ('prompt'), ('completion'), ('input_cache_read'), ('input_cache_write'),
                 ('input_cache_write_1h'), ('audio'), ('input_audio_cache')) c(component)
    WHERE w.snapshot_date = (SELECT s FROM snap) AND w.min_prompt_tokens IS NULL
),
set_by AS (SELECT * FROM windowed WHERE usd_per_mtok IS NOT NULL),
base AS (
    SELECT e.endpoint_id, e.model_id, e.provider_name, e.provider_tag, k.component,
        CASE k.component
            WHEN 'prompt' THEN e.prompt_usd_per_mtok
            WHEN 'completion' THEN e.completion_usd_per_mtok
            WHEN 'input_cache_read' THEN e.input_cache_read_usd_per_mtok
            WHEN 'input_cache_write' THEN e.input_cache_write_usd_per_mtok
            WHEN 'input_cache_write_1h' THEN e.input_cache_write_1h_usd_per_mtok
            WHEN 'audio' THEN e.audio_usd_per_mtok
            WHEN 'input_audio_cache' THEN e.input_audio_cache_usd_per_mtok
        END AS base_usd_per_mtok
    FROM endpoints_history e
    JOIN (SELECT DISTINCT endpoint_id, component FROM set_by) k USING (endpoint_id)
    WHERE e.snapshot_date = (SELECT s FROM snap)
),
minute_prices AS (
    SELECT b.*, m.ts,
        coalesce(
            (SELECT arg_max(s.usd_per_mtok, s.override_index) FROM set_by s
             WHERE s.endpoint_id = b.endpoint_id AND s.component = b.component
               AND window_applies(s.utc_start, s.utc_end, s.utc_days, m.ts)),
            b.base_usd_per_mtok
        ) AS usd_per_mtok
    FROM base b, _week_minutes m
)
SELECT
    model_id, provider_name, provider_tag, endpoint_id, component,
    usd_per_mtok,
    usd_per_mtok = base_usd_per_mtok AS is_base_price,
    round(count(*) / 60.0 / 7, 4) AS hours_per_day,
    base_usd_per_mtok,
    any_value(day_mean) AS day_mean_usd_per_mtok,
    (SELECT s FROM snap) AS snapshot_date
FROM (
    -- the mean in decimals, rounded to 12 places: a sum of exact prices, divided as integers
    SELECT *, (
        (sum(usd_per_mtok::DECIMAL(38, 12)) OVER e * 1000000000000 + count(*) OVER e // 2)::HUGEINT
        // count(*) OVER e
    )::DECIMAL(38, 0) * 0.000000000001 AS day_mean
    FROM minute_prices
    WINDOW e AS (PARTITION BY endpoint_id, component)
)
GROUP BY ALL
ORDER BY model_id, provider_name, endpoint_id, component, usd_per_mtok;

-- cheapest_by_hour: per model, the cheapest usable endpoint at the start of each UTC hour of
-- the latest snapshot's day, by the blended price (3 prompt : 1 completion) with the windows
-- open then; cheapest_endpoint_per_model's tie-break. base_provider_name is the base-price
-- answer (cheapest_endpoint_per_model), so a row where they differ is an hour a window
-- changes the answer. Grain: one row per (model_id, hour_utc).
CREATE OR REPLACE VIEW cheapest_by_hour AS
WITH snap AS (SELECT max(snapshot_date) AS s FROM endpoints_history),
hours AS (
    SELECT h AS hour_utc, CAST((SELECT s FROM snap) AS TIMESTAMP) + to_hours(h) AS ts
    FROM range(0, 24) AS t(h)
),
open_windows AS (
    SELECT hr.hour_utc, w.endpoint_id,
        arg_max(w.prompt_usd_per_mtok, w.override_index)
            FILTER (WHERE w.prompt_usd_per_mtok IS NOT NULL) AS w_prompt,
        arg_max(w.completion_usd_per_mtok, w.override_index)
            FILTER (WHERE w.completion_usd_per_mtok IS NOT NULL) AS w_completion
    FROM endpoint_price_windows_history w, hours hr
    WHERE w.snapshot_date = (SELECT s FROM snap) AND w.min_prompt_tokens IS NULL
      AND window_applies(w.utc_start, w.utc_end, w.utc_days, hr.ts)
    GROUP BY ALL
),
priced AS (
    SELECT u.*, hr.hour_utc,
        coalesce(o.w_prompt, u.prompt_usd_per_mtok) AS at_prompt_usd_per_mtok,
        coalesce(o.w_completion, u.completion_usd_per_mtok) AS at_completion_usd_per_mtok,
        o.endpoint_id IS NOT NULL AS in_window
    FROM usable_endpoints u CROSS JOIN hours hr
    LEFT JOIN open_windows o ON o.endpoint_id = u.endpoint_id AND o.hour_utc = hr.hour_utc
),
ranked AS (
    SELECT *,
        blended_usd_per_mtok(at_prompt_usd_per_mtok, at_completion_usd_per_mtok) AS at_blended,
        row_number() OVER (
            PARTITION BY model_id, hour_utc
            ORDER BY blended_usd_per_mtok(at_prompt_usd_per_mtok, at_completion_usd_per_mtok),
                     uptime_last_1d DESC NULLS LAST, throughput_p50_tps DESC NULLS LAST,
                     provider_name, endpoint_id
        ) AS r
    FROM priced
)
SELECT
    r.model_id, r.hour_utc, r.provider_name, r.provider_tag, r.endpoint_id,
    r.at_prompt_usd_per_mtok AS prompt_usd_per_mtok,
    r.at_completion_usd_per_mtok AS completion_usd_per_mtok,
    r.at_blended AS blended_usd_per_mtok,
    r.in_window,
    b.provider_name AS base_provider_name,
    b.blended_usd_per_mtok AS base_blended_usd_per_mtok,
    r.snapshot_date
FROM ranked r
LEFT JOIN cheapest_endpoint_per_model b USING (model_id)
WHERE r.r = 1
ORDER BY r.model_id, r.hour_utc;
