-- Time-of-day prices that appeared, changed or ended on $d (price_window_changes), one line
-- per endpoint: what its windows charge against the base price, and when, in UTC (by the
-- prompt price: "half price 10:00-01:00, 04:00-06:00 UTC from 2026-08-17").
-- Grain: one row per (endpoint, kind of change). Shown only on a date that has any.
WITH changed AS (
    SELECT DISTINCT endpoint_id, model_id, provider_name, change
    FROM price_window_changes_history WHERE snapshot_date = $d
),
off_base AS (
    SELECT w.endpoint_id, w.override_index,
        printf('%02d:%02d-%02d:%02d', w.utc_start // 100, w.utc_start % 100,
               w.utc_end // 100, w.utc_end % 100)
            || coalesce(' (' || array_to_string(w.utc_days, ', ') || ')', '') AS hours,
        w.prompt_usd_per_mtok / e.prompt_usd_per_mtok AS ratio
    FROM endpoint_price_windows_history w
    JOIN endpoints_history e ON e.endpoint_id = w.endpoint_id AND e.snapshot_date = w.snapshot_date
    WHERE w.snapshot_date = $d AND e.prompt_usd_per_mtok > 0
      AND w.prompt_usd_per_mtok IS NOT NULL AND w.prompt_usd_per_mtok <> e.prompt_usd_per_mtok
),
described AS (
    SELECT endpoint_id,
        string_agg(what || ' ' || hours || ' UTC', '; ' ORDER BY first_index) AS windows
    FROM (
        SELECT endpoint_id,
            CASE WHEN ratio = 0.5 THEN 'half price' WHEN ratio = 0 THEN 'free'
                 ELSE printf('%.0f %% of the base price', 100 * ratio) END AS what,
            string_agg(hours, ', ' ORDER BY override_index) AS hours,
            min(override_index) AS first_index
        FROM off_base GROUP BY ALL
    )
    GROUP BY endpoint_id
)
SELECT c.model_id, c.provider_name, t.provider_tag, c.change,
    CASE WHEN c.change = 'ended' THEN 'no window since ' || $d
         ELSE coalesce(d.windows || ' from ' || $d, 'windows at the base price') END AS prices
FROM changed c LEFT JOIN described d USING (endpoint_id)
LEFT JOIN endpoint_tags t USING (endpoint_id)
ORDER BY c.model_id, c.provider_name, t.provider_tag, c.endpoint_id, c.change;
