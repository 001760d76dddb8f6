-- The rules every price answer shares, each defined here and nowhere else.
--
-- blended_usd_per_mtok(prompt, completion): the blended price of a token mix of 3 prompt
-- tokens to 1 completion token, USD per million tokens; exact (DuckDB's decimal division would
-- give a double, so the quarter is a multiplication).
CREATE OR REPLACE MACRO blended_usd_per_mtok(prompt_usd_per_mtok, completion_usd_per_mtok) AS
    ((3 * prompt_usd_per_mtok + completion_usd_per_mtok) * 0.25)::DECIMAL(38, 20);

-- tier_applies(prompt_tokens, min_prompt_tokens): whether a context tier prices a request of
-- prompt_tokens. A threshold means "more than": the API labels a tier of min_prompt_tokens
-- 200000 '>200K' and the base price '≤200K'.
CREATE OR REPLACE MACRO tier_applies(prompt_tokens, min_prompt_tokens) AS
    prompt_tokens > min_prompt_tokens;

-- is_healthy(…): the router would send a request there: not disabled, not hidden, not
-- deranked, status not negative. Unknown (null: an endpoint only v1 lists, and v1 lists
-- what the router uses) counts as healthy.
CREATE OR REPLACE MACRO is_healthy(is_disabled, is_hidden, is_deranked, status) AS
    NOT coalesce(is_disabled, false)
    AND NOT coalesce(is_hidden, false)
    AND NOT coalesce(is_deranked, false)
    AND coalesce(status, 0) >= 0;

-- healthy_endpoints_history / healthy_endpoints: endpoints that pass is_healthy.
-- Grain: one row per endpoint (and snapshot_date for the history).
CREATE OR REPLACE VIEW healthy_endpoints_history AS
SELECT * FROM endpoints_history
WHERE is_healthy(is_disabled, is_hidden, is_deranked, status);

CREATE OR REPLACE VIEW healthy_endpoints AS
SELECT * FROM healthy_endpoints_history
WHERE snapshot_date = (SELECT max(snapshot_date) FROM endpoints_history);

-- usable_endpoints_history / usable_endpoints: healthy, and priced per token
-- (is_priced_per_token: prompt and completion prices known and meaningful; not an image,
-- video or audio model priced per unit), with blended_usd_per_mtok. Every "cheapest" answer
-- and every price comparison reads these. Partitions written before is_priced_per_token
-- existed count an endpoint with known prompt and completion prices as priced per token.
-- Grain: one row per endpoint (and snapshot_date for the history).
CREATE OR REPLACE VIEW usable_endpoints_history AS
SELECT *, blended_usd_per_mtok(prompt_usd_per_mtok, completion_usd_per_mtok)
    AS blended_usd_per_mtok
FROM healthy_endpoints_history
WHERE coalesce(
    is_priced_per_token,
    prompt_usd_per_mtok IS NOT NULL AND completion_usd_per_mtok IS NOT NULL
);

CREATE OR REPLACE VIEW usable_endpoints AS
SELECT * FROM usable_endpoints_history
WHERE snapshot_date = (SELECT max(snapshot_date) FROM endpoints_history);
