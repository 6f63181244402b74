//! HTTP routes, one file per resource.

pub mod admin;
pub mod artifacts;
pub mod downloads;
pub mod grep;
pub mod health;
pub mod jobs;
pub mod page_images;
pub mod project_reads;
pub mod project_search;
pub mod projects;
pub mod search;
pub mod signed_uploads;
pub mod source_text;
pub mod submittal_changes;
pub mod submittal_register;
pub mod uploads;
