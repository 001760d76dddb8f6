"""DuckDB warehouse: views over the Parquet tables, SQL in the ``*.sql`` files beside this."""
