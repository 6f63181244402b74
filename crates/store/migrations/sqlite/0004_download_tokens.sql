-- Single-use artifact download tokens (API.md §8). Only a hash of each token is kept.
CREATE TABLE download_tokens (
    token_hash TEXT PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    org_id TEXT NOT NULL REFERENCES orgs(id),
    path TEXT NOT NULL,
    content_type TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    created_at TEXT NOT NULL
);
