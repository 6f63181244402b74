//! The integration test binary: the HTTP API on a real server (in-process `TestApp` on port 0
//! with a fresh data directory, or the real binary as a process), with real corpus PDFs.

#[path = "../common/mod.rs"]
mod common;

mod admin;
mod artifacts;
mod bad_input;
mod crash;
mod flow;
mod hardening;
mod helpers;
mod hostile_server;
mod janitor;
mod lifecycle;
mod openapi;
mod page_images;
mod plan_room;
mod plangrep_conformance;
mod platform;
mod project_reads;
mod references;
mod retries;
mod revisions;
mod sheet_index;
mod signed_uploads;
mod submit;
mod submittal_register;
mod webhooks;
