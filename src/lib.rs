//! wirelens: a packet capture and dissection analyser.
//!
//! The pipeline, and the direction its dependencies point:
//! `capture` (frames from files or interfaces) → `dissect` (layered views)
//! → `flow` (state over time) → `record`/`stats` (owned snapshots) →
//! `report` (bytes out). `cli`/`config` turn flags into a `Config`; `app`
//! runs a job. Nothing below `report` knows about output, and `report`
//! knows nothing of capture.

pub mod app;
pub mod bpf;
pub mod capture;
pub mod cli;
pub mod config;
pub mod dissect;
pub mod filter;
pub mod flow;
pub mod process;
pub mod record;
pub mod report;
pub mod services;
pub mod stats;
#[cfg(test)]
pub(crate) mod testutil;
pub mod text;
