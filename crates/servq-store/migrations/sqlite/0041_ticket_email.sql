-- servq schema v41: the e-mail channel of tickets (docs/email.md). Every message read from a
-- mailbox or pushed to the inbound endpoint, and every reply sent, is one row keyed by its
-- Message-ID (a SHA-256 of the raw message when it has none). Inserting the row claims the
-- message: several servers polling one mailbox import each message once; a claim left
-- unfinished (a server stopped mid-import) may be taken again after its lease.
CREATE TABLE ticket_emails (
    message_id TEXT PRIMARY KEY,
    -- inbound | outbound
    direction TEXT NOT NULL,
    -- claimed | opened | threaded | ignored | sent
    outcome TEXT NOT NULL,
    -- why a message was ignored (auto_reply, bounce, own_address, ...), else empty
    reason TEXT NOT NULL,
    ticket_id TEXT,
    from_address TEXT NOT NULL,
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    -- the mailbox it was read from, 'upload' for the endpoint, 'outbox' for replies
    mailbox TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX ticket_emails_ticket ON ticket_emails (ticket_id, at);
CREATE INDEX ticket_emails_sender ON ticket_emails (direction, to_address, at);

-- how far each mailbox was read: UIDs above last_uid are new while uid_validity stays
CREATE TABLE mailbox_cursors (
    mailbox TEXT PRIMARY KEY,
    uid_validity BIGINT NOT NULL,
    last_uid BIGINT NOT NULL
);

-- an e-mail in the outbox may carry its own recipient address and threading headers (JSON:
-- message_id, in_reply_to, references); empty for the list e-mails of before
ALTER TABLE outbox ADD COLUMN headers TEXT NOT NULL DEFAULT '';
