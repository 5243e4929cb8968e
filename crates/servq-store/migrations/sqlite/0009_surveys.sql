-- servq schema v9 (SQLite): survey templates (versioned), dispatch rules, invitations (one per
-- contact, token stored as its SHA-256), responses credited to the contact's agent, and the review
-- of unsatisfied responses with two editable reason taxonomies.
CREATE TABLE survey_templates (
    template_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    name TEXT NOT NULL,
    -- the template (questions, scales, dimensions) as JSON
    definition TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (template_id, version)
);

CREATE TABLE survey_rules (
    rule_id TEXT PRIMARY KEY,
    position BIGINT NOT NULL,
    template_id TEXT NOT NULL,
    -- comma-separated; empty = every channel / category
    channels TEXT NOT NULL,
    categories TEXT NOT NULL,
    delay_minutes BIGINT NOT NULL,
    sample_percent BIGINT NOT NULL,
    -- minutes after local midnight; start = end means no quiet hours
    quiet_start_minute BIGINT NOT NULL,
    quiet_end_minute BIGINT NOT NULL,
    no_repeat_days BIGINT NOT NULL,
    expiry_hours BIGINT NOT NULL,
    -- email | sms | webhook
    send_via TEXT NOT NULL,
    -- language of the message and the survey page: en | zh-CN | zh-TW
    locale TEXT NOT NULL,
    active BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE survey_invitations (
    invitation_id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    contact_id TEXT NOT NULL UNIQUE,
    customer_id TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    template_id TEXT NOT NULL,
    template_version BIGINT NOT NULL,
    rule_id TEXT NOT NULL,
    send_via TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    -- the text to send (holds the link); cleared once sent
    message TEXT NOT NULL,
    sent_at BIGINT,
    used_at BIGINT
);
CREATE INDEX survey_invitations_customer ON survey_invitations (customer_id, created_at);
CREATE INDEX survey_invitations_unsent ON survey_invitations (sent_at, created_at);

CREATE TABLE survey_responses (
    response_id TEXT PRIMARY KEY,
    invitation_id TEXT,
    contact_id TEXT NOT NULL,
    -- the agent who handled the contact, fixed when the response arrives
    agent_id TEXT NOT NULL,
    template_id TEXT NOT NULL,
    template_version BIGINT NOT NULL,
    responded_at BIGINT NOT NULL,
    -- CSAT on the 1-5 scale (three-level answers stored as 5/3/1)
    csat BIGINT,
    nps BIGINT,
    ces BIGINT,
    stage_greeting BIGINT,
    stage_understanding BIGINT,
    stage_answer BIGINT,
    stage_farewell BIGINT,
    comment TEXT NOT NULL,
    -- page | api | import
    source TEXT NOT NULL
);
CREATE INDEX survey_responses_contact ON survey_responses (contact_id);
CREATE INDEX survey_responses_at ON survey_responses (responded_at);

CREATE TABLE review_reasons (
    reason_id TEXT PRIMARY KEY,
    -- agent | other
    reason_group TEXT NOT NULL,
    name_zh_cn TEXT NOT NULL,
    name_zh_tw TEXT NOT NULL,
    name_en TEXT NOT NULL,
    position BIGINT NOT NULL,
    active BIGINT NOT NULL
);

CREATE TABLE review_tasks (
    response_id TEXT PRIMARY KEY,
    contact_id TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    opened_at BIGINT NOT NULL,
    -- open | coded
    status TEXT NOT NULL,
    inspector TEXT NOT NULL,
    note TEXT NOT NULL,
    coded_at BIGINT
);
CREATE INDEX review_tasks_open ON review_tasks (status, opened_at);

CREATE TABLE review_task_reasons (
    response_id TEXT NOT NULL,
    reason_id TEXT NOT NULL,
    PRIMARY KEY (response_id, reason_id)
);

-- the study's reason lists (reference.md); editable
INSERT INTO review_reasons (reason_id, reason_group, name_zh_cn, name_zh_tw, name_en, position, active) VALUES
    ('flat_tone', 'agent', '语气平淡', '語氣平淡', 'Flat tone', 1, 1),
    ('casual_wording', 'agent', '表达、用语随意', '表達、用語隨意', 'Casual expression or wording', 2, 1),
    ('interrupting', 'agent', '抢话', '搶話', 'Interrupting the customer', 3, 1),
    ('impatient', 'agent', '出现不耐烦语气', '出現不耐煩語氣', 'Impatient tone', 4, 1),
    ('inflexible', 'agent', '处理不灵活', '處理不靈活', 'Inflexible handling', 5, 1),
    ('unfamiliar_business', 'agent', '业务不熟练', '業務不熟練', 'Unfamiliar with the business', 6, 1),
    ('agent_other', 'agent', '其他（坐席）', '其他（坐席）', 'Other (agent)', 7, 1),
    ('process_system', 'other', '业务流程或系统设置', '業務流程或系統設置', 'Business process or system settings', 1, 1),
    ('credit_limit', 'other', '额度调整', '額度調整', 'Credit-limit adjustment', 2, 1),
    ('frozen_card', 'other', '卡片冻结', '卡片凍結', 'Frozen card', 3, 1),
    ('card_mailing', 'other', '卡片寄送时间', '卡片寄送時間', 'Card mailing time', 4, 1),
    ('bills_sms', 'other', '账单、短信', '帳單、簡訊', 'Bills and SMS', 5, 1),
    ('policy', 'other', '政策', '政策', 'Policy', 6, 1),
    ('customer_situation', 'other', '客户自身原因（逾期还款、理解偏差）', '客戶自身原因（逾期還款、理解偏差）', 'The customer''s own situation (late repayment, understanding)', 7, 1),
    ('other', 'other', '其他', '其他', 'Other', 8, 1);
