-- Time-of-day prices: the windows of endpoint_price_windows / model_price_windows applied at
-- a moment. The rules, each defined here and nowhere else:
--
-- window_applies(utc_start, utc_end, utc_days, ts): whether a window is open at UTC
-- timestamp ts. HHMM bounds, half-open [start, end), wrapping past midnight when end <
-- start (1000 → 100 is 10:00 → 01:00); start = end is the whole day. utc_days (null: every
-- day) is matched against the day of ts itself, by English name or its first three letters,
-- or by number (0 or 7 Sunday, 1 Monday … 6 Saturday: both JavaScript's and ISO's numbering).
CREATE OR REPLACE MACRO hhmm_minutes(hhmm) AS (hhmm // 100) * 60 + hhmm % 100;

CREATE OR REPLACE MACRO window_applies(utc_start, utc_end, utc_days, ts) AS (
    CASE
        WHEN hhmm_minutes(coalesce(utc_start, 0)) = hhmm_minutes(coalesce(utc_end, 0)) THEN true
        WHEN hhmm_minutes(coalesce(utc_start, 0)) < hhmm_minutes(coalesce(utc_end, 0))
            THEN hour(ts) * 60 + minute(ts) >= hhmm_minutes(coalesce(utc_start, 0))
             AND hour(ts) * 60 + minute(ts) < hhmm_minutes(coalesce(utc_end, 0))
        ELSE hour(ts) * 60 + minute(ts) >= hhmm_minutes(coalesce(utc_start, 0))
          OR hour(ts) * 60 + minute(ts) < hhmm_minutes(coalesce(utc_end, 0))
    END
    AND (utc_days IS NULL OR len(list_intersect(utc_days, [
        lower(dayname(ts)), lower(strftime(ts, '%a')),
        CAST(dayofweek(ts) AS VARCHAR), CAST(isodow(ts) AS VARCHAR)
    ])) > 0)
);

-- endpoint_windows_at(snapshot, ts, prompt_tokens): per endpoint of that snapshot with a
-- window open at ts, the price of each component the open windows set. The API's rule:
-- among the entries that apply, the later one (override_index) wins per price key, and a
-- key no open window sets keeps its price. A window that also has min_prompt_tokens applies
-- only to requests of more prompt tokens (prompt_tokens NULL: a request of no stated size,
-- which such a window never prices). window_utc_start / _end: the latest open window.
-- Grain: one row per endpoint with an open window.
CREATE OR REPLACE MACRO endpoint_windows_at(snapshot, ts, prompt_tokens) AS TABLE
SELECT
    endpoint_id,
    arg_max(prompt_usd_per_token, override_index)
        FILTER (WHERE prompt_usd_per_token IS NOT NULL) AS w_prompt,
    arg_max(completion_usd_per_token, override_index)
        FILTER (WHERE completion_usd_per_token IS NOT NULL) AS w_completion,
    arg_max(input_cache_read_usd_per_token, override_index)
        FILTER (WHERE input_cache_read_usd_per_token IS NOT NULL) AS w_input_cache_read,
    arg_max(input_cache_write_usd_per_token, override_index)
        FILTER (WHERE input_cache_write_usd_per_token IS NOT NULL) AS w_input_cache_write,
    arg_max(input_cache_write_1h_usd_per_token, override_index)
        FILTER (WHERE input_cache_write_1h_usd_per_token IS NOT NULL) AS w_input_cache_write_1h,
    arg_max(audio_usd_per_token, override_index)
        FILTER (WHERE audio_usd_per_token IS NOT NULL) AS w_audio,
    arg_max(input_audio_cache_usd_per_token, override_index)
        FILTER (WHERE input_audio_cache_usd_per_token IS NOT NULL) AS w_input_audio_cache,
    arg_max(utc_start, override_index) AS window_utc_start,
    arg_max(utc_end, override_index) AS window_utc_end
FROM endpoint_price_windows_history
WHERE snapshot_date = CAST(snapshot AS DATE)
  AND window_applies(utc_start, utc_end, utc_days, CAST(ts AS TIMESTAMP))
  AND (min_prompt_tokens IS NULL
       OR (prompt_tokens IS NOT NULL AND tier_applies(prompt_tokens, min_prompt_tokens)))
GROUP BY endpoint_id;

-- snapshot_at(ts): the newest snapshot of endpoints on or before the day of ts (the newest
-- one for a moment after it).
CREATE OR REPLACE MACRO snapshot_at(ts) AS (
    SELECT max(snapshot_date) FROM endpoints_snapshot_dates
    WHERE snapshot_date <= CAST(CAST(ts AS TIMESTAMP) AS DATE)
);
