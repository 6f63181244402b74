//! `GET /projects/{p}/submittal-register`: every submittal the project's current spec sections
//! require, as a page of JSON rows (filters `sectionNumber`, `division`, `type`; cursors like
//! every project read) or as a whole download (`?format=csv`, `?format=xlsx`) with the columns
//! a submittal-log import expects. Each row names its file, page and paragraph box, and links
//! to the page image; JSON rows of a section that a later job reissued say what changed
//! ([`submittal_changes`]), and the items the reissue dropped come back under `removed`.

use crate::auth::{Auth, Read};
use crate::error::{ApiError, ApiResult};
use crate::routes::project_reads::{self as reads, SUBMITTALS};
use crate::routes::submittal_changes;
use crate::state::AppState;
use crate::views::load_project;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use plansift_store::{EntityKind, all_entities};
use serde_json::Value;
use std::collections::HashMap;

type Params = HashMap<String, String>;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The download's columns, in order; `Page` is the 1-based page index of the file.
pub const REGISTER_COLUMNS: [&str; 9] = [
    "Section Number",
    "Section Title",
    "Submittal Title",
    "Type",
    "Description",
    "Article",
    "Page",
    "File",
    "Submittal ID",
];

/// One register row's cells, in [`REGISTER_COLUMNS`] order.
fn register_cells(row: &Value) -> Vec<String> {
    let text = |k: &str| row[k].as_str().unwrap_or_default().to_string();
    vec![
        text("sectionNumber"),
        text("sectionTitle"),
        text("title"),
        text("type"),
        text("description"),
        text("article"),
        row["pageNumber"]
            .as_i64()
            .map(|n| n.to_string())
            .unwrap_or_default(),
        text("fileName"),
        text("submittalId"),
    ]
}

pub async fn submittal_register(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Read>,
    Path(project): Path<String>,
    Query(mut params): Query<Params>,
) -> ApiResult<Response> {
    let project = load_project(state.meta.as_ref(), &who.org_id, &project).await?;
    // The register is over the current versions of the sections unless asked otherwise.
    params
        .entry("current".to_string())
        .or_insert_with(|| "true".to_string());
    let format = params.get("format").map(String::as_str).unwrap_or("json");
    if format == "json" {
        let mut page = reads::list(&state, &project.id, &SUBMITTALS, None, &params).await?;
        let rows = page["submittals"]
            .as_array_mut()
            .ok_or_else(|| ApiError::internal("the register page has no rows"))?;
        for row in rows.iter_mut() {
            link_page(row, &project.id);
        }
        let removed = if params.get("current").map(String::as_str) == Some("true") {
            submittal_changes::annotate(state.meta.as_ref(), &project.id, rows).await?
        } else {
            Vec::new()
        };
        page["removed"] = Value::Array(removed);
        return Ok(axum::Json(page).into_response());
    }
    if !matches!(format, "csv" | "xlsx") {
        return Err(ApiError::invalid(
            "format",
            "format must be json, csv or xlsx",
        ));
    }
    let (filters, _) = reads::filters(&SUBMITTALS, &params)?;
    let records = all_entities(
        state.meta.as_ref(),
        &project.id,
        EntityKind::Submittal,
        filters,
    )
    .await?;
    let rows = records
        .iter()
        .map(|r| serde_json::from_str::<Value>(&r.data).map_err(ApiError::internal))
        .collect::<ApiResult<Vec<_>>>()?;
    let cells: Vec<Vec<String>> = rows.iter().map(register_cells).collect();
    let (bytes, content_type, ext) = if format == "csv" {
        (csv(&cells).into_bytes(), "text/csv; charset=utf-8", "csv")
    } else {
        (
            crate::xlsx::workbook("Submittal register", &REGISTER_COLUMNS, &cells)
                .map_err(ApiError::internal)?,
            XLSX,
            "xlsx",
        )
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"submittal-register.{ext}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// Adds the link to the row's page image.
fn link_page(row: &mut Value, project_id: &str) {
    let (Some(file), Some(page)) = (row["fileId"].as_str(), row["pageNumber"].as_i64()) else {
        return;
    };
    row["links"] = serde_json::json!({
        "pageImage": format!("/api/open/v1/projects/{project_id}/files/{file}/pages/{page}/image"),
    });
}

/// RFC 4180: every field quoted, quotes doubled, CRLF line ends, a header row first.
fn csv(rows: &[Vec<String>]) -> String {
    let mut out = String::new();
    let header: Vec<String> = REGISTER_COLUMNS.iter().map(|c| c.to_string()).collect();
    for row in std::iter::once(&header).chain(rows) {
        let fields: Vec<String> = row
            .iter()
            .map(|f| format!("\"{}\"", f.replace('"', "\"\"")))
            .collect();
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_every_field_and_doubles_quotes() {
        let out = csv(&[vec!["09 91 23".into(), "Say \"when\", then".into()]]);
        let mut lines = out.split("\r\n");
        assert!(lines.next().unwrap().starts_with("\"Section Number\","));
        assert_eq!(
            lines.next().unwrap(),
            "\"09 91 23\",\"Say \"\"when\"\", then\""
        );
    }
}
