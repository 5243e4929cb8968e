-- servq schema v36: the knowledge base where agents work. With approval on, a change to a
-- published article waits as a version (pending_version) while the published text stays
-- live; articles agents used on a ticket (with the version they read); flags raised on an
-- article version (a review coded "wrong information" points at the version involved), open
-- until a later version is published or an editor resolves them.
ALTER TABLE kb_articles ADD COLUMN pending_version BIGINT NOT NULL DEFAULT 0;
CREATE TABLE kb_ticket_links (
    ticket_id TEXT NOT NULL,
    article_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    linked_by TEXT NOT NULL,
    linked_at BIGINT NOT NULL,
    PRIMARY KEY (ticket_id, article_id)
);
CREATE INDEX kb_ticket_links_article ON kb_ticket_links (article_id);
CREATE TABLE kb_flags (
    id BIGSERIAL PRIMARY KEY,
    article_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    -- review_task, manual
    source TEXT NOT NULL,
    source_id TEXT NOT NULL,
    note TEXT NOT NULL,
    flagged_by TEXT NOT NULL,
    flagged_at BIGINT NOT NULL,
    resolved_by TEXT NOT NULL DEFAULT '',
    -- NULL while open
    resolved_at BIGINT
);
CREATE INDEX kb_flags_article ON kb_flags (article_id, resolved_at);
-- the root cause that points at an article: wrong information given to the customer
UPDATE review_reasons SET position = 8 WHERE reason_id = 'agent_other' AND position = 7;
INSERT INTO review_reasons (reason_id, reason_group, name_zh_cn, name_zh_tw, name_en, position, active) VALUES
    ('wrong_information', 'agent', '告知信息错误', '告知資訊錯誤', 'Wrong information given', 7, 1);
