-- The history of one followed table, rendered by build.py for each entry of
-- pipeline/transforms/history.py::HISTORIES ({{view}}, {{events}}, {{base}}, {{key}},
-- {{as_of_macro}} are its names).
--
-- {{base}}_snapshot_dates: every snapshot date that has the {{base}} table (read from the
-- folder names, no file opened). A date without it (an archive that lacks the source) is
-- not a snapshot of it, and neither is a date that is not published.
CREATE OR REPLACE VIEW {{base}}_snapshot_dates AS
SELECT DISTINCT snapshot_date FROM (
    SELECT CAST(regexp_extract(file, 'snapshot_date=([0-9]{4}-[0-9]{2}-[0-9]{2})', 1) AS DATE)
        AS snapshot_date
    FROM glob('{{tables}}/{{base}}/snapshot_date=*/*.parquet')
)
WHERE snapshot_date <= {{as_of}}{{published}};

-- {{view}}: one row per key and stretch of snapshots over which its state did not change.
-- Grain: ({{key}}, valid_from). Built from the events ({{events}}): an interval starts at a
-- listed or changed event and ends at the key's next event.
--   valid_from: the first snapshot with these values;
--   valid_to: the first snapshot without them (changed, or removed), exclusive; null while
--     the newest snapshot still has them;
--   last_seen: the last snapshot with them;
--   days: calendar days from valid_from to valid_to (to the day after last_seen while
--     current); snapshots: how many snapshots saw them.
CREATE OR REPLACE VIEW {{view}} AS
WITH ordered AS (
    SELECT *, lead(snapshot_date) OVER (PARTITION BY {{key}} ORDER BY snapshot_date) AS valid_to
    FROM {{events}}_history
),
snaps AS (
    SELECT snapshot_date, row_number() OVER (ORDER BY snapshot_date) AS n
    FROM {{base}}_snapshot_dates
)
SELECT
    o.* EXCLUDE (event, snapshot_date, valid_to),
    o.snapshot_date AS valid_from,
    o.valid_to,
    l.snapshot_date AS last_seen,
    coalesce(o.valid_to, l.snapshot_date + 1) - o.snapshot_date AS days,
    l.n - f.n + 1 AS snapshots
FROM ordered o
ASOF JOIN snaps l ON coalesce(o.valid_to, DATE '9999-12-31') > l.snapshot_date
JOIN snaps f ON f.snapshot_date = o.snapshot_date
WHERE o.event <> 'removed';

-- {{as_of_macro}}(d): the rows of {{view}} as they stood on date d, from the newest snapshot
-- on or before d (snapshot_date says which; a date between two snapshots gets the earlier).
-- Grain: one row per {{key}} present in that snapshot.
CREATE OR REPLACE MACRO {{as_of_macro}}(d) AS TABLE
SELECT h.* EXCLUDE (valid_from, valid_to, last_seen, days, snapshots),
       s.used AS snapshot_date, h.valid_from, h.valid_to
FROM {{view}} h,
     (SELECT max(snapshot_date) AS used FROM {{base}}_snapshot_dates
      WHERE snapshot_date <= CAST(d AS DATE)) s
WHERE h.valid_from <= s.used AND (h.valid_to IS NULL OR h.valid_to > s.used);
