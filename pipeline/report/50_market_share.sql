-- Market share by author over the last 31 days: each author's share of all tokens (prompt +
-- completion) per day, the 7 biggest authors of the period by name and the rest as 'other'.
-- One row per (day, author); the shares of a day sum to 1.
WITH period AS (
    SELECT * FROM market_share_daily
    WHERE usage_date > (SELECT max(usage_date) FROM market_share_daily) - 31
),
top AS (
    SELECT author FROM period GROUP BY author ORDER BY sum(tokens) DESC, author LIMIT 7
)
SELECT
    usage_date,
    CASE WHEN author IN (SELECT author FROM top) THEN author ELSE 'other' END AS author,
    sum(share)::DOUBLE AS share,
    bool_and(is_complete) AS is_complete
FROM period
GROUP BY ALL
ORDER BY usage_date, author
