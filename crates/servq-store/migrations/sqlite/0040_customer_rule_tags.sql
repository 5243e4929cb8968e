-- servq schema v40: tags computed by the centre's tag rules (docs/customers.md#rule-tags), kept
-- apart from the typed ones in customers.tags so a recomputation never touches what people
-- wrote. Any customer id may be tagged, with a profile or known only from their history.
CREATE TABLE customer_rule_tags (
    customer_id TEXT NOT NULL,
    tag TEXT NOT NULL,
    PRIMARY KEY (customer_id, tag)
);
CREATE INDEX customer_rule_tags_tag ON customer_rule_tags (tag);

-- duplicates merged into one customer (docs/customers.md#merging): the merged id's contacts,
-- tickets and survey invitations now carry the kept id; this row keeps where they came from and
-- the profile the merged id had, and sends a look-up of the old id to the kept one.
CREATE TABLE customer_merges (
    merged_id TEXT PRIMARY KEY,
    into_id TEXT NOT NULL,
    merged_at BIGINT NOT NULL,
    merged_by TEXT NOT NULL,
    -- JSON: the merged id's profile as it was ({} without one) and what moved
    detail TEXT NOT NULL
);
CREATE INDEX customer_merges_into ON customer_merges (into_id);
