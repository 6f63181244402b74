//! Stored rows to API views.

use crate::state::AppState;
use plansift_store::{JobRow, MetaStore, ProjectRow};
use plansift_types::api::*;

pub fn project_view(p: &ProjectRow) -> ProjectView {
    let ready = p.status == plansift_store::ProjectStatus::Ready;
    ProjectView {
        id: p.id.clone(),
        name: p.name.clone(),
        project_kind: "open_api".into(),
        status: p.status.as_str().into(),
        runtime: ProjectRuntime {
            status: if ready {
                "running".into()
            } else {
                "starting".into()
            },
            upgrade_status: None,
        },
        created_at: p.created_at,
        updated_at: p.updated_at,
    }
}

pub async fn job_view(
    state: &AppState,
    job: &JobRow,
) -> Result<JobView, plansift_store::StoreError> {
    let files = state
        .meta
        .documents(&job.id)
        .await?
        .into_iter()
        .map(|d| {
            let finished = matches!(
                d.status.as_str(),
                "completed" | "completed_with_errors" | "failed"
            );
            // A file's status follows the job's when the job ended before the file did.
            let status = match job.status {
                JobStatus::Cancelled if !finished => "cancelled".to_string(),
                JobStatus::Expired if !finished => "expired".to_string(),
                _ => d.status,
            };
            let error = d.error_code.map(|code| ErrorView {
                code,
                message: d.error_message.unwrap_or_default(),
            });
            JobFileView {
                id: d.id,
                file_name: d.file_name,
                status,
                error,
            }
        })
        .collect();
    // Pre-signed, as in Plangrep: the result without a key until the job's `expiresAt`.
    let result_url = match (job.status.has_result(), job.expires_at) {
        (true, Some(expires)) => Some(plansift_jobs::signed::result_url(
            crate::upload_token::signing_key(state).await?,
            &state.config.public_base_url,
            &job.id,
            expires.timestamp(),
        )),
        _ => None,
    };
    Ok(job_view_with(job, files, result_url))
}

pub fn job_view_with(job: &JobRow, files: Vec<JobFileView>, result_url: Option<String>) -> JobView {
    JobView {
        id: job.id.clone(),
        project_id: job.project_id.clone(),
        external_id: job.external_id.clone(),
        status: job.status,
        limits: JobLimits {
            max_declared_bytes: MAX_BYTES_PER_JOB,
            max_files: MAX_FILES_PER_JOB,
        },
        page_count: job.page_count,
        successful_page_count: job.successful_page_count,
        failed_page_count: job.failed_page_count,
        progress: JobProgress {
            pages_done: job.successful_page_count + job.failed_page_count,
            pages_total: job.page_count,
        },
        billing: JobBilling {
            credits_reserved: job.credits_reserved,
            credits_debited: job.credits_debited,
        },
        files,
        result_url,
        error: plansift_jobs::runner::job_error(job),
        created_at: job.created_at,
        updated_at: job.updated_at,
        completed_at: job.completed_at,
        expires_at: job.expires_at,
    }
}

/// Loads a job of the principal's organization, or 404.
pub async fn load_job(
    meta: &dyn MetaStore,
    org_id: &str,
    raw_id: &str,
) -> Result<JobRow, crate::error::ApiError> {
    let id = plansift_types::ids::parse_id(plansift_types::ids::IdKind::Job, raw_id)
        .ok_or_else(crate::error::ApiError::not_found)?;
    meta.job(Some(org_id), &id)
        .await?
        .ok_or_else(crate::error::ApiError::not_found)
}

/// Loads a project of the principal's organization, or 404.
pub async fn load_project(
    meta: &dyn MetaStore,
    org_id: &str,
    raw_id: &str,
) -> Result<ProjectRow, crate::error::ApiError> {
    let id = plansift_types::ids::parse_id(plansift_types::ids::IdKind::Project, raw_id)
        .ok_or_else(crate::error::ApiError::not_found)?;
    meta.project(org_id, &id)
        .await?
        .ok_or_else(crate::error::ApiError::not_found)
}
