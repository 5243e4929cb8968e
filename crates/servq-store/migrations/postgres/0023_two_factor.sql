-- servq schema v23: optional two-factor sign-in (TOTP, RFC 6238). A user's secret (Base32) is
-- set when they start enrolling and counts once they confirm a code; the last step used is kept
-- so a code cannot be replayed. Recovery codes are stored as SHA-256 digests, each usable once.
-- A password accepted for a user with two-factor leaves a challenge (its token's digest) that
-- the code must answer within five minutes.
ALTER TABLE users ADD COLUMN totp_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN totp_enabled BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;

CREATE TABLE user_recovery_codes (
    user_id TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    used_at BIGINT,
    PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE login_challenges (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
