-- The two views of every snapshot table, rendered once per table by build.py from the table
-- list in pipeline/schemas.py ({{table}} is the table's name).
-- {{table}}_history: every snapshot. Grain: the table's own grain plus snapshot_date (from
-- the hive folder name). {{tables}} is the absolute tables folder, written when the warehouse
-- is built, so a notebook in any working directory resolves the same files.
-- {{table}}: the newest snapshot only. {{as_of}} is DATE '9999-12-31' in warehouse.duckdb; a
-- report of an earlier partition builds the same views as of its date (nothing after it).
-- The published filter keeps a daily table to the published dates (published_dates, read at every
-- query): a date whose publish was cut short is in no view, whichever files it moved.
CREATE OR REPLACE VIEW {{table}}_history AS
SELECT * FROM read_parquet('{{tables}}/{{table}}/snapshot_date=*/*.parquet',
    hive_partitioning = true, hive_types = {'snapshot_date': DATE}, union_by_name = true)
WHERE snapshot_date <= {{as_of}}{{published}};

CREATE OR REPLACE VIEW {{table}} AS
SELECT * FROM {{table}}_history
WHERE snapshot_date = (SELECT max(snapshot_date) FROM {{table}}_history);
