-- servq schema v39: customer profiles. Contacts, tickets and survey answers carried a customer_id
-- before; this is the customer it names — imported (`servq import customers`, keyed by the id)
-- or saved by a form — with the centre's own fields as a JSON object. History is not copied
-- here: the customer page reads it from the contacts, tickets, survey answers and return visits.
CREATE TABLE customers (
    customer_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    phone TEXT NOT NULL,
    -- lower case
    email TEXT NOT NULL,
    -- zh-CN, zh-TW, en; '' for the centre's language
    language TEXT NOT NULL,
    segment TEXT NOT NULL,
    -- JSON array of strings
    tags TEXT NOT NULL,
    -- YYYY-MM-DD, '' for none
    since TEXT NOT NULL,
    closed_at TEXT NOT NULL,
    -- JSON object: the centre's own fields
    attributes TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX customers_segment ON customers (segment);
CREATE INDEX customers_email ON customers (email);
-- an answer to an invitation sent to the customer is theirs (the customer page)
CREATE INDEX survey_responses_invitation ON survey_responses (invitation_id);
