-- Latest-snapshot views: what the catalog looks like on the newest snapshot date.
-- Grain: the table's own grain, one snapshot.
CREATE OR REPLACE VIEW models AS
SELECT * FROM models_history WHERE snapshot_date = (SELECT max(snapshot_date) FROM models_history);

CREATE OR REPLACE VIEW endpoints AS
SELECT * FROM endpoints_history
WHERE snapshot_date = (SELECT max(snapshot_date) FROM endpoints_history);

CREATE OR REPLACE VIEW providers AS
SELECT * FROM providers_history
WHERE snapshot_date = (SELECT max(snapshot_date) FROM providers_history);

CREATE OR REPLACE VIEW data_policies AS
SELECT * FROM data_policies_history
WHERE snapshot_date = (SELECT max(snapshot_date) FROM data_policies_history);

CREATE OR REPLACE VIEW fetch_log AS
SELECT * FROM fetch_log_history
WHERE snapshot_date = (SELECT max(snapshot_date) FROM fetch_log_history);

CREATE OR REPLACE VIEW model_modalities AS
SELECT * FROM model_modalities_history
WHERE snapshot_date = (SELECT max(snapshot_date) FROM model_modalities_history);

CREATE OR REPLACE VIEW endpoint_supported_parameters AS
SELECT * FROM endpoint_supported_parameters_history
WHERE snapshot_date = (SELECT max(snapshot_date) FROM endpoint_supported_parameters_history);

CREATE OR REPLACE VIEW endpoint_variable_pricings AS
SELECT * FROM endpoint_variable_pricings_history
WHERE snapshot_date = (SELECT max(snapshot_date) FROM endpoint_variable_pricings_history);
