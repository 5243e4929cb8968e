-- servq schema v43: the front-desk ledgers (docs/ledgers.md). One row per entry of any ledger:
-- its facts (JSON, kept for the counts) and its personal data (JSON, NULL once retention has
-- anonymised it); kind and status are what the summary groups by.
CREATE TABLE ledger_entries (
    -- lending, lost_found, medicine, membership, paid_services
    ledger TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    -- item type, found category, medicine use, card request, service
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    -- the entry's first time stamp (lent, found, used, requested, served)
    opened_at BIGINT NOT NULL,
    -- returned, claimed or disposed, used, done, served; NULL while open
    closed_at BIGINT,
    -- deposit (lending) or price (paid services), fen
    amount_fen BIGINT,
    item_code TEXT,
    facts TEXT NOT NULL,
    personal TEXT,
    anonymised_at BIGINT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (ledger, entry_id)
);
CREATE INDEX ledger_entries_opened ON ledger_entries (ledger, opened_at);
CREATE INDEX ledger_entries_status ON ledger_entries (ledger, status);
CREATE INDEX ledger_entries_closed ON ledger_entries (ledger, closed_at);

-- The deposit money ledger: append-only; a correction is a new row (negative for downwards).
CREATE TABLE ledger_deposits (
    id INTEGER PRIMARY KEY,
    -- the lending entry
    entry_id TEXT NOT NULL,
    -- taken, refunded, withheld
    movement TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    method TEXT NOT NULL,
    reason TEXT NOT NULL,
    at BIGINT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);
CREATE INDEX ledger_deposits_entry ON ledger_deposits (entry_id);
CREATE INDEX ledger_deposits_at ON ledger_deposits (at);

-- Images kept with an entry: a claimant's signature (personal: removed with the personal data)
-- and a found item's photo.
CREATE TABLE ledger_files (
    ledger TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    -- signature, photo
    role TEXT NOT NULL,
    content_type TEXT NOT NULL,
    data BLOB NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (ledger, entry_id, role)
);

-- The items the desk lends.
CREATE TABLE lending_items (
    item_code TEXT PRIMARY KEY,
    item_type TEXT NOT NULL,
    -- good, damaged, retired
    item_condition TEXT NOT NULL,
    note TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- The emergency medicine kit: stock per medicine, its earliest expiry and the warning level.
CREATE TABLE medicine_stock (
    medicine TEXT PRIMARY KEY,
    quantity BIGINT NOT NULL,
    min_quantity BIGINT NOT NULL,
    -- YYYY-MM-DD, '' when unknown
    expires_on TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
