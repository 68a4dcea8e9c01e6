-- Statements owed to the transparency log: written in the same transaction as the change they record, deleted once
-- appended, so a crash between the two cannot leave a committed change unlogged.
CREATE TABLE log_outbox (
    id           VARCHAR(40)  PRIMARY KEY,
    entry        ${blob}      NOT NULL,
    submitted_by VARCHAR(80)  NOT NULL,
    created_ms   BIGINT       NOT NULL
);
