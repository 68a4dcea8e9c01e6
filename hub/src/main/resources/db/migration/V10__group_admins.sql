-- Who may change a group's routing: the agents its group policy names as admins (every installation of each), the
-- same policy every member's client enforces, read from the GroupInfo uploaded with the group's creation and its
-- commits (the creator alone when a group was registered without one). This replaces the per-installation role,
-- which made only the creating installation an admin.
CREATE TABLE chat_group_admins (
    group_id VARCHAR(64) NOT NULL,
    agent_id VARCHAR(80) NOT NULL,
    PRIMARY KEY (group_id, agent_id)
);
INSERT INTO chat_group_admins (group_id, agent_id)
    SELECT DISTINCT group_id, agent_id FROM chat_members WHERE role = 'admin';
ALTER TABLE chat_members DROP COLUMN role;
