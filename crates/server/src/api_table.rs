//! The table of every API operation: its path, method, handler and description. The router is
//! built from it and so is the OpenAPI document (`GET /api/open/v1/openapi.json`), so the two
//! cannot disagree.

use crate::routes::{
    admin, artifacts, downloads, grep, jobs, project_reads as reads, projects, search,
    signed_uploads, submittal_register, uploads,
};
use crate::state::AppState;
use axum::extract::DefaultBodyLimit;
use axum::routing::{MethodRouter, get, patch, post, put};

/// JSON bodies are limited to 1 MiB (API.md §1); uploads stream and have their own limits.
pub const JSON_BODY_LIMIT: usize = 1 << 20;
/// The base64 content upload (API.md §4.3).
pub const CONTENT_BODY_LIMIT: usize = 48 << 20;

/// The body limit of the route at `path`, for the `details.limit` of a framework's 413.
pub fn body_limit_of(path: &str) -> usize {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segments.as_slice() {
        ["api", "open", "v1", "jobs", _, "uploads", _, "content"] => CONTENT_BODY_LIMIT,
        _ => JSON_BODY_LIMIT,
    }
}

/// Who may call an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Caller {
    /// An API key with this scope.
    Key(&'static str),
    /// The admin token.
    Admin,
    /// No header: a signed token in the path, or nothing.
    Anyone,
}

/// The body an operation takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Body {
    None,
    /// A JSON object with these fields (`!` marks a required one).
    Json(&'static [&'static str]),
    Multipart,
    Bytes,
}

/// What a successful answer holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// `{field: Schema}`.
    Wrapped(u16, &'static str, &'static str),
    /// `{field: [Schema]}`.
    ListOf(u16, &'static str, &'static str),
    /// A schema as it is.
    Schema(u16, &'static str),
    /// A JSON object described in API.md.
    Object(u16),
    /// Bytes of an artifact.
    Bytes,
    /// Bytes of this media type (range): a page of the web plan room, a file of it, an image.
    Page(&'static str),
}

pub struct Op {
    pub path: &'static str,
    pub method: &'static str,
    pub summary: &'static str,
    pub caller: Caller,
    pub body: Body,
    pub answer: Answer,
    pub handler: MethodRouter<AppState>,
}

const READ: Caller = Caller::Key("jobs:read");
const WRITE: Caller = Caller::Key("jobs:write");
const ARTIFACTS: Caller = Caller::Key("artifacts:read");

#[allow(clippy::too_many_arguments)]
fn op(
    path: &'static str,
    method: &'static str,
    summary: &'static str,
    caller: Caller,
    body: Body,
    answer: Answer,
    handler: MethodRouter<AppState>,
) -> Op {
    Op {
        path,
        method,
        summary,
        caller,
        body,
        answer,
        handler,
    }
}

/// The operations under `/api/open/v1`.
pub fn open_api() -> Vec<Op> {
    use Answer::*;
    use Body::{Json, Multipart, None as NoBody};
    let list = Object(200);
    vec![
        op(
            "/projects",
            "post",
            "Create a project",
            WRITE,
            Json(&["name!"]),
            Wrapped(202, "project", "ProjectView"),
            post(projects::create),
        ),
        op(
            "/projects",
            "get",
            "List projects",
            READ,
            NoBody,
            ListOf(200, "projects", "ProjectView"),
            get(projects::list),
        ),
        op(
            "/projects/{project_id}",
            "get",
            "Get a project",
            READ,
            NoBody,
            Wrapped(200, "project", "ProjectView"),
            get(projects::get),
        ),
        op(
            "/projects/search",
            "post",
            "Projects of the organization matching a query by name or content",
            READ,
            Json(&[
                "query!",
                "projectIds",
                "limit",
                "cursor",
                "entityTypes",
                "regionType",
                "layoutType",
                "drawingType",
                "sheetNumber",
                "fileName",
                "classification",
                "pageNumber",
            ]),
            Object(200),
            post(crate::routes::project_search::search_projects),
        ),
        op(
            "/projects/{project_id}/files",
            "get",
            "List files",
            READ,
            NoBody,
            list,
            get(reads::list_files),
        ),
        op(
            "/projects/{project_id}/files/{id}",
            "get",
            "Get a file",
            READ,
            NoBody,
            Object(200),
            get(reads::get_file),
        ),
        op(
            "/projects/{project_id}/sheets",
            "get",
            "List sheets",
            READ,
            NoBody,
            list,
            get(reads::list_sheets),
        ),
        op(
            "/projects/{project_id}/sheets/{id}",
            "get",
            "Get a sheet",
            READ,
            NoBody,
            Object(200),
            get(reads::get_sheet),
        ),
        op(
            "/projects/{project_id}/sheets/{id}/regions",
            "get",
            "List a sheet's regions",
            READ,
            NoBody,
            list,
            get(reads::list_sheet_regions),
        ),
        op(
            "/projects/{project_id}/sheets/{id}/versions",
            "get",
            "List the versions of a sheet (same normalized number, across jobs)",
            READ,
            NoBody,
            list,
            get(reads::list_sheet_versions),
        ),
        op(
            "/projects/{project_id}/sheet-index-report",
            "get",
            "The drawing lists of the project's files checked against the sheets of their jobs",
            READ,
            NoBody,
            Object(200),
            get(reads::sheet_index_report),
        ),
        op(
            "/projects/{project_id}/references",
            "get",
            "List the references printed on the project's sheets (status: resolved, missing_sheet, missing_detail, missing_section)",
            READ,
            NoBody,
            list,
            get(reads::list_references),
        ),
        op(
            "/projects/{project_id}/submittal-register",
            "get",
            "The submittal register: every submittal the project's current spec sections require (Plansift extension; format=json, csv or xlsx)",
            READ,
            NoBody,
            list,
            get(submittal_register::submittal_register),
        ),
        op(
            "/projects/{project_id}/regions",
            "get",
            "List regions",
            READ,
            NoBody,
            list,
            get(reads::list_regions),
        ),
        op(
            "/projects/{project_id}/regions/{id}",
            "get",
            "Get a region",
            READ,
            NoBody,
            Object(200),
            get(reads::get_region),
        ),
        op(
            "/projects/{project_id}/specifications",
            "get",
            "List specification sections",
            READ,
            NoBody,
            list,
            get(reads::list_specifications),
        ),
        op(
            "/projects/{project_id}/specifications/{id}",
            "get",
            "Get a specification section",
            READ,
            NoBody,
            Object(200),
            get(reads::get_specification),
        ),
        op(
            "/projects/{project_id}/specifications/{id}/sections",
            "get",
            "List a section's parts",
            READ,
            NoBody,
            list,
            get(reads::list_spec_sections),
        ),
        op(
            "/projects/{project_id}/specifications/{id}/sections/{section}",
            "get",
            "Get a part with its full text",
            READ,
            NoBody,
            Object(200),
            get(reads::get_spec_section),
        ),
        op(
            "/projects/{project_id}/docs",
            "get",
            "List document sections",
            READ,
            NoBody,
            list,
            get(reads::list_docs),
        ),
        op(
            "/projects/{project_id}/docs/{id}",
            "get",
            "Get a document section",
            READ,
            NoBody,
            Object(200),
            get(reads::get_doc),
        ),
        op(
            "/projects/{project_id}/source-search",
            "post",
            "BM25 search over the project",
            READ,
            Json(&[
                "query!",
                "entityTypes",
                "maxHits",
                "regionType",
                "layoutType",
                "drawingType",
                "sheetNumber",
                "fileName",
                "pageNumber",
                "classification",
            ]),
            Object(200),
            post(search::source_search),
        ),
        op(
            "/projects/{project_id}/source-text",
            "post",
            "The text behind a sourceCatalogUri",
            READ,
            Json(&[
                "sourceCatalogUri!",
                "cursor",
                "maxChars",
                "textKind",
                "facetId",
            ]),
            Object(200),
            post(crate::routes::source_text::source_text),
        ),
        op(
            "/projects/{project_id}/grep",
            "post",
            "Literal or regex search over every page's words",
            READ,
            Json(&[
                "pattern!",
                "regex",
                "caseSensitive",
                "wholeWord",
                "fileId",
                "classification",
                "sheetNumber",
                "pageNumber",
                "maxHits",
                "cursor",
            ]),
            Object(200),
            post(grep::grep),
        ),
        op(
            "/projects/{project_id}/artifact",
            "get",
            "Bytes of an artifact the project references",
            ARTIFACTS,
            NoBody,
            Bytes,
            get(artifacts::project_artifact),
        ),
        op(
            "/projects/{project_id}/files/{file_id}/pages/{page}/image",
            "get",
            "A page drawn larger than its thumbnail, for zooming (query width: 1024-4096 in steps of 512, default 2048)",
            ARTIFACTS,
            NoBody,
            Page("image/png"),
            get(crate::routes::page_images::page_image),
        ),
        op(
            "/projects/{project_id}/jobs",
            "post",
            "Create a job",
            WRITE,
            Json(&["externalId", "webhookUrl"]),
            Object(202),
            post(jobs::create),
        ),
        op(
            "/projects/{project_id}/jobs",
            "get",
            "List a project's jobs",
            READ,
            NoBody,
            ListOf(200, "jobs", "JobView"),
            get(jobs::list),
        ),
        op(
            "/jobs/{job_id}",
            "get",
            "Get a job",
            READ,
            NoBody,
            Wrapped(200, "job", "JobView"),
            get(jobs::get),
        ),
        op(
            "/jobs/{job_id}/cancel",
            "post",
            "Cancel a job",
            WRITE,
            NoBody,
            Wrapped(200, "job", "JobView"),
            post(jobs::cancel),
        ),
        op(
            "/jobs/{job_id}/resume",
            "post",
            "Resume a job blocked for credits",
            WRITE,
            NoBody,
            Wrapped(200, "job", "JobView"),
            post(jobs::resume),
        ),
        op(
            "/jobs/{job_id}/events",
            "get",
            "A job's status history",
            READ,
            NoBody,
            Object(200),
            get(jobs::events),
        ),
        op(
            "/jobs/{job_id}/webhook-deliveries",
            "get",
            "Where each webhook event's delivery stands",
            READ,
            NoBody,
            Object(200),
            get(jobs::webhook_deliveries),
        ),
        op(
            "/jobs/{job_id}/result",
            "get",
            "Result v1",
            READ,
            NoBody,
            Schema(200, "ResultV1"),
            get(jobs::result),
        ),
        op(
            "/results/{job_id}",
            "get",
            "The result at a job's pre-signed resultUrl (no key; the token is the capability)",
            Caller::Anyone,
            NoBody,
            Schema(200, "ResultV1"),
            get(jobs::signed_result),
        ),
        op(
            "/jobs/{job_id}/artifact",
            "get",
            "Bytes of an artifact the result references",
            ARTIFACTS,
            NoBody,
            Bytes,
            get(artifacts::job_artifact),
        ),
        op(
            "/jobs/{job_id}/files",
            "post",
            "Upload files with the multipart form",
            WRITE,
            Multipart,
            Object(200),
            post(uploads::upload_files).layer(DefaultBodyLimit::disable()),
        ),
        op(
            "/jobs/{job_id}/uploads",
            "post",
            "Register files for signed uploads",
            WRITE,
            Json(&["files!"]),
            Object(200),
            post(signed_uploads::register),
        ),
        op(
            "/jobs/{job_id}/uploads/{document_id}/content",
            "post",
            "Upload a registered file as base64",
            WRITE,
            Json(&["uploadToken!", "contentBase64!", "sha256"]),
            Object(200),
            post(signed_uploads::content).layer(DefaultBodyLimit::max(CONTENT_BODY_LIMIT)),
        ),
        op(
            "/jobs/{job_id}/uploads/complete",
            "post",
            "Complete the uploads and start processing",
            WRITE,
            Json(&["documentIds", "directUploads", "multipartUploads"]),
            Wrapped(202, "job", "JobView"),
            post(uploads::complete),
        ),
        op(
            "/upload-targets/{token}",
            "put",
            "Upload a registered file (signed URL)",
            Caller::Anyone,
            Body::Bytes,
            Object(200),
            put(signed_uploads::put_target).layer(DefaultBodyLimit::disable()),
        ),
        op(
            "/upload-targets/{token}/parts/{part}",
            "put",
            "Upload one part of a registered file (signed URL)",
            Caller::Anyone,
            Body::Bytes,
            Object(200),
            put(signed_uploads::put_part).layer(DefaultBodyLimit::disable()),
        ),
        op(
            "/artifact-downloads",
            "post",
            "A single-use download URL for an artifact",
            ARTIFACTS,
            Json(&["jobId", "projectId", "path!"]),
            Object(201),
            post(downloads::create),
        ),
        op(
            "/artifact-downloads/{token}",
            "get",
            "Download an artifact with a token (the first GET consumes it)",
            Caller::Anyone,
            NoBody,
            Bytes,
            get(downloads::fetch),
        ),
        op(
            "/openapi.json",
            "get",
            "This document",
            Caller::Anyone,
            NoBody,
            Object(200),
            get(crate::openapi::serve),
        ),
    ]
}

/// The admin operations under `/api`.
pub fn admin_api() -> Vec<Op> {
    use Answer::*;
    use Body::{Json, None as NoBody};
    let a = Caller::Admin;
    vec![
        op(
            "/open-api/keys",
            "get",
            "List an organization's keys",
            a,
            NoBody,
            Object(200),
            get(admin::list_keys),
        ),
        op(
            "/open-api/keys",
            "post",
            "Create a key",
            a,
            Json(&["orgId", "label!", "scopes!", "expiresAt"]),
            Object(201),
            post(admin::create_key),
        ),
        op(
            "/open-api/keys/revoke-all",
            "post",
            "Revoke every key of an organization",
            a,
            Json(&["orgId"]),
            Object(200),
            post(admin::revoke_all),
        ),
        op(
            "/open-api/keys/{key_id}/revoke",
            "post",
            "Revoke a key",
            a,
            NoBody,
            Object(200),
            post(admin::revoke_key),
        ),
        op(
            "/admin/v1/orgs",
            "post",
            "Create an organization",
            a,
            Json(&["name!"]),
            Object(201),
            post(admin::create_org),
        ),
        op(
            "/admin/v1/orgs/{org_id}",
            "get",
            "An organization with its balance and profile",
            a,
            NoBody,
            Object(200),
            get(admin::get_org),
        ),
        op(
            "/admin/v1/orgs/{org_id}/credits",
            "post",
            "Grant credits",
            a,
            Json(&["amount!", "note"]),
            Object(200),
            post(admin::grant),
        ),
        op(
            "/admin/v1/orgs/{org_id}/profile",
            "patch",
            "Change an organization's profile",
            a,
            Json(&[
                "drawingCreditsPerPage",
                "documentCreditsPerPage",
                "projectCreationCredits",
                "jobPageLimit",
                "retentionDays",
                "enabled",
            ]),
            Object(200),
            patch(admin::patch_profile),
        ),
    ]
}

/// The operational endpoints at the root (API.md §11).
pub fn operational() -> Vec<Op> {
    use Answer::*;
    vec![
        op(
            "/healthz",
            "get",
            "The process is up",
            Caller::Anyone,
            Body::None,
            Object(200),
            get(crate::routes::health::healthz),
        ),
        op(
            "/readyz",
            "get",
            "The store is reachable and migrated",
            Caller::Anyone,
            Body::None,
            Object(200),
            get(crate::routes::health::readyz),
        ),
        op(
            "/metrics",
            "get",
            "Prometheus metrics",
            Caller::Anyone,
            Body::None,
            Object(200),
            get(crate::metrics::metrics),
        ),
    ]
}

/// The web plan room and the API reference page ([`crate::web`]).
pub fn web() -> Vec<Op> {
    use crate::web;
    vec![
        op(
            "/",
            "get",
            "The web plan room",
            Caller::Anyone,
            Body::None,
            Answer::Page("text/html"),
            get(web::plan_room),
        ),
        op(
            "/reference",
            "get",
            "The API reference page, rendered from this OpenAPI document",
            Caller::Anyone,
            Body::None,
            Answer::Page("text/html"),
            get(web::reference),
        ),
        op(
            "/assets/{name}",
            "get",
            "A script or style sheet of the web pages",
            Caller::Anyone,
            Body::None,
            Answer::Page("text/*"),
            get(web::asset),
        ),
    ]
}

/// Every operation with the prefix it is served under.
pub fn all() -> Vec<(&'static str, Vec<Op>)> {
    vec![
        ("", operational()),
        ("", web()),
        ("/api", admin_api()),
        ("/api/open/v1", open_api()),
    ]
}

/// A router of the operations, one route a path with all its methods.
pub fn router_of(ops: Vec<Op>) -> axum::Router<AppState> {
    let mut paths: Vec<(&'static str, MethodRouter<AppState>)> = Vec::new();
    for o in ops {
        let handler = match o.body {
            Body::Json(_) => o
                .handler
                .route_layer(axum::middleware::from_fn(crate::json_body::middleware)),
            Body::None | Body::Multipart | Body::Bytes => o.handler,
        };
        match paths.iter_mut().find(|(p, _)| *p == o.path) {
            Some((_, m)) => *m = std::mem::take(m).merge(handler),
            None => paths.push((o.path, handler)),
        }
    }
    paths
        .into_iter()
        .fold(axum::Router::new(), |r, (path, m)| r.route(path, m))
}
