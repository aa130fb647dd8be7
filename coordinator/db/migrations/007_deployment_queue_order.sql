-- Queue order of deployments. created_at is stored to the millisecond, so two deployments created
-- for one instance within the same millisecond tied, and the random id decided which went first.
-- An identity column records the order of creation; existing rows get numbers in id order, which
-- only matters among such ties.
ALTER TABLE deployments ADD COLUMN queue_seq BIGINT GENERATED ALWAYS AS IDENTITY;
CREATE INDEX deployments_queue ON deployments (instance_id, status, created_at, queue_seq);
