-- policy_changes: which data policies changed their training, prompt retention or retention
-- days, and when? The interval of policy_history that starts on changed_on against the one
-- that ended there. Grain: one row per policy (provider paid/free scope, or endpoint) and
-- change. The digest (a day's changes) and a release's change feed read it.
CREATE OR REPLACE VIEW policy_changes AS
SELECT n.valid_from AS changed_on, n.scope, n.provider_name, n.model_id, n.endpoint_id,
       p.training AS training_before, n.training,
       p.retains_prompts AS retains_prompts_before, n.retains_prompts,
       p.retention_days AS retention_days_before, n.retention_days
FROM policy_history n
JOIN policy_history p
  ON p.scope = n.scope
 AND p.provider_slug IS NOT DISTINCT FROM n.provider_slug
 AND p.endpoint_id IS NOT DISTINCT FROM n.endpoint_id
 AND p.model_id IS NOT DISTINCT FROM n.model_id
 AND p.valid_to = n.valid_from
WHERE (p.training, p.retains_prompts, p.retention_days)
      IS DISTINCT FROM (n.training, n.retains_prompts, n.retention_days);
