-- free_variant_training_flags: does a free endpoint train on (or keep) your prompts, who says
-- so, and can you avoid it by paying for the same model?
-- Grain: one row per endpoint of a ':free' variant or an is_free endpoint, latest snapshot.
-- Precedence: the endpoint's own policy, then the provider's free-model policy, then the
-- provider's paid-model policy; policy_source names the record that decided.
CREATE OR REPLACE VIEW free_variant_training_flags AS
WITH ep_policy AS (SELECT * FROM data_policies WHERE scope = 'endpoint'),
prov_free AS (SELECT * FROM data_policies WHERE scope = 'provider_free'),
prov_paid AS (SELECT * FROM data_policies WHERE scope = 'provider_paid'),
paid_variant AS (
    SELECT
        split_part(e.model_id, ':', 1) AS base_model_id,
        count(*) AS paid_endpoint_count,
        bool_or(coalesce(ep.training, pp.training) = false) AS paid_without_training
    FROM endpoints e
    LEFT JOIN ep_policy ep ON ep.endpoint_id = e.endpoint_id
    LEFT JOIN prov_paid pp ON pp.provider_name = e.provider_name
    WHERE NOT coalesce(e.is_free, false)
      AND e.model_id NOT LIKE '%:free'
      AND is_healthy(e.is_disabled, e.is_hidden, e.is_deranked, e.status)
    GROUP BY 1
)
SELECT
    e.snapshot_date,
    e.model_id,
    e.provider_name,
    e.endpoint_id,
    coalesce(ep.training, pf.training, pp.training) AS trains_on_prompts,
    coalesce(ep.retains_prompts, pf.retains_prompts, pp.retains_prompts) AS retains_prompts,
    coalesce(ep.retention_days, pf.retention_days, pp.retention_days) AS retention_days,
    coalesce(ep.training_openrouter, pf.training_openrouter, pp.training_openrouter)
        AS openrouter_trains_on_prompts,
    CASE
        WHEN ep.training IS NOT NULL THEN 'endpoint'
        WHEN pf.training IS NOT NULL THEN 'provider_free'
        WHEN pp.training IS NOT NULL THEN 'provider_paid'
        ELSE 'unknown'
    END AS policy_source,
    coalesce(ep.privacy_policy_url, pf.privacy_policy_url, pp.privacy_policy_url)
        AS privacy_policy_url,
    coalesce(ep.terms_of_service_url, pf.terms_of_service_url, pp.terms_of_service_url)
        AS terms_of_service_url,
    coalesce(ep.data_policy_url, pf.data_policy_url, pp.data_policy_url) AS data_policy_url,
    coalesce(pv.paid_endpoint_count, 0) > 0 AS paid_variant_exists,
    coalesce(pv.paid_without_training, false) AS paid_variant_without_training
FROM endpoints e
LEFT JOIN ep_policy ep ON ep.endpoint_id = e.endpoint_id
LEFT JOIN prov_free pf ON pf.provider_name = e.provider_name
LEFT JOIN prov_paid pp ON pp.provider_name = e.provider_name
LEFT JOIN paid_variant pv ON pv.base_model_id = split_part(e.model_id, ':', 1)
WHERE coalesce(e.is_free, false) OR e.model_id LIKE '%:free';
