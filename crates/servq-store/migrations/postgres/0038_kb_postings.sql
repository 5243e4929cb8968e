-- servq schema v38: the knowledge base's search index as plain rows, the same on both engines.
-- For each token the published articles holding it (id, title and body counts, weighted length,
-- public or not), cut into blocks by article so that saving one article rewrites one small block
-- per token (servq_kb::postings). A search reads its tokens' rows and nothing else; the FTS5 /
-- tsvector index it replaces found candidates but left every candidate's terms to be read, which
-- kept a common word's search over 50 000 articles near a second. Filled from kb_articles.terms
-- when the store opens (Store::open). BM25's collection — how many articles are published and
-- their total weighted length — is one row kept by the same writes (adding differences, so
-- concurrent saves both count); summing the wide article rows took 60–80 ms at 50 000.
DROP TABLE kb_search;
CREATE TABLE kb_collection (
    id BIGINT PRIMARY KEY,
    documents BIGINT NOT NULL,
    total_length BIGINT NOT NULL
);
INSERT INTO kb_collection (id, documents, total_length)
SELECT 1, COUNT(*), COALESCE(SUM(length), 0) FROM kb_articles WHERE status = 'published';
CREATE TABLE kb_postings (
    term TEXT NOT NULL,
    block BIGINT NOT NULL,
    entries BYTEA NOT NULL,
    PRIMARY KEY (term, block)
);
