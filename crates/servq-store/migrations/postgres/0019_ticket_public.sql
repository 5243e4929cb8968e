-- servq schema v19 (PostgreSQL): what the customer's status page needs. A ticket's public
-- summary is what the customer sees instead of the desk's subject (which may hold staff
-- shorthand); empty: the page says "your request" with the ticket type. The replies customers
-- send from the page are counted for its hourly limits (per ticket and per client address); a
-- row is kept for an hour and holds the address only as its SHA-256.
ALTER TABLE tickets ADD COLUMN public_summary TEXT NOT NULL DEFAULT '';

CREATE TABLE ticket_public_replies (
    id BIGSERIAL PRIMARY KEY,
    ticket_id TEXT NOT NULL,
    -- SHA-256 (hex) of the client's address
    client TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX ticket_public_replies_ticket ON ticket_public_replies (ticket_id, at);
CREATE INDEX ticket_public_replies_client ON ticket_public_replies (client, at);
