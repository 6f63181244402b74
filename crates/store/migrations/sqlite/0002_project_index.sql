-- Project reads (API.md §9): every entity a finished job produced, accumulated per project.
-- `seq` is the creation order that cursors walk; `data` is the entity's API view as JSON.
CREATE TABLE entities (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('file', 'sheet', 'region', 'spec', 'part', 'doc', 'item')),
    org_id TEXT NOT NULL,
    project_id TEXT NOT NULL REFERENCES projects(id),
    job_id TEXT NOT NULL REFERENCES jobs(id),
    file_id TEXT NOT NULL,
    file_name TEXT NOT NULL,
    classification TEXT NOT NULL,
    file_status TEXT NOT NULL,
    -- The spec section of a part; the sheet of a region.
    parent_id TEXT,
    page_number INTEGER,
    page_end INTEGER,
    -- A sheet's own id, a region's sheet.
    sheet_id TEXT,
    -- Sheet number with '-', '.' and spaces removed, upper case.
    sheet_key TEXT,
    discipline TEXT,
    drawing_type TEXT,
    region_type TEXT,
    layout_type TEXT,
    -- Section number digits only ('03 30 00' -> '033000').
    section_key TEXT,
    doc_type TEXT,
    data TEXT NOT NULL
);
CREATE INDEX entities_list ON entities(project_id, kind, seq);
CREATE INDEX entities_parent ON entities(parent_id, kind, seq);
CREATE INDEX entities_sheet_key ON entities(project_id, kind, sheet_key);

-- BM25 search over entities; rowid = entities.seq.
CREATE VIRTUAL TABLE search_fts USING fts5(
    number, title, body,
    tokenize = 'unicode61 remove_diacritics 2'
);

-- Every page's words for grep: text as PageWords holds it, boxes as 8 bytes a word
-- (left, top, right, bottom as little-endian u16).
CREATE TABLE page_text (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id TEXT NOT NULL REFERENCES projects(id),
    file_id TEXT NOT NULL,
    file_name TEXT NOT NULL,
    classification TEXT NOT NULL,
    page_number INTEGER NOT NULL,
    sheet_id TEXT,
    sheet_number TEXT,
    sheet_key TEXT,
    text TEXT NOT NULL,
    boxes BLOB NOT NULL,
    UNIQUE (file_id, page_number)
);
CREATE INDEX page_text_project ON page_text(project_id, seq);

-- Artifact paths a project's entities reference (GET /projects/{id}/artifact).
CREATE TABLE project_artifacts (
    project_id TEXT NOT NULL REFERENCES projects(id),
    path TEXT NOT NULL,
    content_type TEXT NOT NULL,
    PRIMARY KEY (project_id, path)
);

-- Set when the job's entities are written into its project.
ALTER TABLE jobs ADD COLUMN indexed_at TEXT;
