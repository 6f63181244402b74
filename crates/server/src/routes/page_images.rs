//! `GET /projects/{p}/files/{fileId}/pages/{n}/image?width=` (extension): a page of a project
//! file drawn larger than its 1024-pixel thumbnail, for zooming in the plan room. The first
//! request renders it on the blocking pool (at most one render per core at once) and keeps it
//! as a blob beside the page's other artifacts; later requests stream that blob like any
//! artifact (ETag, ranges).

use crate::auth::{Artifacts, Auth};
use crate::error::{ApiError, ApiResult};
use crate::routes::artifacts::serve_blob;
use crate::state::AppState;
use crate::views::load_project;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use plansift_store::{Col, EntityKind, EntityQuery, Filter};
use plansift_types::ErrorCode;
use plansift_types::ids::{IdKind, parse_id};
use serde::Deserialize;
use serde_json::Value;
use std::sync::Arc;

/// The longest side, in pixels, when the request names none.
const DEFAULT_WIDTH: u32 = 2048;
/// Widths are 1024–4096 in steps of 512, so that renders are shared between requests.
const WIDTHS: std::ops::RangeInclusive<u32> = 1024..=4096;
const STEP: u32 = 512;

#[derive(Deserialize)]
pub struct ImageQuery {
    width: Option<String>,
}

fn width(raw: Option<&str>) -> ApiResult<u32> {
    let Some(raw) = raw else {
        return Ok(DEFAULT_WIDTH);
    };
    raw.trim()
        .parse::<u32>()
        .ok()
        .filter(|w| WIDTHS.contains(w) && w % STEP == 0)
        .ok_or_else(|| ApiError::invalid("width", "width must be 1024-4096 in steps of 512"))
}

pub async fn page_image(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Artifacts>,
    Path((project, file, page)): Path<(String, String, String)>,
    Query(query): Query<ImageQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let project = load_project(state.meta.as_ref(), &who.org_id, &project).await?;
    let width = width(query.width.as_deref())?;
    let file = parse_id(IdKind::Document, &file).ok_or_else(ApiError::not_found)?;
    let page: u32 = page
        .parse()
        .ok()
        .filter(|n| *n >= 1)
        .ok_or_else(ApiError::not_found)?;
    let found = state
        .meta
        .entities(&EntityQuery {
            project_id: project.id.clone(),
            kind: EntityKind::File,
            filters: vec![Filter::Eq(Col::Id, file.to_string())],
            after: None,
            limit: 1,
        })
        .await?;
    let record = found.rows.first().ok_or_else(ApiError::not_found)?;
    let data: Value = serde_json::from_str(&record.data).map_err(ApiError::internal)?;
    if data["pageCount"].as_u64().is_none_or(|n| page as u64 > n) {
        return Err(ApiError::not_found());
    }
    let key = format!("artifacts/{file}/render-{page}-{width}.png");
    if !state.blobs.exists(&key).await? {
        let _slot = state
            .render_slots
            .acquire()
            .await
            .map_err(ApiError::internal)?;
        // Another request may have drawn it while this one waited for a slot.
        if !state.blobs.exists(&key).await? {
            let bytes = match state.blobs.get(&format!("documents/{file}")).await {
                Ok(bytes) => bytes,
                // A purged job's original is gone; its page images go with it.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    return Err(ApiError::not_found());
                }
                Err(e) => return Err(e.into()),
            };
            let image = tokio::task::spawn_blocking(move || {
                let doc =
                    plansift_engine::Document::open(Arc::new(bytes)).map_err(|e| e.to_string())?;
                plansift_engine::render::render_page(&doc, page as usize, width)
                    .map_err(|e| e.to_string())
            })
            .await
            .map_err(ApiError::internal)?
            .map_err(|e| {
                ApiError::new(
                    ErrorCode::NotFound,
                    format!("the page cannot be drawn: {e}"),
                )
            })?;
            state.blobs.put(&key, &image.png).await?;
        }
    }
    let name = format!("{file}/page-{page}-{width}.png");
    serve_blob(&state, &key, &name, "image/png".into(), &headers).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn widths_are_steps_of_512_up_to_4096() {
        assert_eq!(super::width(None).unwrap(), 2048);
        assert_eq!(super::width(Some("4096")).unwrap(), 4096);
        assert_eq!(super::width(Some("1024")).unwrap(), 1024);
        for bad in ["512", "2000", "4608", "x", "-1", ""] {
            assert!(super::width(Some(bad)).is_err(), "{bad}");
        }
    }
}
