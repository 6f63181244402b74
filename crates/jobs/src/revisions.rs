//! Versions of a sheet across a project's jobs: when a job brings a sheet whose normalized
//! number a project already has, finalize pictures what changed since the newest earlier
//! version ([`plansift_engine::revision_diff`]) and lists it as the sheet's `revision_diff`
//! artifact. Which version is current is read from the project index (`Filter::Current`).

use crate::artifacts::{blob_key, revision_diff_path};
use plansift_store::{BlobStore, Col, EntityKind, EntityQuery, Filter, MetaStore};
use plansift_types::keys::sheet_key;
use plansift_types::result::{ResultArtifact, ResultDocument};
use serde_json::Value;
use tracing::warn;

/// The blob key of an artifact of type `kind` in a list of artifacts (result or index JSON).
fn artifact_key<'a>(
    mut paths: impl Iterator<Item = (&'a str, &'a str)>,
    kind: &str,
) -> Option<String> {
    paths
        .find(|(k, _)| *k == kind)
        .and_then(|(_, p)| blob_key(p))
}

/// The thumbnail key of the newest sheet of the project with this normalized number that
/// another job brought, if any.
async fn previous_thumbnail(
    meta: &dyn MetaStore,
    project_id: &str,
    job_id: &str,
    key: &str,
) -> anyhow::Result<Option<String>> {
    let page = meta
        .entities(&EntityQuery {
            project_id: project_id.to_string(),
            kind: EntityKind::Sheet,
            filters: vec![Filter::Eq(Col::SheetKey, key.to_string())],
            after: None,
            limit: 1000,
        })
        .await?;
    for row in page.rows.iter().rev() {
        let data: Value = serde_json::from_str(&row.data)?;
        if data["jobId"].as_str() == Some(job_id) {
            continue;
        }
        let artifacts = data["artifacts"].as_array().into_iter().flatten();
        let pairs = artifacts.filter_map(|a| Some((a["type"].as_str()?, a["path"].as_str()?)));
        return Ok(artifact_key(pairs, "thumbnail"));
    }
    Ok(None)
}

/// Adds a `revision_diff` artifact to each sheet of `document` that supersedes an earlier
/// version in the project. A diff that cannot be made is logged and left out; it never fails
/// the job.
pub async fn add_revision_diffs(
    meta: &dyn MetaStore,
    blobs: &dyn BlobStore,
    project_id: &str,
    job_id: &str,
    document: &mut ResultDocument,
    url_prefix: &str,
) -> anyhow::Result<()> {
    let document_id = document.document_id.clone();
    for sheet in &mut document.sheets {
        let Some(number) = &sheet.sheet_number else {
            continue;
        };
        let key = sheet_key(number);
        if key.is_empty() {
            continue;
        }
        let pairs = sheet
            .artifacts
            .iter()
            .map(|a| (a.kind.as_str(), a.path.as_str()));
        let Some(newer) = artifact_key(pairs, "thumbnail") else {
            continue;
        };
        let Some(older) = previous_thumbnail(meta, project_id, job_id, &key).await? else {
            continue;
        };
        let (old_png, new_png) = (blobs.get(&older).await?, blobs.get(&newer).await?);
        let diff = tokio::task::spawn_blocking(move || {
            plansift_engine::revision_diff::revision_diff(&old_png, &new_png)
        })
        .await?;
        let diff = match diff {
            Ok(d) => d,
            Err(e) => {
                warn!(sheet = %sheet.sheet_id, error = %e, "no revision diff");
                continue;
            }
        };
        let path = revision_diff_path(&document_id, sheet.page_number as u32);
        blobs
            .put(&blob_key(&path).expect("made path"), &diff.png)
            .await?;
        sheet.artifacts.push(ResultArtifact {
            kind: "revision_diff".into(),
            url: Some(format!("{url_prefix}{path}")),
            path,
            content_type: "image/png".into(),
            width: Some(diff.width),
            height: Some(diff.height),
        });
    }
    Ok(())
}
