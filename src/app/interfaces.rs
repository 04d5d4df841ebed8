//! `wirelens interfaces` / `-D`: the devices a live capture can use.

use std::io::{self, Write};

use anyhow::Result;

use crate::capture::live::list_interfaces;
use crate::config::InterfacesConfig;
use crate::record::interfaces::InterfaceRecord;
use crate::report;

pub(super) fn run(c: &InterfacesConfig) -> Result<u8> {
    // Each device is opened to learn its link type; without the privileges
    // to capture that fails and the link type says "unknown".
    let rows: Vec<InterfaceRecord> = list_interfaces(true)?.iter().map(InterfaceRecord::from_info).collect();
    let mut out = io::stdout().lock();
    match report::rows_bytes(c.format, &rows) {
        Some(bytes) => out.write_all(&bytes)?,
        None => out.write_all(report::interfaces::table(&rows, c.styled).as_bytes())?,
    }
    out.flush()?;
    Ok(0)
}
