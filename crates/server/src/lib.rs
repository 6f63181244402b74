//! `plansift-server`: the HTTP API of Plansift (API.md), and [`App`], which wires a data
//! directory, the stores, the job runner and the listener into one running process.
//!
//! The same binary serves the web plan room and the API reference ([`web`]).
//!
//! Routes take their scope in their signature (`Auth<Read>`, `Auth<Write>`); every error goes
//! through [`error::ApiError`], the one place that writes the error envelope.

pub mod api_table;
pub mod app;
pub mod auth;
pub mod error;
mod idempotency;
mod json_body;
pub mod metrics;
pub mod openapi;
pub mod pagination;
mod rate_limit;
mod request_id;
pub mod routes;
pub mod state;
mod upload_token;
pub mod views;
pub mod web;
pub mod webhooks;
mod xlsx;

pub use app::{App, AppConfig, bootstrap};
pub use state::{AppState, ServerConfig};

use api_table::JSON_BODY_LIMIT;
use axum::Router;
use axum::extract::DefaultBodyLimit;

/// What a worker process answers: `/healthz`, `/readyz` and `/metrics`.
pub fn operational_router(state: AppState) -> Router {
    served(api_table::router_of(api_table::operational()), state)
}

/// The fallbacks, request ids and request metrics every served router has.
fn served(routes: Router<AppState>, state: AppState) -> Router {
    routes
        .fallback(request_id::not_found)
        .method_not_allowed_fallback(request_id::method_not_allowed)
        .layer(axum::middleware::from_fn(request_id::middleware))
        .route_layer(axum::middleware::from_fn(metrics::count))
        .with_state(state)
}

pub fn router(state: AppState) -> Router {
    let api = api_table::router_of(api_table::open_api())
        .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            rate_limit::middleware,
        ));
    let admin = api_table::router_of(api_table::admin_api());
    let routes = api_table::router_of(api_table::operational())
        .merge(api_table::router_of(api_table::web()))
        .nest("/api", admin.layer(DefaultBodyLimit::max(JSON_BODY_LIMIT)))
        .nest("/api/open/v1", api);
    served(routes, state)
}

/// `/api/open/v1/projects/` → `/api/open/v1/projects` (the query kept); `/` stays.
pub fn trim_trailing_slash(mut request: axum::extract::Request) -> axum::extract::Request {
    let uri = request.uri();
    let path = uri.path();
    if path.len() > 1 && path.ends_with('/') {
        let trimmed = path.trim_end_matches('/');
        let trimmed = if trimmed.is_empty() { "/" } else { trimmed };
        let rebuilt = match uri.query() {
            Some(q) => format!("{trimmed}?{q}"),
            None => trimmed.to_string(),
        };
        let mut parts = uri.clone().into_parts();
        if let Ok(pq) = rebuilt.parse() {
            parts.path_and_query = Some(pq);
            if let Ok(fresh) = axum::http::Uri::from_parts(parts) {
                *request.uri_mut() = fresh;
            }
        }
    }
    request
}
