-- Witness cosignatures (C2SP tlog-cosignature) collected for checkpoints; one line per witness and tree size.
CREATE TABLE log_cosignatures (
    size       BIGINT       NOT NULL,
    witness    VARCHAR(200) NOT NULL,
    line       TEXT         NOT NULL,
    created_ms BIGINT       NOT NULL,
    PRIMARY KEY (size, witness)
);
