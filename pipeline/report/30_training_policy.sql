-- Providers by training policy: for paid models, the provider's own policy; for free
-- variants, whether any of the provider's free endpoints trains on prompts (the record that
-- decides is in free_variant_training_flags). One row per (scope, policy).
WITH paid AS (
    SELECT 'paid models' AS scope, provider_name, training AS trains
    FROM data_policies
    WHERE scope = 'provider_paid'
),
free AS (
    SELECT 'free variants' AS scope, provider_name, bool_or(trains_on_prompts) AS trains
    FROM free_variant_training_flags
    GROUP BY provider_name
)
SELECT
    scope,
    CASE trains WHEN true THEN 'trains on prompts' WHEN false THEN 'does not train'
         ELSE 'not stated' END AS policy,
    count(*) AS providers
FROM (SELECT * FROM paid UNION ALL SELECT * FROM free)
GROUP BY ALL
ORDER BY scope DESC, policy
