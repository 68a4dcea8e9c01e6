-- The skill registry. Every row that carries an envelope points at the transparency-log entry holding it.
CREATE TABLE skill_namespaces (
    namespace  VARCHAR(64) PRIMARY KEY,
    owner_id   VARCHAR(80) NOT NULL,
    claim      TEXT        NOT NULL,
    log_index  BIGINT      NOT NULL,
    created_ms BIGINT      NOT NULL
);

-- Package bytes by SHA-256 (hex); uploaded before the publication that names them.
CREATE TABLE skill_blobs (
    digest      CHAR(64)    PRIMARY KEY,
    bytes       ${blob}     NOT NULL,
    size        BIGINT      NOT NULL,
    uploaded_by VARCHAR(80) NOT NULL,
    created_ms  BIGINT      NOT NULL
);

-- A version is immutable: its digest never changes once published.
CREATE TABLE skill_versions (
    name            VARCHAR(100) NOT NULL,
    version         VARCHAR(64)  NOT NULL,
    digest          CHAR(64)     NOT NULL,
    publisher_id    VARCHAR(80)  NOT NULL,
    envelope        TEXT         NOT NULL,
    log_index       BIGINT       NOT NULL,
    confusable_with TEXT,
    created_ms      BIGINT       NOT NULL,
    PRIMARY KEY (name, version)
);
CREATE INDEX skill_versions_digest ON skill_versions (digest);

-- Audits, vouches and revocations; the log index is unique, so it is the key.
CREATE TABLE skill_attestations (
    log_index  BIGINT       PRIMARY KEY,
    name       VARCHAR(100) NOT NULL,
    version    VARCHAR(64)  NOT NULL,
    digest     CHAR(64)     NOT NULL,
    kind       VARCHAR(16)  NOT NULL,
    signer_id  VARCHAR(80)  NOT NULL,
    envelope   TEXT         NOT NULL,
    created_ms BIGINT       NOT NULL
);
CREATE INDEX skill_attestations_subject ON skill_attestations (name, version);

-- Parts of a package larger than one request body, until the uploader assembles them.
CREATE TABLE skill_upload_parts (
    digest      CHAR(64)    NOT NULL,
    uploaded_by VARCHAR(80) NOT NULL,
    part        INTEGER     NOT NULL,
    bytes       ${blob}     NOT NULL,
    created_ms  BIGINT      NOT NULL,
    PRIMARY KEY (digest, uploaded_by, part)
);
