-- Models listed on /api/v1/models on $d that the snapshot before did not list (nothing on the
-- first snapshot, where everything is new). Grain: one row per model.
SELECT model_id, name, prompt_usd_per_mtok, completion_usd_per_mtok
FROM model_price_events_history
WHERE snapshot_date = $d AND event = 'listed'
  AND EXISTS (SELECT 1 FROM models_snapshot_dates WHERE snapshot_date < $d)
ORDER BY model_id;
