//! The one table of public error codes: code string, HTTP status, and whose fault.
//!
//! Codes never change once published; messages may.

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    InvalidRequest,
    Unauthorized,
    Forbidden,
    OrganizationDisabled,
    NotFound,
    MethodNotAllowed,
    UnsupportedMediaType,
    ProjectNotReady,
    InvalidJobState,
    ResultNotAvailable,
    ProjectNameTaken,
    IndexNotReady,
    IdempotencyKeyInUse,
    PayloadTooLarge,
    IdempotencyKeyReused,
    ChecksumMismatch,
    UploadIncomplete,
    LimitExceeded,
    InvalidWebhookUrl,
    InsufficientCredits,
    TokenExpired,
    RateLimited,
    Internal,
    Unavailable,
    InsufficientStorage,
}

impl ErrorCode {
    /// Every code, for tests and the OpenAPI document.
    pub const ALL: [ErrorCode; 25] = [
        ErrorCode::InvalidRequest,
        ErrorCode::Unauthorized,
        ErrorCode::Forbidden,
        ErrorCode::OrganizationDisabled,
        ErrorCode::NotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::ProjectNotReady,
        ErrorCode::InvalidJobState,
        ErrorCode::ResultNotAvailable,
        ErrorCode::ProjectNameTaken,
        ErrorCode::IndexNotReady,
        ErrorCode::IdempotencyKeyInUse,
        ErrorCode::PayloadTooLarge,
        ErrorCode::IdempotencyKeyReused,
        ErrorCode::ChecksumMismatch,
        ErrorCode::UploadIncomplete,
        ErrorCode::LimitExceeded,
        ErrorCode::InvalidWebhookUrl,
        ErrorCode::InsufficientCredits,
        ErrorCode::TokenExpired,
        ErrorCode::RateLimited,
        ErrorCode::Internal,
        ErrorCode::Unavailable,
        ErrorCode::InsufficientStorage,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::OrganizationDisabled => "organization_disabled",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::ProjectNotReady => "project_not_ready",
            ErrorCode::InvalidJobState => "invalid_job_state",
            ErrorCode::ResultNotAvailable => "result_not_available",
            ErrorCode::ProjectNameTaken => "project_name_taken",
            ErrorCode::IndexNotReady => "index_not_ready",
            ErrorCode::IdempotencyKeyInUse => "idempotency_key_in_use",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::IdempotencyKeyReused => "idempotency_key_reused",
            ErrorCode::ChecksumMismatch => "checksum_mismatch",
            ErrorCode::UploadIncomplete => "upload_incomplete",
            ErrorCode::LimitExceeded => "limit_exceeded",
            ErrorCode::InvalidWebhookUrl => "invalid_webhook_url",
            ErrorCode::InsufficientCredits => "insufficient_credits",
            ErrorCode::TokenExpired => "token_expired",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Internal => "internal",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::InsufficientStorage => "insufficient_storage",
        }
    }

    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::InvalidRequest => 400,
            ErrorCode::Unauthorized => 401,
            ErrorCode::Forbidden | ErrorCode::OrganizationDisabled => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::ProjectNotReady
            | ErrorCode::InvalidJobState
            | ErrorCode::ResultNotAvailable
            | ErrorCode::ProjectNameTaken
            | ErrorCode::IndexNotReady
            | ErrorCode::IdempotencyKeyInUse => 409,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::IdempotencyKeyReused
            | ErrorCode::ChecksumMismatch
            | ErrorCode::UploadIncomplete
            | ErrorCode::LimitExceeded
            | ErrorCode::InvalidWebhookUrl => 422,
            ErrorCode::InsufficientCredits => 402,
            ErrorCode::TokenExpired => 410,
            ErrorCode::RateLimited => 429,
            ErrorCode::Internal => 500,
            ErrorCode::Unavailable => 503,
            ErrorCode::InsufficientStorage => 507,
        }
    }

    /// The code of a bare status from the framework (an extractor's rejection), so that it
    /// too is answered in the envelope.
    pub fn for_status(status: u16) -> ErrorCode {
        match status {
            401 => ErrorCode::Unauthorized,
            403 => ErrorCode::Forbidden,
            404 => ErrorCode::NotFound,
            405 => ErrorCode::MethodNotAllowed,
            413 => ErrorCode::PayloadTooLarge,
            415 => ErrorCode::UnsupportedMediaType,
            429 => ErrorCode::RateLimited,
            503 => ErrorCode::Unavailable,
            507 => ErrorCode::InsufficientStorage,
            400..=499 => ErrorCode::InvalidRequest,
            _ => ErrorCode::Internal,
        }
    }

    /// Seconds a client should wait before trying again (`Retry-After`), for the codes that
    /// say "not now": a dependency is down or the disk is full, and it will pass.
    pub fn retry_after_secs(self) -> Option<u64> {
        match self {
            ErrorCode::Unavailable => Some(5),
            ErrorCode::InsufficientStorage => Some(30),
            _ => None,
        }
    }

    /// Whether the client caused it (4xx) rather than the server (5xx).
    pub fn is_client_error(self) -> bool {
        self.http_status() < 500
    }
}

/// Codes of document- and page-level failures inside a job (Result v1 `errors[]`).
pub mod document {
    pub const UNSUPPORTED_FORMAT: &str = "unsupported_format";
    pub const CORRUPT_PDF: &str = "corrupt_pdf";
    pub const ENCRYPTED_PDF: &str = "encrypted_pdf";
    pub const PAGE_FAILED: &str = "page_failed";
    pub const PAGE_LIMIT_EXCEEDED: &str = "page_limit_exceeded";
    /// The page's work went over its memory or CPU-time limit.
    pub const PAGE_RESOURCE_LIMIT: &str = "page_resource_limit";
    /// The page's work went over its wall-clock limit.
    pub const PAGE_TIMEOUT: &str = "page_timeout";
    /// The page's work crashed (a panic or the death of its worker).
    pub const PAGE_CRASHED: &str = "page_crashed";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_name_matches_as_str_for_every_code() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert!((400..600).contains(&code.http_status()));
        }
    }
}
