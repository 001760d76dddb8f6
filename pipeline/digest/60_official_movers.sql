-- OpenRouter's official token shares that moved most over 7 days, on the newest day stored
-- before $d (the Data API's rankings-daily; shown only when the rankings are stored).
-- Grain: one row per model of that day's top 50 that was in the top 50 a week earlier.
SELECT t."date", t.model_permaslug, t.model_id,
       round(t.token_share, 4) AS token_share,
       round(t.change_7d, 4) AS change_7d,
       s.as_of
FROM official_model_trends t
JOIN official_token_share_daily s USING ("date", model_permaslug)
WHERE t."date" = (SELECT max("date") FROM official_token_share_daily WHERE "date" < $d)
  AND t.change_7d IS NOT NULL AND NOT s.is_other
ORDER BY abs(t.change_7d) DESC, t.model_permaslug
LIMIT 10
