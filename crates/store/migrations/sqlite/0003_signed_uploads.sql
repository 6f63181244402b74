-- Signed upload registrations (API.md §4.2): a document row exists from registration on, in
-- status 'registered' until its bytes are verified and published ('uploaded').
ALTER TABLE documents ADD COLUMN upload_mode TEXT;
ALTER TABLE documents ADD COLUMN part_size INTEGER;
ALTER TABLE documents ADD COLUMN upload_expires_at TEXT;

-- Parts of multipart registrations; a re-PUT replaces the row.
CREATE TABLE upload_parts (
    document_id TEXT NOT NULL REFERENCES documents(id),
    part_number INTEGER NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    blob_key TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (document_id, part_number)
);

-- Server secrets (the key that signs upload tokens), created on first use.
CREATE TABLE secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
