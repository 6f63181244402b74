//! Webhook delivery (API.md §7): the outbox rows written with each status change are POSTed
//! as Standard Webhooks, the events of one job in sequence order, with retries on a fixed
//! schedule (with jitter) and a check of the target address on every attempt.

use crate::state::AppState;
use crate::views::job_view;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use plansift_store::{OutboxRow, WebhookAttempt};
use plansift_types::time;
use rand::Rng;
use serde_json::{Value, json};
use sha2::Sha256;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use tokio::sync::watch;

/// Seconds before each retry; after the last, the event is `failed`.
const RETRY_SECONDS: [f64; 9] = [
    5.0, 30.0, 120.0, 600.0, 1800.0, 3600.0, 10800.0, 21600.0, 43200.0,
];

/// `https`, or `http` when the configuration allows it.
pub fn allowed_scheme(state: &AppState, scheme: &str) -> bool {
    scheme == "https" || (scheme == "http" && state.config.webhook_allow_http)
}

/// An address a webhook may not reach unless private targets are allowed.
pub fn forbidden_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => {
            ip.is_loopback()
                || ip.is_private()
                || ip.is_link_local()
                || ip.is_multicast()
                || ip.is_unspecified()
                || ip.is_broadcast()
        }
        IpAddr::V6(ip) => {
            ip.is_loopback()
                || ip.is_multicast()
                || ip.is_unspecified()
                || (ip.segments()[0] & 0xfe00) == 0xfc00
                || (ip.segments()[0] & 0xffc0) == 0xfe80
                || ip
                    .to_ipv4_mapped()
                    .is_some_and(|v4| forbidden_ip(IpAddr::V4(v4)))
        }
    }
}

/// `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` with the key inside `wss_…`.
pub fn signature(secret: &str, id: &str, timestamp: i64, body: &str) -> Option<String> {
    let key = STANDARD.decode(secret.strip_prefix("wss_")?).ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    Some(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// The delivery loop; runs until `shutdown` turns true.
pub async fn run(state: AppState, mut shutdown: watch::Receiver<bool>) {
    while !*shutdown.borrow() {
        let due = match state.meta.due_webhooks(&time::now(), 32).await {
            Ok(due) => due,
            Err(e) => {
                tracing::error!(error = %e, "webhook outbox unreadable");
                Vec::new()
            }
        };
        let idle = due.is_empty();
        let attempts = due.into_iter().map(|row| {
            let state = state.clone();
            async move {
                let outcome = attempt(&state, &row).await;
                use crate::metrics::*;
                let counter = match &outcome {
                    WebhookAttempt::Delivered { .. } => &WEBHOOK_DELIVERED,
                    WebhookAttempt::Retry { next: Some(_), .. } => &WEBHOOK_RETRIED,
                    WebhookAttempt::Retry { next: None, .. } => &WEBHOOK_FAILED,
                    WebhookAttempt::Gone => &WEBHOOK_GONE,
                };
                counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if let Err(e) = state.meta.webhook_attempted(&row.event_id, &outcome).await {
                    tracing::error!(error = %e, event = %row.event_id, "recording a webhook attempt failed");
                }
            }
        });
        futures_util::future::join_all(attempts).await;
        if idle {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(100)) => {}
                _ = shutdown.changed() => {}
            }
        }
    }
}

/// When to try again after `attempts` failed attempts, or `None` to give up.
fn next_attempt(state: &AppState, attempts: i64) -> Option<time::Timestamp> {
    let base = *RETRY_SECONDS.get(attempts as usize)?;
    let jitter = rand::thread_rng().gen_range(0.8..1.2);
    let ms = (base * state.config.webhook_retry_scale * jitter * 1000.0).max(1.0);
    Some(time::now() + chrono::Duration::milliseconds(ms as i64))
}

async fn attempt(state: &AppState, row: &OutboxRow) -> WebhookAttempt {
    let retry = |status: Option<i64>, error: String| WebhookAttempt::Retry {
        response_status: status,
        error,
        next: next_attempt(state, row.attempts),
    };
    let job = match state.meta.job(None, &row.job_id).await {
        Ok(Some(job)) => job,
        Ok(None) => return WebhookAttempt::Gone,
        Err(e) => return retry(None, e.to_string()),
    };
    let secret = match state.meta.webhook_secret(&job.id).await {
        Ok(s) => s,
        Err(e) => return retry(None, e.to_string()),
    };
    let (Some(url), Some(secret)) = (&job.webhook_url, &secret) else {
        return WebhookAttempt::Gone;
    };
    let event: Value = serde_json::from_str(&row.payload).unwrap_or_default();
    let mut view = match job_view(state, &job).await {
        Ok(v) => serde_json::to_value(v).unwrap_or_default(),
        Err(e) => return retry(None, e.to_string()),
    };
    view["status"] = event["data"]["status"].clone();
    let body = json!({
        "id": event["id"], "type": event["type"], "createdAt": event["createdAt"],
        "data": {
            "job": view, "previousStatus": event["data"]["previousStatus"],
            "sequence": event["data"]["sequence"],
        },
    })
    .to_string();
    let client = match checked_client(state, url).await {
        Ok(c) => c,
        Err(e) => return retry(None, e),
    };
    let timestamp = chrono::Utc::now().timestamp();
    let Some(signature) = signature(secret, &row.event_id, timestamp, &body) else {
        return WebhookAttempt::Retry {
            response_status: None,
            error: "the job's webhook secret is unusable".into(),
            next: None,
        };
    };
    let sent = client
        .post(url)
        .header("content-type", "application/json")
        .header("webhook-id", &row.event_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body)
        .send()
        .await;
    match sent {
        Ok(r) if r.status().is_success() => WebhookAttempt::Delivered {
            response_status: r.status().as_u16() as i64,
        },
        Ok(r) if r.status().as_u16() == 410 => WebhookAttempt::Gone,
        Ok(r) => retry(
            Some(r.status().as_u16() as i64),
            format!("the receiver answered {}", r.status()),
        ),
        Err(e) => retry(None, e.to_string()),
    }
}

/// A client that reaches only the address checked here (no second DNS answer, no redirects).
async fn checked_client(state: &AppState, raw: &str) -> Result<reqwest::Client, String> {
    let url = url::Url::parse(raw).map_err(|e| e.to_string())?;
    if !allowed_scheme(state, url.scheme()) {
        return Err(format!("scheme {} is not allowed", url.scheme()));
    }
    let host = url.host_str().ok_or("no host")?.to_string();
    let port = url.port_or_known_default().ok_or("no port")?;
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.trim_matches(['[', ']']), port))
        .await
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .collect();
    let allowed = addrs
        .into_iter()
        .find(|a| state.config.webhook_allow_private || !forbidden_ip(a.ip()))
        .ok_or_else(|| format!("{host} resolves only to forbidden addresses"))?;
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .resolve(&host, allowed)
        .build()
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_follow_standard_webhooks() {
        let secret = format!("wss_{}", STANDARD.encode([7u8; 32]));
        let sig = signature(&secret, "evt_1", 1_700_000_000, "{}").unwrap();
        let mut mac = Hmac::<Sha256>::new_from_slice(&[7u8; 32]).unwrap();
        mac.update(b"evt_1.1700000000.{}");
        assert_eq!(
            sig,
            format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
        );
        assert!(signature("whsec_x", "e", 1, "").is_none());
    }

    #[test]
    fn private_and_special_addresses_are_forbidden() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "169.254.1.1",
            "224.0.0.1",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(forbidden_ip(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "2606:2800:220:1::1"] {
            assert!(!forbidden_ip(ip.parse().unwrap()), "{ip}");
        }
    }
}
