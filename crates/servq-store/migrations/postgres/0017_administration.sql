-- servq schema v17 (PostgreSQL): administration — API tokens with a public id, an expiry, a
-- read-only scope and revocation; users linked to the teams they supervise.
--
-- A token is listed and revoked by its public id (the first 12 hex digits of its SHA-256, never
-- the secret). Tokens made before this version keep no expiry (NULL) until revoked.
ALTER TABLE api_tokens ADD COLUMN token_id TEXT NOT NULL DEFAULT '';
UPDATE api_tokens SET token_id = substr(token_hash, 1, 12);
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT;
ALTER TABLE api_tokens ADD COLUMN read_only BIGINT NOT NULL DEFAULT 0;
ALTER TABLE api_tokens ADD COLUMN revoked_at BIGINT;
ALTER TABLE api_tokens ADD COLUMN created_by TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX api_tokens_id ON api_tokens (token_id);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE user_teams (
    user_id TEXT NOT NULL REFERENCES users (user_id),
    team TEXT NOT NULL,
    PRIMARY KEY (user_id, team)
);
