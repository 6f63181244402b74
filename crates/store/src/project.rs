//! Rows of the project index (API.md §9): entities with their filter columns, search text and
//! page words, written when a job finalizes, and the queries that read them.

/// What an entity is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum EntityKind {
    #[default]
    File,
    Sheet,
    Region,
    /// A specification section.
    Spec,
    /// A part of a specification section (a facet).
    Part,
    /// A document section (an addendum and its items).
    Doc,
    /// An item of a document section: searchable, listed inside its section.
    Item,
    /// A reference printed on a sheet (a callout, `SEE SHEET …`, `SECTION …`).
    Reference,
    /// A submittal a spec section requires (a row of the submittal register).
    Submittal,
}

impl EntityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::File => "file",
            EntityKind::Sheet => "sheet",
            EntityKind::Region => "region",
            EntityKind::Spec => "spec",
            EntityKind::Part => "part",
            EntityKind::Doc => "doc",
            EntityKind::Item => "item",
            EntityKind::Reference => "reference",
            EntityKind::Submittal => "submittal",
        }
    }

    pub fn parse(s: &str) -> Option<EntityKind> {
        Some(match s {
            "file" => EntityKind::File,
            "sheet" => EntityKind::Sheet,
            "region" => EntityKind::Region,
            "spec" => EntityKind::Spec,
            "part" => EntityKind::Part,
            "doc" => EntityKind::Doc,
            "item" => EntityKind::Item,
            "reference" => EntityKind::Reference,
            "submittal" => EntityKind::Submittal,
            _ => return None,
        })
    }
}

/// One entity to write. `data` is its API view as JSON; the other fields are what queries filter
/// on.
#[derive(Clone, Debug, Default)]
pub struct NewEntity {
    pub id: String,
    pub kind: EntityKind,
    pub file_id: String,
    pub file_name: String,
    pub classification: String,
    pub file_status: String,
    pub parent_id: Option<String>,
    pub page_number: Option<i64>,
    pub page_end: Option<i64>,
    pub sheet_id: Option<String>,
    pub sheet_key: Option<String>,
    pub discipline: Option<String>,
    pub drawing_type: Option<String>,
    pub region_type: Option<String>,
    pub layout_type: Option<String>,
    pub section_key: Option<String>,
    pub doc_type: Option<String>,
    /// A reference's resolution.
    pub ref_status: Option<String>,
    pub data: String,
    /// Search text, when the entity is searchable: numbers, titles, body.
    pub search: Option<SearchText>,
}

/// The three weighted fields of a search row.
#[derive(Clone, Debug, Default)]
pub struct SearchText {
    pub number: String,
    pub title: String,
    pub body: String,
}

/// One page's words (`PageWords` of the engine) for grep.
#[derive(Clone, Debug, Default)]
pub struct NewPageText {
    pub file_id: String,
    pub file_name: String,
    pub classification: String,
    pub page_number: i64,
    pub sheet_id: Option<String>,
    pub sheet_number: Option<String>,
    pub text: String,
    /// Eight bytes a word: left, top, right, bottom as little-endian u16 (0–65535 of the page).
    pub boxes: Vec<u8>,
}

/// Everything one job adds to its project.
#[derive(Clone, Debug, Default)]
pub struct ProjectIndex {
    pub entities: Vec<NewEntity>,
    pub pages: Vec<NewPageText>,
    /// Artifact paths the entities reference, with their content types.
    pub artifacts: Vec<(String, String)>,
    /// Entities of earlier jobs that this job changes (references it resolves, and the sheets
    /// that list them).
    pub updates: Vec<EntityUpdate>,
}

/// New data for an entity of an earlier job of the project.
#[derive(Clone, Debug, Default)]
pub struct EntityUpdate {
    pub id: String,
    /// A reference's new resolution; `None` keeps the column.
    pub ref_status: Option<String>,
    pub data: String,
}

/// A column an entity query may filter on. Each maps to one fixed SQL column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Col {
    Id,
    FileId,
    Classification,
    FileStatus,
    Parent,
    PageNumber,
    PageEnd,
    SheetId,
    SheetKey,
    Discipline,
    DrawingType,
    RegionType,
    LayoutType,
    SectionKey,
    DocType,
    RefStatus,
}

impl Col {
    pub fn sql(self) -> &'static str {
        match self {
            Col::Id => "id",
            Col::FileId => "file_id",
            Col::Classification => "classification",
            Col::FileStatus => "file_status",
            Col::Parent => "parent_id",
            Col::PageNumber => "page_number",
            Col::PageEnd => "page_end",
            Col::SheetId => "sheet_id",
            Col::SheetKey => "sheet_key",
            Col::Discipline => "discipline",
            Col::DrawingType => "drawing_type",
            Col::RegionType => "region_type",
            Col::LayoutType => "layout_type",
            Col::SectionKey => "section_key",
            Col::DocType => "doc_type",
            Col::RefStatus => "ref_status",
        }
    }
}

/// A condition on entities; conditions of one query all hold.
#[derive(Clone, Debug, PartialEq)]
pub enum Filter {
    /// Equal, ignoring ASCII case for text.
    Eq(Col, String),
    EqInt(Col, i64),
    AtLeast(Col, i64),
    AtMost(Col, i64),
    In(Col, Vec<String>),
    /// The file name holds this text, ignoring case.
    FileNameContains(String),
    /// A file that holds one of these sheets.
    FileOfSheets(Vec<String>),
    /// Of these kinds (search only).
    Kinds(Vec<EntityKind>),
    /// Sheets that are (`true`) or are not (`false`) the newest version of their sheet number
    /// in the project: a sheet is superseded once a later job indexed a sheet of the same
    /// normalized number. Sheets without a number are always current. Submittals are
    /// superseded once a later job indexed a spec section of the same number.
    Current(bool),
}

/// A page of entities of one kind in one project.
#[derive(Clone, Debug)]
pub struct EntityQuery {
    pub project_id: String,
    pub kind: EntityKind,
    pub filters: Vec<Filter>,
    /// Rows after this `seq` (the cursor).
    pub after: Option<i64>,
    pub limit: i64,
}

#[derive(Clone, Debug)]
pub struct EntityRecord {
    pub seq: i64,
    pub id: String,
    pub kind: EntityKind,
    pub data: String,
    /// A sheet that a later job's sheet of the same number supersedes ([`Filter::Current`]).
    pub superseded: bool,
}

#[derive(Clone, Debug)]
pub struct EntityPage {
    pub rows: Vec<EntityRecord>,
    /// Rows matching the filters, whatever the cursor.
    pub total: i64,
}

/// A full-text search in some projects of an organization.
#[derive(Clone, Debug)]
pub struct SearchQuery {
    pub org_id: String,
    /// Every project of the organization when `None`.
    pub project_id: Option<String>,
    /// Lower-case runs of letters and digits; each store quotes them into its own query syntax.
    pub terms: Vec<String>,
    /// Match entities holding any term (default: every term).
    pub any: bool,
    pub filters: Vec<Filter>,
    pub limit: i64,
}

#[derive(Clone, Debug)]
pub struct SearchHit {
    pub entity: EntityRecord,
    pub project_id: String,
    /// BM25, higher is better.
    pub score: f64,
    /// The best passage with matched terms wrapped in `«` and `»`.
    pub snippet: String,
}

/// A page's text as grep reads it (boxes are fetched for the pages that match).
#[derive(Clone, Debug)]
pub struct PageTextRecord {
    pub seq: i64,
    pub file_id: String,
    pub file_name: String,
    pub page_number: i64,
    pub sheet_id: Option<String>,
    pub sheet_number: Option<String>,
    pub text: String,
}

/// Which pages grep reads.
#[derive(Clone, Debug, Default)]
pub struct PageTextQuery {
    pub project_id: String,
    pub file_id: Option<String>,
    pub classification: Option<String>,
    pub sheet_key: Option<String>,
    pub page_number: Option<i64>,
    pub after: Option<i64>,
    pub limit: i64,
}

/// Every entity of one kind in a project that passes `filters`, in `seq` order, read page by
/// page (for finalize and reports, which need the whole set).
pub async fn all_entities(
    meta: &dyn crate::MetaStore,
    project_id: &str,
    kind: EntityKind,
    filters: Vec<Filter>,
) -> Result<Vec<EntityRecord>, crate::StoreError> {
    const PAGE: i64 = 1000;
    let mut rows = Vec::new();
    loop {
        let page = meta
            .entities(&EntityQuery {
                project_id: project_id.to_string(),
                kind,
                filters: filters.clone(),
                after: rows.last().map(|r: &EntityRecord| r.seq),
                limit: PAGE,
            })
            .await?;
        let done = (page.rows.len() as i64) < PAGE;
        rows.extend(page.rows);
        if done {
            return Ok(rows);
        }
    }
}
