-- *_history views: every snapshot of each table, read straight from the Parquet files.
-- Grain: the table's own grain plus snapshot_date (from the hive folder name).
-- {{tables}} is replaced by the absolute tables folder when the warehouse is built, so a
-- notebook in any working directory resolves the same files.
CREATE OR REPLACE VIEW models_history AS
SELECT * FROM read_parquet('{{tables}}/models/snapshot_date=*/*.parquet',
    hive_partitioning = true, hive_types = {'snapshot_date': DATE}, union_by_name = true);

CREATE OR REPLACE VIEW endpoints_history AS
SELECT * FROM read_parquet('{{tables}}/endpoints/snapshot_date=*/*.parquet',
    hive_partitioning = true, hive_types = {'snapshot_date': DATE}, union_by_name = true);

CREATE OR REPLACE VIEW providers_history AS
SELECT * FROM read_parquet('{{tables}}/providers/snapshot_date=*/*.parquet',
    hive_partitioning = true, hive_types = {'snapshot_date': DATE}, union_by_name = true);

CREATE OR REPLACE VIEW data_policies_history AS
SELECT * FROM read_parquet('{{tables}}/data_policies/snapshot_date=*/*.parquet',
    hive_partitioning = true, hive_types = {'snapshot_date': DATE}, union_by_name = true);

CREATE OR REPLACE VIEW fetch_log_history AS
SELECT * FROM read_parquet('{{tables}}/fetch_log/snapshot_date=*/*.parquet',
    hive_partitioning = true, hive_types = {'snapshot_date': DATE}, union_by_name = true);

CREATE OR REPLACE VIEW model_modalities_history AS
SELECT * FROM read_parquet('{{tables}}/model_modalities/snapshot_date=*/*.parquet',
    hive_partitioning = true, hive_types = {'snapshot_date': DATE}, union_by_name = true);

CREATE OR REPLACE VIEW endpoint_supported_parameters_history AS
SELECT * FROM read_parquet('{{tables}}/endpoint_supported_parameters/snapshot_date=*/*.parquet',
    hive_partitioning = true, hive_types = {'snapshot_date': DATE}, union_by_name = true);

CREATE OR REPLACE VIEW endpoint_variable_pricings_history AS
SELECT * FROM read_parquet('{{tables}}/endpoint_variable_pricings/snapshot_date=*/*.parquet',
    hive_partitioning = true, hive_types = {'snapshot_date': DATE}, union_by_name = true);
