-- servq schema v35: the knowledge base. An article's current state (with its search terms:
-- `token:title_count:body_count` pairs and the weighted length BM25 uses, computed by servq-kb)
-- and every saved version (author, note). The search index finds candidates only — FTS5 here,
-- a tsvector with a GIN index on PostgreSQL, both over the same pre-cut tokens — and servq-kb
-- scores them, so both engines rank alike. Searches are logged (zero-result ones are the
-- content-gap list); the centre's own terms extend the Chinese dictionary.
CREATE TABLE kb_articles (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    -- basic, advanced, expert
    level TEXT NOT NULL,
    -- JSON array of strings
    tags TEXT NOT NULL,
    category TEXT NOT NULL,
    -- internal, public
    audience TEXT NOT NULL,
    -- zh-CN, zh-TW, en
    language TEXT NOT NULL,
    owner TEXT NOT NULL,
    -- YYYY-MM-DD, '' for none
    review_date TEXT NOT NULL,
    -- draft, in_review, published
    status TEXT NOT NULL,
    version BIGINT NOT NULL,
    terms TEXT NOT NULL,
    length BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX kb_articles_status ON kb_articles (status, audience);
CREATE TABLE kb_versions (
    article_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    level TEXT NOT NULL,
    tags TEXT NOT NULL,
    category TEXT NOT NULL,
    audience TEXT NOT NULL,
    language TEXT NOT NULL,
    owner TEXT NOT NULL,
    status TEXT NOT NULL,
    author TEXT NOT NULL,
    note TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (article_id, version)
);
CREATE TABLE kb_search_log (
    id BIGSERIAL PRIMARY KEY,
    query TEXT NOT NULL,
    results BIGINT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX kb_search_log_results ON kb_search_log (results, at);
CREATE TABLE kb_terms (
    term TEXT PRIMARY KEY,
    added_by TEXT NOT NULL,
    added_at BIGINT NOT NULL
);
-- the tokens as lexemes, verbatim (built with ::tsvector from quoted tokens, no parser)
CREATE TABLE kb_search (
    article_id TEXT PRIMARY KEY,
    tokens tsvector NOT NULL
);
CREATE INDEX kb_search_tokens ON kb_search USING GIN (tokens);
