//! `plansift-server`: the HTTP API of Plansift (API.md), and [`App`], which wires a data
//! directory, the stores, the job runner and the listener into one running process.
//!
//! Routes take their scope in their signature (`Auth<Read>`, `Auth<Write>`); every error goes
//! through [`error::ApiError`], the one place that writes the error envelope.

pub mod app;
pub mod auth;
pub mod error;
mod idempotency;
mod request_id;
pub mod routes;
pub mod state;
pub mod views;

pub use app::{App, AppConfig, bootstrap};
pub use state::{AppState, ServerConfig};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use routes::{artifacts, health, jobs, projects, uploads};

/// JSON bodies are limited to 1 MiB (API.md §1); uploads stream and have their own limits.
const JSON_BODY_LIMIT: usize = 1 << 20;

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/projects", post(projects::create).get(projects::list))
        .route("/projects/{project_id}", get(projects::get))
        .route(
            "/projects/{project_id}/jobs",
            post(jobs::create).get(jobs::list),
        )
        .route("/jobs/{job_id}", get(jobs::get))
        .route("/jobs/{job_id}/cancel", post(jobs::cancel))
        .route("/jobs/{job_id}/events", get(jobs::events))
        .route("/jobs/{job_id}/result", get(jobs::result))
        .route("/jobs/{job_id}/artifact", get(artifacts::job_artifact))
        .route("/jobs/{job_id}/uploads/complete", post(uploads::complete))
        .route(
            "/jobs/{job_id}/files",
            post(uploads::upload_files).layer(DefaultBodyLimit::disable()),
        )
        .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT));
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .nest("/api/open/v1", api)
        .fallback(request_id::not_found)
        .method_not_allowed_fallback(request_id::method_not_allowed)
        .layer(axum::middleware::from_fn(request_id::middleware))
        .with_state(state)
}
