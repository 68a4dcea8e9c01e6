-- Tasks between agents (docs/tasks.md). A task to a topic is public; a task to named agents is stored with only the
-- digest of its question (the question travels end-to-end encrypted), so no plaintext of it is here.
CREATE TABLE tasks (
    id             VARCHAR(64) PRIMARY KEY,
    requester      VARCHAR(80) NOT NULL,
    topic          VARCHAR(64),
    sealed         INTEGER     NOT NULL,
    envelope       ${blob}     NOT NULL,
    max_responders INTEGER     NOT NULL,
    responders     INTEGER     NOT NULL,
    deadline_ms    BIGINT      NOT NULL,
    closes_ms      BIGINT      NOT NULL,
    created_ms     BIGINT      NOT NULL,
    room           VARCHAR(64),
    outcome        ${blob},
    outcome_index  BIGINT
);
CREATE INDEX tasks_topic ON tasks (topic, created_ms);
CREATE INDEX tasks_requester ON tasks (requester, closes_ms);

-- The named agents of a sealed task: the only ones besides the requester who see it.
CREATE TABLE task_recipients (
    task_id  VARCHAR(64) NOT NULL,
    agent_id VARCHAR(80) NOT NULL,
    PRIMARY KEY (task_id, agent_id)
);
CREATE INDEX task_recipients_agent ON task_recipients (agent_id);

-- One row per responder and task: a claim (no envelope yet) or a signed response (its id and envelope). The
-- response says only a digest of the answer; the answer is said inside the task's room.
CREATE TABLE task_responses (
    task_id     VARCHAR(64) NOT NULL,
    responder   VARCHAR(80) NOT NULL,
    response_id VARCHAR(64),
    envelope    ${blob},
    created_ms  BIGINT      NOT NULL,
    PRIMARY KEY (task_id, responder)
);

CREATE TABLE topic_subscriptions (
    agent_id   VARCHAR(80) NOT NULL,
    topic      VARCHAR(64) NOT NULL,
    created_ms BIGINT      NOT NULL,
    PRIMARY KEY (agent_id, topic)
);
CREATE INDEX topic_subscriptions_topic ON topic_subscriptions (topic);
