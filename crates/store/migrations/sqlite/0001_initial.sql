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

-- Append-only. available = sum(available_delta), reserved = sum(reserved_delta).
CREATE TABLE ledger (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id TEXT NOT NULL REFERENCES orgs(id),
    job_id TEXT,
    kind TEXT NOT NULL CHECK (kind IN ('grant', 'reserve', 'debit', 'release', 'project_charge')),
    available_delta INTEGER NOT NULL,
    reserved_delta INTEGER NOT NULL,
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
    page_count INTEGER NOT NULL DEFAULT 0,
    successful_page_count INTEGER NOT NULL DEFAULT 0,
    failed_page_count INTEGER NOT NULL DEFAULT 0,
    credits_reserved INTEGER NOT NULL DEFAULT 0,
    credits_debited INTEGER NOT NULL DEFAULT 0,
    error_code TEXT,
    error_message TEXT,
    result_key TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    completed_at TEXT,
    expires_at TEXT
);
CREATE INDEX jobs_project ON jobs(project_id);

CREATE TABLE job_events (
    id TEXT PRIMARY KEY,
    job_id TEXT NOT NULL REFERENCES jobs(id),
    seq INTEGER NOT NULL,
    previous_status TEXT,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (job_id, seq)
);

-- Webhook outbox: one row per event of a job that has a webhook URL, written with the change.
CREATE TABLE webhook_outbox (
    event_id TEXT PRIMARY KEY REFERENCES job_events(id),
    job_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    job_id TEXT NOT NULL REFERENCES jobs(id),
    -- Upload order within the job: results list documents in this order.
    position INTEGER NOT NULL,
    org_id TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    classification TEXT,
    detected_classification TEXT,
    file_size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    blob_key TEXT NOT NULL,
    status TEXT NOT NULL,
    page_count INTEGER NOT NULL DEFAULT 0,
    error_code TEXT,
    error_message TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (job_id, sha256)
);
CREATE INDEX documents_job ON documents(job_id);

CREATE TABLE pages (
    document_id TEXT NOT NULL REFERENCES documents(id),
    page_number INTEGER NOT NULL,
    job_id TEXT NOT NULL,
    preflight_kind TEXT NOT NULL,
    final_kind TEXT,
    status TEXT NOT NULL DEFAULT 'pending',
    analysis TEXT,
    -- Artifacts written for the page (thumbnail size, vector crop), as JSON.
    artifacts TEXT,
    error_code TEXT,
    error_message TEXT,
    credits INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (document_id, page_number)
);
CREATE INDEX pages_job ON pages(job_id, status);

CREATE TABLE tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id TEXT,
    kind TEXT NOT NULL,
    document_id TEXT,
    page_start INTEGER,
    page_end INTEGER,
    status TEXT NOT NULL DEFAULT 'queued',
    priority INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT,
    lease_until INTEGER,
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
    status_code INTEGER,
    response TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (org_id, endpoint, key)
);
