//! API views and the job status machine.

use crate::time::{Timestamp, serde_ms};
use serde::{Deserialize, Serialize};

/// The job status of API.md §3. One [`JobStatus::can_transition`] owns every allowed edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    Provisioning,
    AwaitingUploads,
    Uploading,
    Preflighting,
    Processing,
    BlockedInsufficientCredits,
    Completed,
    CompletedWithErrors,
    Failed,
    Cancelled,
    Expired,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Provisioning => "provisioning",
            JobStatus::AwaitingUploads => "awaiting_uploads",
            JobStatus::Uploading => "uploading",
            JobStatus::Preflighting => "preflighting",
            JobStatus::Processing => "processing",
            JobStatus::BlockedInsufficientCredits => "blocked_insufficient_credits",
            JobStatus::Completed => "completed",
            JobStatus::CompletedWithErrors => "completed_with_errors",
            JobStatus::Failed => "failed",
            JobStatus::Cancelled => "cancelled",
            JobStatus::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<JobStatus> {
        Some(match s {
            "provisioning" => JobStatus::Provisioning,
            "awaiting_uploads" => JobStatus::AwaitingUploads,
            "uploading" => JobStatus::Uploading,
            "preflighting" => JobStatus::Preflighting,
            "processing" => JobStatus::Processing,
            "blocked_insufficient_credits" => JobStatus::BlockedInsufficientCredits,
            "completed" => JobStatus::Completed,
            "completed_with_errors" => JobStatus::CompletedWithErrors,
            "failed" => JobStatus::Failed,
            "cancelled" => JobStatus::Cancelled,
            "expired" => JobStatus::Expired,
            _ => return None,
        })
    }

    pub fn is_terminal(self) -> bool {
        match self {
            JobStatus::Completed
            | JobStatus::CompletedWithErrors
            | JobStatus::Failed
            | JobStatus::Cancelled
            | JobStatus::Expired => true,
            JobStatus::Provisioning
            | JobStatus::AwaitingUploads
            | JobStatus::Uploading
            | JobStatus::Preflighting
            | JobStatus::Processing
            | JobStatus::BlockedInsufficientCredits => false,
        }
    }

    pub fn has_result(self) -> bool {
        matches!(self, JobStatus::Completed | JobStatus::CompletedWithErrors)
    }

    /// The edges of the status machine; nothing else is allowed.
    pub fn can_transition(from: JobStatus, to: JobStatus) -> bool {
        use JobStatus::*;
        if !from.is_terminal() && matches!(to, Cancelled | Expired) {
            return true;
        }
        matches!(
            (from, to),
            (Provisioning, AwaitingUploads)
                | (AwaitingUploads, Uploading)
                | (Uploading, Preflighting)
                | (
                    Preflighting,
                    Processing | Failed | BlockedInsufficientCredits
                )
                | (
                    Processing,
                    Completed | CompletedWithErrors | Failed | BlockedInsufficientCredits
                )
                | (BlockedInsufficientCredits, Preflighting)
        )
    }
}

/// API key scopes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum Scope {
    #[serde(rename = "jobs:read")]
    JobsRead,
    #[serde(rename = "jobs:write")]
    JobsWrite,
    #[serde(rename = "artifacts:read")]
    ArtifactsRead,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::JobsRead => "jobs:read",
            Scope::JobsWrite => "jobs:write",
            Scope::ArtifactsRead => "artifacts:read",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        match s.trim() {
            "jobs:read" => Some(Scope::JobsRead),
            "jobs:write" => Some(Scope::JobsWrite),
            "artifacts:read" => Some(Scope::ArtifactsRead),
            _ => None,
        }
    }

    /// Parses a comma-separated list; an unknown scope is an error naming it.
    pub fn parse_list(s: &str) -> Result<Vec<Scope>, String> {
        let mut out = Vec::new();
        for part in s.split(',').filter(|p| !p.trim().is_empty()) {
            let scope = Scope::parse(part).ok_or_else(|| format!("unknown scope {part:?}"))?;
            if !out.contains(&scope) {
                out.push(scope);
            }
        }
        if out.is_empty() {
            return Err("at least one scope is required".into());
        }
        Ok(out)
    }
}

/// Document classification as given by the client or detected.
pub const CLASSIFICATIONS: [&str; 6] = [
    "plans",
    "specifications",
    "documents",
    "addenda",
    "mixed",
    "other",
];

pub fn is_classification(s: &str) -> bool {
    CLASSIFICATIONS.contains(&s)
}

/// The org profile of API.md §5.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OpenApiProfile {
    pub drawing_credits_per_page: i64,
    pub document_credits_per_page: i64,
    pub project_creation_credits: i64,
    pub job_page_limit: i64,
    pub retention_days: i64,
    pub enabled: bool,
    #[serde(with = "serde_ms")]
    #[schemars(with = "String")]
    pub updated_at: Timestamp,
}

impl OpenApiProfile {
    pub fn default_at(updated_at: Timestamp) -> Self {
        OpenApiProfile {
            drawing_credits_per_page: 10,
            document_credits_per_page: 1,
            project_creation_credits: 0,
            job_page_limit: 5000,
            retention_days: 30,
            enabled: true,
            updated_at,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProjectRuntime {
    pub status: String,
    pub upgrade_status: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProjectView {
    pub id: String,
    pub name: String,
    pub project_kind: String,
    pub status: String,
    pub runtime: ProjectRuntime,
    #[serde(with = "serde_ms")]
    #[schemars(with = "String")]
    pub created_at: Timestamp,
    #[serde(with = "serde_ms")]
    #[schemars(with = "String")]
    pub updated_at: Timestamp,
}

#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobLimits {
    pub max_declared_bytes: i64,
    pub max_files: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobProgress {
    pub pages_done: i64,
    pub pages_total: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobBilling {
    pub credits_reserved: i64,
    pub credits_debited: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobFileView {
    pub id: String,
    pub file_name: String,
    /// `registered`, `uploaded`, then the document's outcome (`completed`,
    /// `completed_with_errors`, `failed`), or the job's end when it came first (`cancelled`,
    /// `expired`).
    pub status: String,
    /// Why the file failed (`unsupported_format`, `corrupt_pdf`, `encrypted_pdf`), else null.
    pub error: Option<ErrorView>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ErrorView {
    pub code: String,
    pub message: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobView {
    pub id: String,
    pub project_id: String,
    pub external_id: Option<String>,
    pub status: JobStatus,
    pub limits: JobLimits,
    pub page_count: i64,
    pub successful_page_count: i64,
    pub failed_page_count: i64,
    pub progress: JobProgress,
    pub billing: JobBilling,
    pub files: Vec<JobFileView>,
    pub result_url: Option<String>,
    pub error: Option<ErrorView>,
    #[serde(with = "serde_ms")]
    #[schemars(with = "String")]
    pub created_at: Timestamp,
    #[serde(with = "serde_ms")]
    #[schemars(with = "String")]
    pub updated_at: Timestamp,
    #[serde(with = "serde_ms::option")]
    #[schemars(with = "Option<String>")]
    pub completed_at: Option<Timestamp>,
    #[serde(with = "serde_ms::option")]
    #[schemars(with = "Option<String>")]
    pub expires_at: Option<Timestamp>,
}

/// Per-job limits of API.md §4.
pub const MAX_FILES_PER_JOB: i64 = 100;
pub const MAX_BYTES_PER_JOB: i64 = 10_000_000_000;

#[cfg(test)]
mod tests {
    use super::JobStatus::*;
    use super::*;

    const ALL: [JobStatus; 11] = [
        Provisioning,
        AwaitingUploads,
        Uploading,
        Preflighting,
        Processing,
        BlockedInsufficientCredits,
        Completed,
        CompletedWithErrors,
        Failed,
        Cancelled,
        Expired,
    ];

    #[test]
    fn terminal_states_have_no_way_out() {
        for from in ALL.into_iter().filter(|s| s.is_terminal()) {
            for to in ALL {
                assert!(!JobStatus::can_transition(from, to), "{from:?} -> {to:?}");
            }
        }
    }

    #[test]
    fn the_happy_path_and_cancel_are_allowed_and_skips_are_not() {
        assert!(JobStatus::can_transition(AwaitingUploads, Uploading));
        assert!(JobStatus::can_transition(Uploading, Preflighting));
        assert!(JobStatus::can_transition(Preflighting, Processing));
        assert!(JobStatus::can_transition(Processing, CompletedWithErrors));
        assert!(JobStatus::can_transition(
            BlockedInsufficientCredits,
            Preflighting
        ));
        assert!(!JobStatus::can_transition(AwaitingUploads, Preflighting));
        assert!(!JobStatus::can_transition(Uploading, Processing));
        assert!(!JobStatus::can_transition(Processing, Uploading));
        for from in ALL.into_iter().filter(|s| !s.is_terminal()) {
            assert!(JobStatus::can_transition(from, Cancelled));
        }
    }

    /// Every pair of statuses against the machine of API.md §3, written out edge by edge.
    #[test]
    fn exactly_the_edges_of_the_contract() {
        let mut edges = vec![
            (Provisioning, AwaitingUploads),
            (AwaitingUploads, Uploading),
            (Uploading, Preflighting),
            (Preflighting, Processing),
            (Preflighting, Failed),
            (Preflighting, BlockedInsufficientCredits),
            (Processing, Completed),
            (Processing, CompletedWithErrors),
            (Processing, Failed),
            (Processing, BlockedInsufficientCredits),
            (BlockedInsufficientCredits, Preflighting),
        ];
        for from in ALL.into_iter().filter(|s| !s.is_terminal()) {
            edges.push((from, Cancelled));
            edges.push((from, Expired));
        }
        for from in ALL {
            for to in ALL {
                assert_eq!(
                    JobStatus::can_transition(from, to),
                    edges.contains(&(from, to)),
                    "{from:?} -> {to:?}"
                );
            }
        }
    }

    #[test]
    fn status_strings_round_trip() {
        for s in ALL {
            assert_eq!(JobStatus::parse(s.as_str()), Some(s));
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
        }
    }

    #[test]
    fn scope_lists_parse_and_reject_unknowns() {
        assert_eq!(
            Scope::parse_list("jobs:read, jobs:write,jobs:read").unwrap(),
            vec![Scope::JobsRead, Scope::JobsWrite]
        );
        assert!(Scope::parse_list("jobs:admin").is_err());
        assert!(Scope::parse_list("").is_err());
    }
}
