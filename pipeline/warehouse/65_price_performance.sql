-- What a model is worth for its price: the Artificial Analysis indexes of model_benchmarks
-- against the cheapest usable blended price (usable_endpoints, blended_usd_per_mtok: 3
-- prompt : 1 completion, USD per million tokens, base prices). model_benchmarks is the latest
-- snapshot's figures; model_benchmarks_history (from _table.sql) every snapshot's.

-- price_performance: per model of the latest snapshot with a usable endpoint and an index.
-- Grain: one row per (model_id, index_name), index_name one of intelligence_index,
-- coding_index, agentic_index (a null index is no row).
-- on_frontier: no other model is both cheaper and higher on that index (strictly both: a
-- model as cheap and as good as another stays on it). Free variants (':free', price 0) are
-- models like any other: where one has an index it is cheaper than every paid model.
-- usd_per_index_point: blended price / index (null when the index is 0).
CREATE OR REPLACE VIEW price_performance AS
WITH cheapest AS (
    SELECT model_id, provider_name, provider_tag, endpoint_id, blended_usd_per_mtok
    FROM cheapest_endpoint_per_model
),
indexes AS (
    SELECT model_id, metric AS index_name, value AS index_value
    FROM model_benchmarks
    WHERE source = 'artificial_analysis' AND value IS NOT NULL
),
priced AS (
    SELECT i.model_id, i.index_name, i.index_value, c.blended_usd_per_mtok,
           c.provider_name, c.provider_tag, c.endpoint_id
    FROM indexes i JOIN cheapest c USING (model_id)
)
SELECT
    (SELECT max(snapshot_date) FROM endpoints_history) AS snapshot_date,
    p.model_id,
    p.index_name,
    p.index_value,
    p.blended_usd_per_mtok,
    CASE WHEN p.index_value <> 0 THEN p.blended_usd_per_mtok / p.index_value END
        AS usd_per_index_point,
    p.provider_name,
    p.provider_tag,
    p.endpoint_id,
    NOT EXISTS (
        SELECT 1 FROM priced o
        WHERE o.index_name = p.index_name
          AND o.blended_usd_per_mtok < p.blended_usd_per_mtok
          AND o.index_value > p.index_value
    ) AS on_frontier
FROM priced p;

-- best_model_under(max_blended_usd_per_mtok, wanted_index): the models whose cheapest usable
-- blended price is at most the budget, best first on the index (then cheaper, then model_id);
-- rank 1 is the answer. Example: FROM best_model_under(1.0, 'coding_index') WHERE rank = 1.
CREATE OR REPLACE MACRO best_model_under(max_blended_usd_per_mtok, wanted_index) AS TABLE
SELECT
    row_number() OVER (
        ORDER BY index_value DESC, blended_usd_per_mtok ASC, model_id ASC
    ) AS rank,
    model_id, index_name, index_value, blended_usd_per_mtok, usd_per_index_point,
    provider_name, provider_tag, endpoint_id, on_frontier
FROM price_performance
WHERE index_name = wanted_index
  AND blended_usd_per_mtok <= max_blended_usd_per_mtok
ORDER BY rank;
