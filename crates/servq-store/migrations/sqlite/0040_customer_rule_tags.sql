-- servq schema v40: tags computed by the centre's tag rules (docs/customers.md#rule-tags), kept
-- apart from the typed ones in customers.tags so a recomputation never touches what people
-- wrote. Any customer id may be tagged, with a profile or known only from their history.
CREATE TABLE customer_rule_tags (
    customer_id TEXT NOT NULL,
    tag TEXT NOT NULL,
    PRIMARY KEY (customer_id, tag)
);
CREATE INDEX customer_rule_tags_tag ON customer_rule_tags (tag);
