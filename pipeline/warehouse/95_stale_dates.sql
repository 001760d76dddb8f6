-- The published dates built by another version of the code than this warehouse's (or before
-- versions were kept): what `openrouter-catalog rebuild --stale` rebuilds. A date's version is
-- stamped in tables/published.json by the write that publishes it (pipeline/publish/version.py
-- says what the version is made of); `code_version` is the version that built these views.
CREATE OR REPLACE VIEW stale_dates AS
WITH listed AS (
    SELECT builds
    FROM read_json(
        '{{published_file}}',
        columns = {dates: 'VARCHAR[]', builds: 'STRUCT(date VARCHAR, version VARCHAR)[]'}
    )
), stamps AS (
    SELECT CAST(b.date AS DATE) AS snapshot_date, b.version AS built_by
    FROM (SELECT unnest(builds) AS b FROM listed)
)
SELECT p.snapshot_date, s.built_by, '{{code_version}}' AS code_version
FROM published_dates p
LEFT JOIN stamps s USING (snapshot_date)
WHERE s.built_by IS DISTINCT FROM '{{code_version}}'
ORDER BY p.snapshot_date;
