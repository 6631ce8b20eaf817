-- The printernizer-stats receiver's schema for mssql, generated from its Alembic migrations
-- by `printernizer-stats migrate --sql mssql`. DO NOT EDIT: a test keeps it in sync.

CREATE TABLE alembic_version (
    version_num VARCHAR(32) NOT NULL, 
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

GO

-- Running upgrade  -> 0001

CREATE TABLE installations (
    installation_id VARCHAR(36) NOT NULL, 
    first_week DATE NOT NULL, 
    last_week DATE NOT NULL, 
    app_version VARCHAR(16) NOT NULL, 
    deployment_mode VARCHAR(32) NOT NULL, 
    country_code VARCHAR(2) NOT NULL, 
    python_version VARCHAR(5) NOT NULL, 
    platform VARCHAR(32) NOT NULL, 
    registry_version INTEGER NOT NULL, 
    CONSTRAINT pk_installations PRIMARY KEY (installation_id)
);

GO

CREATE INDEX ix_installations_last_week ON installations (last_week);

GO

CREATE TABLE daily_stats (
    period DATE NOT NULL, 
    installation_id VARCHAR(36) NOT NULL, 
    app_version VARCHAR(16) NOT NULL, 
    deployment_mode VARCHAR(32) NOT NULL, 
    country_code VARCHAR(2) NOT NULL, 
    python_version VARCHAR(5) NOT NULL, 
    platform VARCHAR(32) NOT NULL, 
    jobs_created BIGINT NULL, 
    jobs_completed BIGINT NULL, 
    jobs_failed BIGINT NULL, 
    files_downloaded BIGINT NULL, 
    files_uploaded BIGINT NULL, 
    error_count BIGINT NULL, 
    printer_count BIGINT NULL, 
    uptime_days BIGINT NULL, 
    CONSTRAINT pk_daily_stats PRIMARY KEY (period, installation_id)
);

GO

CREATE TABLE events_summary (
    period DATE NOT NULL, 
    installation_id VARCHAR(36) NOT NULL, 
    metric VARCHAR(100) NOT NULL, 
    attributes VARCHAR(256) NOT NULL, 
    value FLOAT(53) NOT NULL, 
    sample_count BIGINT NULL, 
    bucket_counts VARCHAR(256) NULL, 
    CONSTRAINT pk_events_summary PRIMARY KEY (period, installation_id, metric, attributes)
);

GO

CREATE TABLE batches (
    batch_id VARCHAR(36) NOT NULL, 
    kind VARCHAR(16) NOT NULL, 
    installation_id VARCHAR(36) NULL, 
    period DATE NULL, 
    receipt VARCHAR(64) NOT NULL, 
    stored_points INTEGER NOT NULL, 
    rejected_points INTEGER NOT NULL, 
    received_week DATE NOT NULL, 
    CONSTRAINT pk_batches PRIMARY KEY (batch_id)
);

GO

CREATE INDEX ix_batches_installation_id ON batches (installation_id);

GO

CREATE INDEX ix_batches_received_week ON batches (received_week);

GO

INSERT INTO alembic_version (version_num) OUTPUT inserted.version_num VALUES ('0001');

GO

-- Running upgrade 0001 -> 0002

CREATE TABLE weekly_rollups (
    period DATE NOT NULL, 
    figure VARCHAR(64) NOT NULL, 
    group_1 VARCHAR(256) NOT NULL, 
    group_2 VARCHAR(256) NOT NULL, 
    installations BIGINT NOT NULL, 
    measures VARCHAR(1024) NOT NULL, 
    CONSTRAINT pk_weekly_rollups PRIMARY KEY (period, figure, group_1, group_2)
);

GO

UPDATE alembic_version SET version_num='0002' WHERE alembic_version.version_num = '0001';

GO

-- Running upgrade 0002 -> 0003

CREATE TABLE figure_rollups (
    period DATE NOT NULL, 
    figure VARCHAR(64) NOT NULL, 
    group_1 VARCHAR(256) NOT NULL, 
    group_2 VARCHAR(256) NOT NULL, 
    installations BIGINT NOT NULL, 
    jobs FLOAT(53) NOT NULL, 
    errors FLOAT(53) NOT NULL, 
    printers FLOAT(53) NOT NULL, 
    enabled FLOAT(53) NOT NULL, 
    errors_sq FLOAT(53) NOT NULL, 
    jobs_sq FLOAT(53) NOT NULL, 
    errors_jobs FLOAT(53) NOT NULL, 
    CONSTRAINT pk_figure_rollups PRIMARY KEY (period, figure, group_1, group_2)
);

GO

UPDATE alembic_version SET version_num='0003' WHERE alembic_version.version_num = '0002';

GO

-- Running upgrade 0003 -> 0004

ALTER TABLE events_summary DROP CONSTRAINT pk_events_summary;

GO

CREATE CLUSTERED COLUMNSTORE INDEX cci_events_summary ON events_summary;

GO

ALTER TABLE events_summary ADD CONSTRAINT pk_events_summary PRIMARY KEY NONCLUSTERED (period, installation_id, metric, attributes);

GO

UPDATE alembic_version SET version_num='0004' WHERE alembic_version.version_num = '0003';

GO

-- Running upgrade 0004 -> 0005

CREATE TABLE verifiers (
    installation_id VARCHAR(36) NOT NULL, 
    verifier VARCHAR(64) NOT NULL, 
    registered_week DATE NOT NULL, 
    CONSTRAINT pk_verifiers PRIMARY KEY (installation_id)
);

GO

UPDATE alembic_version SET version_num='0005' WHERE alembic_version.version_num = '0004';

GO

-- Running upgrade 0005 -> 0006

CREATE INDEX ix_batches_period ON batches (period);

GO

UPDATE alembic_version SET version_num='0006' WHERE alembic_version.version_num = '0005';

GO

-- Running upgrade 0006 -> 0007

UPDATE batches SET kind='weekly' WHERE batches.kind = 'week';

GO

UPDATE alembic_version SET version_num='0007' WHERE alembic_version.version_num = '0006';

GO

-- Running upgrade 0007 -> 0008

ALTER TABLE installations ADD first_received_week DATE NOT NULL DEFAULT '2000-01-03';

GO

ALTER TABLE installations ADD last_received_week DATE NOT NULL DEFAULT '2000-01-03';

GO

UPDATE installations SET first_received_week = COALESCE((SELECT min(b.received_week) FROM batches b WHERE b.installation_id = installations.installation_id AND b.period IS NOT NULL), last_week);

GO

UPDATE installations SET last_received_week = COALESCE((SELECT max(b.received_week) FROM batches b WHERE b.installation_id = installations.installation_id AND b.period IS NOT NULL), last_week);

GO

declare @const_name varchar(256)
select @const_name = QUOTENAME([name]) from sys.default_constraints
where parent_object_id = object_id('installations')
and col_name(parent_object_id, parent_column_id) = 'first_received_week'
exec('alter table installations drop constraint ' + @const_name);

GO

declare @const_name varchar(256)
select @const_name = QUOTENAME([name]) from sys.default_constraints
where parent_object_id = object_id('installations')
and col_name(parent_object_id, parent_column_id) = 'last_received_week'
exec('alter table installations drop constraint ' + @const_name);

GO

DELETE FROM figure_rollups;

GO

UPDATE alembic_version SET version_num='0008' WHERE alembic_version.version_num = '0007';

GO

