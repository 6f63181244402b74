-- Submittal items of spec sections become entities of their own (kind 'submittal'): the
-- submittal register reads them, filtered by section (section_key), division (discipline) and
-- submittal type (doc_type).
ALTER TABLE entities DROP CONSTRAINT entities_kind_check;
ALTER TABLE entities ADD CONSTRAINT entities_kind_check
    CHECK (kind IN ('file', 'sheet', 'region', 'spec', 'part', 'doc', 'item', 'reference', 'submittal'));
CREATE INDEX entities_section_key ON entities(project_id, kind, section_key, seq);
