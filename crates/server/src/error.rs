//! The error envelope of API.md §1, written once. Every handler returns [`ApiError`]; internal
//! causes are logged with their chain and hidden from clients.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use plansift_store::{StoreError, faults};
use plansift_types::ErrorCode;
use serde_json::{Value, json};

tokio::task_local! {
    /// The request id of the request being served, for error bodies.
    pub static REQUEST_ID: String;
}

pub fn current_request_id() -> String {
    REQUEST_ID.try_with(|id| id.clone()).unwrap_or_default()
}

#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    pub details: Option<Value>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: message.into(),
            details: None,
        }
    }

    pub fn with_details(mut self, details: Value) -> ApiError {
        self.details = Some(details);
        self
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::InvalidRequest, message).with_details(json!({ "field": field }))
    }

    pub fn not_found() -> ApiError {
        ApiError::new(ErrorCode::NotFound, "no such resource")
    }

    pub fn job_state(status: plansift_types::JobStatus) -> ApiError {
        ApiError::new(
            ErrorCode::InvalidJobState,
            format!("not allowed while the job is {}", status.as_str()),
        )
        .with_details(json!({ "status": status.as_str() }))
    }

    /// A dependency (database, object store) is down for now: logged, answered `503
    /// unavailable` with `Retry-After`.
    pub fn unavailable(cause: impl std::fmt::Display) -> ApiError {
        tracing::warn!(error = %cause, request_id = %current_request_id(), "a dependency is unavailable");
        ApiError::new(
            ErrorCode::Unavailable,
            "a service Plansift depends on is unavailable; try again later",
        )
    }

    /// No space left to store what was sent: `507 insufficient_storage`, nothing kept.
    pub fn insufficient_storage(cause: impl std::fmt::Display) -> ApiError {
        tracing::warn!(error = %cause, request_id = %current_request_id(), "no space to store a request");
        ApiError::new(
            ErrorCode::InsufficientStorage,
            "there is no space left to store this; nothing was kept, try again later",
        )
    }

    /// An unexpected failure: logged with its cause, answered as `internal`.
    pub fn internal(cause: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %cause, request_id = %current_request_id(), "internal error");
        ApiError::new(ErrorCode::Internal, "internal error")
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::NotFound => ApiError::not_found(),
            StoreError::NameTaken => ApiError::new(
                ErrorCode::ProjectNameTaken,
                "a project with this name exists",
            ),
            StoreError::InvalidState(status) => ApiError::job_state(status),
            StoreError::LimitExceeded { limit, max } => {
                ApiError::new(ErrorCode::LimitExceeded, format!("{limit} exceeded"))
                    .with_details(json!({ "limit": limit, "max": max }))
            }
            StoreError::InsufficientCredits {
                required,
                available,
            } => ApiError::new(ErrorCode::InsufficientCredits, "not enough credits").with_details(
                json!({ "requiredCredits": required, "availableCredits": available }),
            ),
            other if other.is_storage_full() => ApiError::insufficient_storage(other),
            other if other.is_transient() => ApiError::unavailable(other),
            other => ApiError::internal(other),
        }
    }
}

/// Blob store failures: a full disk is 507, an unreachable or failing store 503.
impl From<std::io::Error> for ApiError {
    fn from(e: std::io::Error) -> ApiError {
        if faults::is_storage_full_io(&e) {
            ApiError::insufficient_storage(e)
        } else if faults::is_transient_io(&e) {
            ApiError::unavailable(e)
        } else {
            ApiError::internal(e)
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut error = json!({ "code": self.code.as_str(), "message": self.message, "requestId": current_request_id() });
        if let Some(details) = self.details {
            error["details"] = details;
        }
        let status = StatusCode::from_u16(self.code.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, axum::Json(json!({ "error": error }))).into_response();
        if let Some(secs) = self.code.retry_after_secs() {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        response
    }
}

/// Parses a JSON body, naming the offending field on error. Every body of the API is a JSON
/// object: an array is refused here, since serde would otherwise read a struct from one by
/// position (`["Library"]` as `{"name": "Library"}`).
pub fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> ApiResult<T> {
    if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return Err(ApiError::invalid(
            "body",
            "invalid request body: a JSON object is expected",
        ));
    }
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let field = if path == "." {
            // A missing field is reported at the parent; serde names it in the message.
            let msg = inner.to_string();
            msg.split('`').nth(1).unwrap_or("body").to_string()
        } else {
            path
        };
        ApiError::invalid(&field, format!("invalid request body: {inner}"))
    })
}
