-- One migration set for SQLite and PostgreSQL. Times are epoch milliseconds; ${blob} is BLOB or BYTEA.

-- Identities are public: their verified key event logs. No secret of any kind is stored for them.
CREATE TABLE identities (
    id          VARCHAR(80)  PRIMARY KEY,
    kind        VARCHAR(8)   NOT NULL,
    seq         BIGINT       NOT NULL,
    current_key VARCHAR(64)  NOT NULL,
    kel         TEXT         NOT NULL,
    created_ms  BIGINT       NOT NULL,
    updated_ms  BIGINT       NOT NULL
);

-- Request nonces seen within the replay window, shared by every hub process on one database.
CREATE TABLE nonces (
    keyid      VARCHAR(120) NOT NULL,
    nonce      VARCHAR(128) NOT NULL,
    expires_ms BIGINT       NOT NULL,
    PRIMARY KEY (keyid, nonce)
);
CREATE INDEX nonces_expiry ON nonces (expires_ms);

-- Owner PII, sealed with a per-owner data key; the data key is wrapped by a master key that is never stored here.
CREATE TABLE owners (
    id            VARCHAR(80) PRIMARY KEY,
    master_key_id VARCHAR(32) NOT NULL,
    wrapped_key   ${blob}     NOT NULL,
    email_ct      ${blob}     NOT NULL,
    name_ct       ${blob}     NOT NULL,
    created_ms    BIGINT      NOT NULL
);

-- Agent to owner links, with the agent's signed consent (a DSSE envelope) kept as evidence.
CREATE TABLE agent_owners (
    agent_id  VARCHAR(80) PRIMARY KEY,
    owner_id  VARCHAR(80) NOT NULL,
    consent   TEXT        NOT NULL,
    linked_ms BIGINT      NOT NULL
);
CREATE INDEX agent_owners_owner ON agent_owners (owner_id);

-- Every read of an owner's data, by anyone; visible to the owner.
CREATE TABLE access_log (
    id       VARCHAR(32)  PRIMARY KEY,
    owner_id VARCHAR(80)  NOT NULL,
    at_ms    BIGINT       NOT NULL,
    actor    VARCHAR(120) NOT NULL,
    action   VARCHAR(40)  NOT NULL,
    detail   TEXT         NOT NULL
);
CREATE INDEX access_log_owner ON access_log (owner_id, at_ms);
