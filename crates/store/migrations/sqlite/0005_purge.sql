-- Set when the janitor has deleted a job past its expiresAt (API.md §3): the API answers 404
-- for it from then on; the project entities it wrote stay.
ALTER TABLE jobs ADD COLUMN purged_at TEXT;
CREATE INDEX jobs_expiry ON jobs(expires_at) WHERE purged_at IS NULL;
