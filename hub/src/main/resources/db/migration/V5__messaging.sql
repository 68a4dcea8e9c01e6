-- End-to-end encrypted messaging (MLS). The hub stores ciphertext and routing data only: who is routed to which
-- group, never a group's name, a message's content, or the MLS tree.

-- Signed KeyPackages uploaded by each installation; one-time ones are deleted when handed out, the last-resort one
-- (at most one per installation) is kept.
CREATE TABLE chat_key_packages (
    ref          VARCHAR(64) PRIMARY KEY,
    agent_id     VARCHAR(80) NOT NULL,
    installation VARCHAR(64) NOT NULL,
    last_resort  INTEGER     NOT NULL,
    key_package  ${blob}     NOT NULL,
    created_ms   BIGINT      NOT NULL
);
CREATE INDEX chat_key_packages_owner ON chat_key_packages (agent_id, installation, last_resort);

-- One row per group: the epoch the next commit must be for, and the next position in the group's message log.
CREATE TABLE chat_groups (
    id         VARCHAR(64) PRIMARY KEY,
    epoch      BIGINT      NOT NULL,
    next_seq   BIGINT      NOT NULL,
    created_ms BIGINT      NOT NULL
);

-- Routing: which installations receive a group's messages, from (after) acked_seq up to until_seq when removed.
CREATE TABLE chat_members (
    group_id     VARCHAR(64) NOT NULL,
    agent_id     VARCHAR(80) NOT NULL,
    installation VARCHAR(64) NOT NULL,
    role         VARCHAR(8)  NOT NULL,
    acked_seq    BIGINT      NOT NULL,
    until_seq    BIGINT,
    PRIMARY KEY (group_id, agent_id, installation)
);
CREATE INDEX chat_members_installation ON chat_members (agent_id, installation);

-- Each group's totally ordered log of MLS messages (commits, application messages, Welcomes). A Welcome names its
-- one recipient installation; everything else goes to every routed member but its sender.
CREATE TABLE chat_messages (
    group_id               VARCHAR(64) NOT NULL,
    seq                    BIGINT      NOT NULL,
    kind                   VARCHAR(12) NOT NULL,
    epoch                  BIGINT      NOT NULL,
    sender_agent           VARCHAR(80) NOT NULL,
    sender_installation    VARCHAR(64) NOT NULL,
    recipient_agent        VARCHAR(80),
    recipient_installation VARCHAR(64),
    body                   ${blob}     NOT NULL,
    created_ms             BIGINT      NOT NULL,
    PRIMARY KEY (group_id, seq)
);
CREATE INDEX chat_messages_age ON chat_messages (created_ms);

-- Senders an agent refuses: the hub drops their messages and Welcomes to that agent and refuses them its
-- KeyPackages.
CREATE TABLE chat_denials (
    agent_id   VARCHAR(80) NOT NULL,
    denied_id  VARCHAR(80) NOT NULL,
    created_ms BIGINT      NOT NULL,
    PRIMARY KEY (agent_id, denied_id)
);

-- Direct conversations: the one two-member group of a pair of identities (pair_key = the two ids, sorted, '|').
CREATE TABLE chat_direct (
    pair_key VARCHAR(170) PRIMARY KEY,
    group_id VARCHAR(64)  NOT NULL
);
