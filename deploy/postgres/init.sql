-- Run once by the postgres image, on the first start with an empty data volume
-- (mounted into /docker-entrypoint-initdb.d by docker-compose.yml).
-- temporal, temporal_visibility: the Temporal server's stores; their schema is set up and upgraded by
--   the temporal-admin-tools job (deploy/temporal/setup-schema.sh).
-- ehcp: the service's case records, read model, audit log and outbox; its schema is `ehcp migrate`.
CREATE DATABASE temporal;
CREATE DATABASE temporal_visibility;
CREATE DATABASE ehcp;
