"""The accounts' tables: columns added to ``api_users``, the page sessions,
the failed log-ins, the single sign-on attempts and the administrators' audit
trail.

Every statement is safe to run again (``IF NOT EXISTS``), so a database made
before accounts existed gains them when the API next starts. The failed
log-ins and the audit trail are append-only: a trigger refuses any update or
delete, whoever asks.
"""

from __future__ import annotations

DDL = """
ALTER TABLE api_users ADD COLUMN IF NOT EXISTS password_hash text;
ALTER TABLE api_users ADD COLUMN IF NOT EXISTS status text NOT NULL DEFAULT 'active';
ALTER TABLE api_users ADD COLUMN IF NOT EXISTS must_change_password boolean
    NOT NULL DEFAULT false;
ALTER TABLE api_users ADD COLUMN IF NOT EXISTS totp_secret text;
ALTER TABLE api_users ADD COLUMN IF NOT EXISTS totp_last_step bigint;
ALTER TABLE api_users ADD COLUMN IF NOT EXISTS locked_at timestamptz;
ALTER TABLE api_users ADD COLUMN IF NOT EXISTS unlocked_at timestamptz;
ALTER TABLE api_users ADD COLUMN IF NOT EXISTS last_login_at timestamptz;
ALTER TABLE api_users ADD COLUMN IF NOT EXISTS created_at timestamptz;

CREATE TABLE IF NOT EXISTS page_sessions (
    session_sha256 text PRIMARY KEY,
    user_id text NOT NULL REFERENCES api_users (user_id),
    -- 'login': the password was right, the second factor is still owed;
    -- 'page': a whole session.
    stage text NOT NULL,
    created_at timestamptz NOT NULL,
    seen_at timestamptz NOT NULL,
    -- A second-factor secret being set up (sealed), until its first code.
    new_secret text
);
CREATE INDEX IF NOT EXISTS page_sessions_user ON page_sessions (user_id);

CREATE TABLE IF NOT EXISTS login_failures (
    id bigserial PRIMARY KEY,
    username text NOT NULL,
    address text NOT NULL,
    at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS login_failures_user ON login_failures (username, at);
CREATE INDEX IF NOT EXISTS login_failures_address ON login_failures (address, at);

-- Log-ins through the OpenID provider under way (``single_sign_on``): kept
-- here, never in a cookie, and deleted when the provider's answer comes back.
CREATE TABLE IF NOT EXISTS single_sign_on_flows (
    flow_sha256 text PRIMARY KEY,
    state text NOT NULL,
    nonce text NOT NULL,
    code_verifier text NOT NULL,
    redirect_uri text NOT NULL,
    next text NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE TABLE IF NOT EXISTS account_audit (
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL,
    actor_id text NOT NULL,
    action text NOT NULL,
    target_id text NOT NULL,
    detail jsonb NOT NULL DEFAULT '{}'
);

CREATE OR REPLACE FUNCTION accounts_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS login_failures_append_only ON login_failures;
CREATE TRIGGER login_failures_append_only BEFORE UPDATE OR DELETE ON login_failures
    FOR EACH ROW EXECUTE FUNCTION accounts_append_only();
DROP TRIGGER IF EXISTS account_audit_append_only ON account_audit;
CREATE TRIGGER account_audit_append_only BEFORE UPDATE OR DELETE ON account_audit
    FOR EACH ROW EXECUTE FUNCTION accounts_append_only();
"""
