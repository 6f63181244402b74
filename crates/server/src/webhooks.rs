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

/// An address a webhook may not reach unless private targets are allowed: every block of the
/// IANA IPv4 and IPv6 Special-Purpose Address Registries that is not globally reachable, plus
/// multicast, and the IPv6 forms that embed an IPv4 address (mapped, compatible, NAT64, 6to4,
/// Teredo), which are judged by the address they embed or refused outright.
pub fn forbidden_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => forbidden_v4(ip),
        IpAddr::V6(ip) => forbidden_v6(ip),
    }
}

fn in_v4(ip: std::net::Ipv4Addr, net: [u8; 4], bits: u32) -> bool {
    let mask = if bits == 0 {
        0
    } else {
        u32::MAX << (32 - bits)
    };
    u32::from(ip) & mask == u32::from_be_bytes(net) & mask
}

fn forbidden_v4(ip: std::net::Ipv4Addr) -> bool {
    const BLOCKS: [([u8; 4], u32); 18] = [
        ([0, 0, 0, 0], 8),       // "this network"
        ([10, 0, 0, 0], 8),      // private
        ([100, 64, 0, 0], 10),   // shared address space (carrier-grade NAT, cloud metadata)
        ([127, 0, 0, 0], 8),     // loopback
        ([169, 254, 0, 0], 16),  // link local
        ([172, 16, 0, 0], 12),   // private
        ([192, 0, 0, 0], 24),    // IETF protocol assignments
        ([192, 0, 2, 0], 24),    // documentation (TEST-NET-1)
        ([192, 31, 196, 0], 24), // AS112
        ([192, 52, 193, 0], 24), // AMT
        ([192, 88, 99, 0], 24),  // deprecated 6to4 relay anycast
        ([192, 168, 0, 0], 16),  // private
        ([192, 175, 48, 0], 24), // direct delegation AS112
        ([198, 18, 0, 0], 15),   // benchmarking
        ([198, 51, 100, 0], 24), // documentation (TEST-NET-2)
        ([203, 0, 113, 0], 24),  // documentation (TEST-NET-3)
        ([224, 0, 0, 0], 4),     // multicast
        ([240, 0, 0, 0], 4),     // reserved, and the limited broadcast address
    ];
    BLOCKS.iter().any(|(net, bits)| in_v4(ip, *net, *bits))
}

fn in_v6(ip: std::net::Ipv6Addr, net: u128, bits: u32) -> bool {
    let mask = if bits == 0 {
        0
    } else {
        u128::MAX << (128 - bits)
    };
    u128::from(ip) & mask == net & mask
}

fn forbidden_v6(ip: std::net::Ipv6Addr) -> bool {
    let bits = u128::from(ip);
    // ::/96 holds the unspecified and loopback addresses and the deprecated IPv4-compatible
    // form (`::127.0.0.1`); ::ffff:0:0/96 the IPv4-mapped form; 64:ff9b::/96 (NAT64) and
    // 64:ff9b:1::/48 embed an IPv4 address a translator would reach.
    if in_v6(ip, 0, 96) || in_v6(ip, 0xffff_0000_0000, 96) {
        return true;
    }
    if in_v6(ip, 0x0064_ff9b << 96, 96) {
        return forbidden_v4(std::net::Ipv4Addr::from(bits as u32));
    }
    const BLOCKS: [(u128, u32); 14] = [
        (0x0064_ff9b_0001 << 80, 48), // local-use IPv4/IPv6 translation
        (0x0100 << 112, 64),          // discard-only
        (0x2001 << 112, 23),          // IETF protocol assignments (Teredo, ORCHID, …)
        (0x2001_0db8 << 96, 32),      // documentation
        (0x2002 << 112, 16),          // 6to4: reaches an embedded IPv4 address
        (0x3fff << 112, 20),          // documentation
        (0x5f00 << 112, 16),          // segment routing SIDs
        (0xfc00 << 112, 7),           // unique local
        (0xfe80 << 112, 10),          // link local
        (0xfec0 << 112, 10),          // site local (deprecated)
        (0xff00 << 112, 8),           // multicast
        (0xffff << 48, 96),           // IPv4-translated ::ffff:0:0:0/96
        (0x2620_004f_8000 << 80, 48), // AS112 (direct delegation)
        (0x2001_0004_0112 << 80, 48), // AS112
    ];
    BLOCKS.iter().any(|(net, len)| in_v6(ip, *net, *len))
}

/// The addresses `host` resolves to, if at least one is allowed: the first allowed one.
pub async fn allowed_address(
    state: &AppState,
    host: &str,
    port: u16,
) -> Result<SocketAddr, String> {
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.trim_matches(['[', ']']), port))
        .await
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .collect();
    addrs
        .into_iter()
        .find(|a| state.config.webhook_allow_private || !forbidden_ip(a.ip()))
        .ok_or_else(|| format!("{host} resolves only to forbidden addresses"))
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
    let allowed = allowed_address(state, &host, port).await?;
    // `no_proxy`: an `HTTP(S)_PROXY` in the environment would send the request to the proxy,
    // which resolves the host itself, past the address pinned here.
    reqwest::Client::builder()
        .no_proxy()
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
            "100.64.0.1",
            "100.100.100.200",
            "198.18.0.1",
            "198.19.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "0.1.2.3",
            "240.0.0.1",
            "255.255.255.255",
            "::127.0.0.1",
            "::",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::",
            "fec0::1",
            "2001:db8::1",
            "2001::1",
            "ff02::1",
        ] {
            assert!(forbidden_ip(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "93.184.216.34",
            "2606:2800:220:1::1",
            "64:ff9b::5db8:d822",
            "100.128.0.1",
            "198.20.0.1",
        ] {
            assert!(!forbidden_ip(ip.parse().unwrap()), "{ip}");
        }
    }
}
