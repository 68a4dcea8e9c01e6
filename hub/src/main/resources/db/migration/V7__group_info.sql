-- The latest GroupInfo of each group (an MLS GroupInfo with the ratchet tree and external_pub, signed by the member
-- whose commit created that epoch). Uploaded with each commit; served only to installations the group is routed to,
-- so that one that fell behind can rejoin by an external commit (a resync of its own leaf).
CREATE TABLE chat_group_info (
    group_id   VARCHAR(64) PRIMARY KEY,
    epoch      BIGINT      NOT NULL,
    body       ${blob}     NOT NULL,
    created_ms BIGINT      NOT NULL
);
