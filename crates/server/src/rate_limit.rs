//! Per-key rate limits (API.md §1): a token bucket for each bearer token (kept as a hash),
//! `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` on every response of the API,
//! `429 rate_limited` with `Retry-After` when the bucket is empty.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use plansift_types::ErrorCode;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

struct Bucket {
    tokens: f64,
    at: Instant,
}

pub struct RateLimiter {
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<[u8; 16], Bucket>>,
}

/// The state of a bucket after a request: allowed, tokens left, seconds until full, seconds
/// until the next token.
struct Decision {
    allowed: bool,
    remaining: u64,
    reset: u64,
    retry_after: u64,
}

impl RateLimiter {
    /// `rate` requests a second on average, `burst` at once.
    pub fn new(rate: f64, burst: f64) -> RateLimiter {
        RateLimiter {
            rate: rate.max(0.001),
            burst: burst.max(1.0),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn take(&self, key: [u8; 16], now: Instant) -> Decision {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() > 100_000 {
            // Forget buckets that have refilled: they are the same as new ones.
            let (rate, burst) = (self.rate, self.burst);
            buckets.retain(|_, b| b.tokens + now.duration_since(b.at).as_secs_f64() * rate < burst);
        }
        let b = buckets.entry(key).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        b.tokens = (b.tokens + now.duration_since(b.at).as_secs_f64() * self.rate).min(self.burst);
        b.at = now;
        let allowed = b.tokens >= 1.0;
        if allowed {
            b.tokens -= 1.0;
        }
        Decision {
            allowed,
            remaining: b.tokens.floor() as u64,
            reset: ((self.burst - b.tokens) / self.rate).ceil() as u64,
            retry_after: ((1.0 - b.tokens).max(0.0) / self.rate).ceil().max(1.0) as u64,
        }
    }
}

/// Applies the limit of the request's bearer token; requests without one pass (they get 401).
pub async fn middleware(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(token) = request
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(crate::auth::bearer_token)
    else {
        return next.run(request).await;
    };
    let mut key = [0u8; 16];
    key.copy_from_slice(&Sha256::digest(token.trim().as_bytes())[..16]);
    let limiter = &state.limiter;
    let d = limiter.take(key, Instant::now());
    let mut response = if d.allowed {
        next.run(request).await
    } else {
        let mut r = ApiError::new(ErrorCode::RateLimited, "too many requests for this key")
            .with_details(json!({ "retryAfter": d.retry_after }))
            .into_response();
        r.headers_mut()
            .insert("retry-after", HeaderValue::from(d.retry_after));
        r
    };
    let h = response.headers_mut();
    h.insert("ratelimit-limit", HeaderValue::from(limiter.burst as u64));
    h.insert("ratelimit-remaining", HeaderValue::from(d.remaining));
    h.insert("ratelimit-reset", HeaderValue::from(d.reset));
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_bucket_allows_its_burst_then_refills_at_its_rate() {
        let limiter = RateLimiter::new(10.0, 3.0);
        let t0 = Instant::now();
        let key = [1u8; 16];
        for left in [2, 1, 0] {
            let d = limiter.take(key, t0);
            assert!(d.allowed);
            assert_eq!(d.remaining, left);
        }
        let d = limiter.take(key, t0);
        assert!(!d.allowed);
        assert_eq!(d.retry_after, 1);
        // 0.25 s later at 10/s: two tokens back.
        let d = limiter.take(key, t0 + Duration::from_millis(250));
        assert!(d.allowed);
        assert_eq!(d.remaining, 1);
        // Another key has its own bucket.
        assert!(limiter.take([2u8; 16], t0).allowed);
    }
}
