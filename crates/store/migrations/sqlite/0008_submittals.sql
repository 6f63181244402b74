-- Submittal items of spec sections become entities of their own (kind 'submittal'): the
-- submittal register reads them, filtered by section (section_key), division (discipline) and
-- submittal type (doc_type). SQLite cannot change a CHECK constraint, so the table is rebuilt
-- with the same rows and the same seq values (search_fts rowids stay valid).
CREATE TABLE entities_new (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('file', 'sheet', 'region', 'spec', 'part', 'doc', 'item', 'reference', 'submittal')),
    org_id TEXT NOT NULL,
    project_id TEXT NOT NULL REFERENCES projects(id),
    job_id TEXT NOT NULL REFERENCES jobs(id),
    file_id TEXT NOT NULL,
    file_name TEXT NOT NULL,
    classification TEXT NOT NULL,
    file_status TEXT NOT NULL,
    parent_id TEXT,
    page_number INTEGER,
    page_end INTEGER,
    sheet_id TEXT,
    sheet_key TEXT,
    discipline TEXT,
    drawing_type TEXT,
    region_type TEXT,
    layout_type TEXT,
    section_key TEXT,
    doc_type TEXT,
    -- A reference's resolution: resolved, missing_sheet, missing_detail, missing_section.
    ref_status TEXT,
    data TEXT NOT NULL
);
INSERT INTO entities_new (seq, id, kind, org_id, project_id, job_id, file_id, file_name, classification,
    file_status, parent_id, page_number, page_end, sheet_id, sheet_key, discipline, drawing_type,
    region_type, layout_type, section_key, doc_type, ref_status, data)
SELECT seq, id, kind, org_id, project_id, job_id, file_id, file_name, classification,
    file_status, parent_id, page_number, page_end, sheet_id, sheet_key, discipline, drawing_type,
    region_type, layout_type, section_key, doc_type, ref_status, data
FROM entities;
DROP TABLE entities;
ALTER TABLE entities_new RENAME TO entities;
CREATE INDEX entities_list ON entities(project_id, kind, seq);
CREATE INDEX entities_parent ON entities(parent_id, kind, seq);
CREATE INDEX entities_sheet_key ON entities(project_id, kind, sheet_key);
CREATE INDEX entities_ref_status ON entities(project_id, kind, ref_status, seq);
CREATE INDEX entities_section_key ON entities(project_id, kind, section_key, seq);
