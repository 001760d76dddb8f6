-- Data policies whose training, prompt retention or retention days changed on $d (the
-- warehouse's policy_changes). Grain: one row per policy (provider paid/free scope, or
-- endpoint).
SELECT scope, provider_name, model_id,
       training_before, training,
       retains_prompts_before, retains_prompts,
       retention_days_before, retention_days
FROM policy_changes
WHERE changed_on = $d
ORDER BY scope, provider_name, model_id;
