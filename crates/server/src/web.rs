//! The web plan room (`/`) and the API reference page (`/reference`): static files compiled into
//! the binary (`crates/server/web/`), served with their content type, a strong `ETag` and a
//! content security policy that allows nothing but this origin. The pages talk to the public
//! API like any other client; nothing here reads the stores.

use crate::error::ApiError;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use plansift_types::ErrorCode;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

const PLAN_ROOM: Asset = Asset {
    name: "index.html",
    content_type: "text/html; charset=utf-8",
    bytes: include_bytes!("../web/index.html"),
};

const REFERENCE: Asset = Asset {
    name: "reference.html",
    content_type: "text/html; charset=utf-8",
    bytes: include_bytes!("../web/reference.html"),
};

/// What `/assets/{name}` serves.
const ASSETS: &[Asset] = &[
    Asset {
        name: "app.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../web/app.js"),
    },
    Asset {
        name: "app.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../web/app.css"),
    },
    Asset {
        name: "reference.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../web/reference.js"),
    },
    Asset {
        name: "reference.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../web/reference.css"),
    },
];

/// Scripts, styles, fetches and images from this origin only (images also from `blob:` URLs,
/// which is how the pages show artifacts fetched with the bearer key); no framing.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; \
     connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Each file's ETag: a prefix of its sha256, computed once.
static ETAGS: LazyLock<Vec<(&'static str, String)>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .chain([&PLAN_ROOM, &REFERENCE])
        .map(|a| {
            let digest = Sha256::digest(a.bytes);
            (a.name, format!("\"{}\"", hex::encode(&digest[..12])))
        })
        .collect()
});

fn serve(asset: &Asset, request: &HeaderMap) -> Response {
    let etag = ETAGS
        .iter()
        .find(|(n, _)| *n == asset.name)
        .map(|(_, e)| e.as_str())
        .unwrap_or_default();
    let fresh = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(header::CONTENT_TYPE, asset.content_type)], asset.bytes).into_response()
    };
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(etag) {
        headers.insert(header::ETAG, v);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// `GET /`: the plan room.
pub async fn plan_room(headers: HeaderMap) -> Response {
    serve(&PLAN_ROOM, &headers)
}

/// `GET /reference`: the API reference, rendered from the OpenAPI document.
pub async fn reference(headers: HeaderMap) -> Response {
    serve(&REFERENCE, &headers)
}

/// `GET /assets/{name}`: the pages' scripts and styles.
pub async fn asset(Path(name): Path<String>, headers: HeaderMap) -> Result<Response, ApiError> {
    ASSETS
        .iter()
        .find(|a| a.name == name)
        .map(|a| serve(a, &headers))
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no such asset"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_the_pages_load_is_served() {
        // The pages name their scripts and styles; each must be one of the assets.
        for page in [&PLAN_ROOM, &REFERENCE] {
            let html = std::str::from_utf8(page.bytes).unwrap();
            let loaded: Vec<&str> = html
                .split("/assets/")
                .skip(1)
                .map(|rest| rest.split('"').next().unwrap())
                .collect();
            assert!(!loaded.is_empty(), "{} loads nothing", page.name);
            for name in loaded {
                assert!(
                    ASSETS.iter().any(|a| a.name == name),
                    "{} loads /assets/{name}, which is not served",
                    page.name
                );
            }
        }
    }
}
