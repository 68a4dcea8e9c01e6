-- The transparency log: entries in order, and the signed checkpoints that cover them.
CREATE TABLE log_entries (
    idx          BIGINT      PRIMARY KEY,
    leaf_hash    ${blob}     NOT NULL,
    entry        ${blob}     NOT NULL,
    submitted_by VARCHAR(80) NOT NULL,
    created_ms   BIGINT      NOT NULL
);

CREATE TABLE log_checkpoints (
    size       BIGINT  PRIMARY KEY,
    root       ${blob} NOT NULL,
    note       TEXT    NOT NULL,
    created_ms BIGINT  NOT NULL
);
