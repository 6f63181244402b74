//! HTTP routes, one file per resource.

pub mod artifacts;
pub mod health;
pub mod jobs;
pub mod projects;
pub mod uploads;
