//! `plansift-server`: the HTTP API of Plansift (API.md), and [`App`], which wires a data
//! directory, the stores, the job runner and the listener into one running process.
//!
//! Routes take their scope in their signature (`Auth<Read>`, `Auth<Write>`); every error goes
//! through [`error::ApiError`], the one place that writes the error envelope.

pub mod app;
pub mod auth;
pub mod error;
mod idempotency;
pub mod metrics;
pub mod pagination;
mod rate_limit;
mod request_id;
pub mod routes;
pub mod state;
mod upload_token;
pub mod views;
pub mod webhooks;

pub use app::{App, AppConfig, bootstrap};
pub use state::{AppState, ServerConfig};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};
use routes::{
    admin, artifacts, downloads, grep, health, jobs, project_reads as reads, projects, search,
    signed_uploads, uploads,
};

/// JSON bodies are limited to 1 MiB (API.md §1); uploads stream and have their own limits.
const JSON_BODY_LIMIT: usize = 1 << 20;
/// The base64 content upload (API.md §4.3).
const CONTENT_BODY_LIMIT: usize = 48 << 20;

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/projects", post(projects::create).get(projects::list))
        .route("/projects/{project_id}", get(projects::get))
        .route("/projects/search", post(search::search_all))
        .route("/projects/{project_id}/files", get(reads::list_files))
        .route("/projects/{project_id}/files/{id}", get(reads::get_file))
        .route("/projects/{project_id}/sheets", get(reads::list_sheets))
        .route("/projects/{project_id}/sheets/{id}", get(reads::get_sheet))
        .route(
            "/projects/{project_id}/sheets/{id}/regions",
            get(reads::list_sheet_regions),
        )
        .route("/projects/{project_id}/regions", get(reads::list_regions))
        .route(
            "/projects/{project_id}/regions/{id}",
            get(reads::get_region),
        )
        .route(
            "/projects/{project_id}/specifications",
            get(reads::list_specifications),
        )
        .route(
            "/projects/{project_id}/specifications/{id}",
            get(reads::get_specification),
        )
        .route(
            "/projects/{project_id}/specifications/{id}/sections",
            get(reads::list_spec_sections),
        )
        .route(
            "/projects/{project_id}/specifications/{id}/sections/{section}",
            get(reads::get_spec_section),
        )
        .route("/projects/{project_id}/docs", get(reads::list_docs))
        .route("/projects/{project_id}/docs/{id}", get(reads::get_doc))
        .route(
            "/projects/{project_id}/source-search",
            post(search::source_search),
        )
        .route(
            "/projects/{project_id}/source-text",
            post(search::source_text),
        )
        .route("/projects/{project_id}/grep", post(grep::grep))
        .route(
            "/projects/{project_id}/artifact",
            get(artifacts::project_artifact),
        )
        .route(
            "/projects/{project_id}/jobs",
            post(jobs::create).get(jobs::list),
        )
        .route("/jobs/{job_id}", get(jobs::get))
        .route("/jobs/{job_id}/cancel", post(jobs::cancel))
        .route("/jobs/{job_id}/resume", post(jobs::resume))
        .route("/jobs/{job_id}/events", get(jobs::events))
        .route(
            "/jobs/{job_id}/webhook-deliveries",
            get(jobs::webhook_deliveries),
        )
        .route("/jobs/{job_id}/result", get(jobs::result))
        .route("/jobs/{job_id}/artifact", get(artifacts::job_artifact))
        .route("/jobs/{job_id}/uploads/complete", post(uploads::complete))
        .route("/jobs/{job_id}/uploads", post(signed_uploads::register))
        .route("/artifact-downloads", post(downloads::create))
        .route("/artifact-downloads/{token}", get(downloads::fetch))
        .route(
            "/jobs/{job_id}/uploads/{document_id}/content",
            post(signed_uploads::content).layer(DefaultBodyLimit::max(CONTENT_BODY_LIMIT)),
        )
        .route(
            "/upload-targets/{token}",
            put(signed_uploads::put_target).layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/upload-targets/{token}/parts/{part}",
            put(signed_uploads::put_part).layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/jobs/{job_id}/files",
            post(uploads::upload_files).layer(DefaultBodyLimit::disable()),
        )
        .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            rate_limit::middleware,
        ));
    let keys = Router::new()
        .route("/keys", get(admin::list_keys).post(admin::create_key))
        .route("/keys/revoke-all", post(admin::revoke_all))
        .route("/keys/{key_id}/revoke", post(admin::revoke_key));
    let orgs = Router::new()
        .route("/orgs", post(admin::create_org))
        .route("/orgs/{org_id}", get(admin::get_org))
        .route("/orgs/{org_id}/credits", post(admin::grant))
        .route(
            "/orgs/{org_id}/profile",
            axum::routing::patch(admin::patch_profile),
        );
    Router::new()
        .route("/healthz", get(health::healthz))
        .nest(
            "/api/open-api",
            keys.layer(DefaultBodyLimit::max(JSON_BODY_LIMIT)),
        )
        .nest(
            "/api/admin/v1",
            orgs.layer(DefaultBodyLimit::max(JSON_BODY_LIMIT)),
        )
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::metrics))
        .nest("/api/open/v1", api)
        .fallback(request_id::not_found)
        .method_not_allowed_fallback(request_id::method_not_allowed)
        .layer(axum::middleware::from_fn(request_id::middleware))
        .route_layer(axum::middleware::from_fn(metrics::count))
        .with_state(state)
}
