-- cheapest_endpoint_per_unit: for models priced in other units than tokens, which provider
-- is cheapest for one image, one second of video, one minute of audio, one search, …?
-- Grain: one row per (model_id, item, unit, tier_label) of the latest snapshot, over the
-- healthy endpoints' default price lists (endpoint_price_items, service_tier 'default'):
-- every item priced per unit, and every item of an endpoint not priced per token (a rerank
-- model priced per input token but with no prompt price, say). tier_label separates
-- resolutions (720p, 1080p, …) and other tiers of one item.
-- Ties break like cheapest_endpoint_per_model: uptime, throughput, provider name, endpoint id.
CREATE OR REPLACE VIEW cheapest_endpoint_per_unit AS
WITH priced AS (
    SELECT
        e.snapshot_date, i.model_id, i.item, i.kind, i.unit, i.tier_label, i.provider_name,
        i.endpoint_id, i.usd_per_unit, i.list_usd_per_unit, e.uptime_last_1d,
        e.throughput_p50_tps
    FROM healthy_endpoints e
    JOIN endpoint_price_items i USING (endpoint_id)
    WHERE i.service_tier = 'default'
      AND i.usd_per_unit IS NOT NULL
      AND (i.kind = 'unit' OR NOT coalesce(e.is_priced_per_token, false))
),
ranked AS (
    SELECT
        *,
        row_number() OVER w AS price_rank,
        lead(provider_name) OVER w AS runner_up_provider,
        lead(usd_per_unit) OVER w AS runner_up_usd_per_unit,
        count(*) OVER (PARTITION BY model_id, item, unit, tier_label) AS endpoint_count
    FROM priced
    WINDOW w AS (
        PARTITION BY model_id, item, unit, tier_label
        ORDER BY usd_per_unit ASC,
                 uptime_last_1d DESC NULLS LAST,
                 throughput_p50_tps DESC NULLS LAST,
                 provider_name ASC,
                 endpoint_id ASC
    )
)
SELECT
    snapshot_date, model_id, item, kind, unit, tier_label, provider_name, endpoint_id,
    usd_per_unit, list_usd_per_unit, endpoint_count, runner_up_provider, runner_up_usd_per_unit
FROM ranked
WHERE price_rank = 1;
