-- The PostgreSQL schema: the same tables and columns as the SQLite schema after its migration 7,
-- with BIGINT integers, BYTEA blobs and a tsvector search table in place of FTS5. Timestamps are
-- RFC 3339 text in both stores, so they compare and round-trip identically.
CREATE TABLE orgs (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    profile TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES orgs(id),
    label TEXT NOT NULL,
    key_prefix TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    last_used_at TEXT,
    last_used_ip TEXT,
    revoked_at TEXT
);
CREATE INDEX api_keys_org ON api_keys(org_id);

-- Append-only. available = sum(available_delta), reserved = sum(reserved_delta).
CREATE TABLE ledger (
    id BIGSERIAL PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES orgs(id),
    job_id TEXT,
    kind TEXT NOT NULL CHECK (kind IN ('grant', 'reserve', 'debit', 'release', 'project_charge')),
    available_delta BIGINT NOT NULL,
    reserved_delta BIGINT NOT NULL,
    note TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX ledger_org ON ledger(org_id);
CREATE INDEX ledger_job ON ledger(job_id);

CREATE TABLE projects (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES orgs(id),
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (org_id, name)
);

CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES orgs(id),
    project_id TEXT NOT NULL REFERENCES projects(id),
    external_id TEXT,
    status TEXT NOT NULL,
    webhook_url TEXT,
    webhook_secret TEXT,
    page_count BIGINT NOT NULL DEFAULT 0,
    successful_page_count BIGINT NOT NULL DEFAULT 0,
    failed_page_count BIGINT NOT NULL DEFAULT 0,
    credits_reserved BIGINT NOT NULL DEFAULT 0,
    credits_debited BIGINT NOT NULL DEFAULT 0,
    error_code TEXT,
    error_message TEXT,
    result_key TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    completed_at TEXT,
    expires_at TEXT,
    indexed_at TEXT,
    purged_at TEXT
);
CREATE INDEX jobs_project ON jobs(project_id);
CREATE INDEX jobs_expiry ON jobs(expires_at) WHERE purged_at IS NULL;

CREATE TABLE job_events (
    id TEXT PRIMARY KEY,
    job_id TEXT NOT NULL REFERENCES jobs(id),
    seq BIGINT NOT NULL,
    previous_status TEXT,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (job_id, seq)
);

CREATE TABLE webhook_outbox (
    event_id TEXT PRIMARY KEY REFERENCES job_events(id),
    job_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    created_at TEXT NOT NULL,
    response_status BIGINT,
    last_error TEXT,
    delivered_at TEXT
);
CREATE INDEX webhook_outbox_due ON webhook_outbox(status, next_attempt_at);
CREATE INDEX webhook_outbox_job ON webhook_outbox(job_id, seq);

CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    job_id TEXT NOT NULL REFERENCES jobs(id),
    position BIGINT NOT NULL,
    org_id TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    classification TEXT,
    detected_classification TEXT,
    file_size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    blob_key TEXT NOT NULL,
    status TEXT NOT NULL,
    page_count BIGINT NOT NULL DEFAULT 0,
    error_code TEXT,
    error_message TEXT,
    created_at TEXT NOT NULL,
    upload_mode TEXT,
    part_size BIGINT,
    upload_expires_at TEXT,
    UNIQUE (job_id, sha256)
);
CREATE INDEX documents_job ON documents(job_id);

CREATE TABLE pages (
    document_id TEXT NOT NULL REFERENCES documents(id),
    page_number BIGINT NOT NULL,
    job_id TEXT NOT NULL,
    preflight_kind TEXT NOT NULL,
    final_kind TEXT,
    status TEXT NOT NULL DEFAULT 'pending',
    analysis TEXT,
    artifacts TEXT,
    error_code TEXT,
    error_message TEXT,
    credits BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (document_id, page_number)
);
CREATE INDEX pages_job ON pages(job_id, status);

CREATE TABLE tasks (
    id BIGSERIAL PRIMARY KEY,
    job_id TEXT,
    kind TEXT NOT NULL,
    document_id TEXT,
    page_start BIGINT,
    page_end BIGINT,
    status TEXT NOT NULL DEFAULT 'queued',
    priority BIGINT NOT NULL DEFAULT 0,
    attempts BIGINT NOT NULL DEFAULT 0,
    lease_owner TEXT,
    lease_until BIGINT,
    last_error TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX tasks_claim ON tasks(status, priority, id);

CREATE TABLE idempotency (
    org_id TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    key TEXT NOT NULL,
    body_hash TEXT NOT NULL,
    state TEXT NOT NULL,
    status_code BIGINT,
    response TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (org_id, endpoint, key)
);

-- Project reads (API.md §9).
CREATE TABLE entities (
    seq BIGSERIAL PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('file', 'sheet', 'region', 'spec', 'part', 'doc', 'item', 'reference')),
    org_id TEXT NOT NULL,
    project_id TEXT NOT NULL REFERENCES projects(id),
    job_id TEXT NOT NULL REFERENCES jobs(id),
    file_id TEXT NOT NULL,
    file_name TEXT NOT NULL,
    classification TEXT NOT NULL,
    file_status TEXT NOT NULL,
    parent_id TEXT,
    page_number BIGINT,
    page_end BIGINT,
    sheet_id TEXT,
    sheet_key TEXT,
    discipline TEXT,
    drawing_type TEXT,
    region_type TEXT,
    layout_type TEXT,
    section_key TEXT,
    doc_type TEXT,
    ref_status TEXT,
    data TEXT NOT NULL
);
CREATE INDEX entities_list ON entities(project_id, kind, seq);
CREATE INDEX entities_parent ON entities(parent_id, kind, seq);
CREATE INDEX entities_sheet_key ON entities(project_id, kind, sheet_key);
CREATE INDEX entities_ref_status ON entities(project_id, kind, ref_status, seq);
CREATE INDEX entities_org ON entities(org_id, kind);

-- Full-text search over entities: the number weighs most (A), then the title (B), then the body
-- (D). The text is split on anything but letters and digits before it is stored, as SQLite's
-- unicode61 tokenizer splits it, so both stores match the same terms.
CREATE TABLE search_docs (
    seq BIGINT PRIMARY KEY REFERENCES entities(seq) ON DELETE CASCADE,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    tsv TSVECTOR NOT NULL
);
CREATE INDEX search_docs_tsv ON search_docs USING GIN (tsv);

CREATE TABLE page_text (
    seq BIGSERIAL PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id),
    file_id TEXT NOT NULL,
    file_name TEXT NOT NULL,
    classification TEXT NOT NULL,
    page_number BIGINT NOT NULL,
    sheet_id TEXT,
    sheet_number TEXT,
    sheet_key TEXT,
    text TEXT NOT NULL,
    boxes BYTEA NOT NULL,
    UNIQUE (file_id, page_number)
);
CREATE INDEX page_text_project ON page_text(project_id, seq);

CREATE TABLE project_artifacts (
    project_id TEXT NOT NULL REFERENCES projects(id),
    path TEXT NOT NULL,
    content_type TEXT NOT NULL,
    PRIMARY KEY (project_id, path)
);

CREATE TABLE upload_parts (
    document_id TEXT NOT NULL REFERENCES documents(id),
    part_number BIGINT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    blob_key TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (document_id, part_number)
);

CREATE TABLE secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

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
