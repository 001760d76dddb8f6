-- The two views of a table stored by the date its rows describe (official_rankings_daily:
-- tables/{{table}}/date=D/part-0.parquet), rendered by build.py for each table of
-- BY_DATA_DATE in pipeline/transforms/schemas.py. Each day's file is the latest answer for
-- that day (a later answer replaced it), so the table is its own history: {{table}} and
-- {{table}}_history are the same rows, the days before {{as_of}} (every day in
-- warehouse.duckdb). The date is a column of the file; the folder name repeats it.
CREATE OR REPLACE VIEW {{table}}_history AS
SELECT * FROM read_parquet('{{tables}}/{{table}}/date=*/*.parquet',
    hive_partitioning = false, union_by_name = true)
WHERE "date" < {{as_of}};

CREATE OR REPLACE VIEW {{table}} AS
SELECT * FROM {{table}}_history;
