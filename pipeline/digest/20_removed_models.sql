-- Models the snapshot before $d listed and $d does not, with what they cost when last seen.
-- Grain: one row per model.
SELECT model_id, name, first_seen, last_seen, days_listed, prompt_usd_per_mtok,
       completion_usd_per_mtok
FROM removed_models
WHERE removed_on = $d
ORDER BY model_id;
