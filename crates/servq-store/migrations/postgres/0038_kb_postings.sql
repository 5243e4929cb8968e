-- servq schema v38: the knowledge base's search index as plain rows, the same on both engines.
-- For each token the published articles holding it (id, title and body counts, weighted length,
-- public or not), cut into blocks by article so that saving one article rewrites one small block
-- per token (servq_kb::postings). A search reads its tokens' rows and nothing else; the FTS5 /
-- tsvector index it replaces found candidates but left every candidate's terms to be read, which
-- kept a common word's search over 50 000 articles near a second. Filled from kb_articles.terms
-- when the store opens (Store::open).
DROP TABLE kb_search;
CREATE TABLE kb_postings (
    term TEXT NOT NULL,
    block BIGINT NOT NULL,
    entries BYTEA NOT NULL,
    PRIMARY KEY (term, block)
);
