//! `wirelens interfaces` / `-D`: the devices a live capture can use; `-J`:
//! the time stamp types one of them offers.

use std::io::{self, Write};

use anyhow::Result;

use crate::capture::live::{list_interfaces, tstamp_types};
use crate::config::{Format, InterfacesConfig, Listing};
use crate::record::interfaces::{InterfaceRecord, TstampTypeRecord};
use crate::report;

pub(super) fn run(c: &InterfacesConfig) -> Result<u8> {
    let bytes = match &c.list {
        Listing::Devices => {
            // Each device is opened to learn its link type; without the
            // privileges to capture that fails and the link type says "unknown".
            let rows: Vec<InterfaceRecord> = list_interfaces(true)?.iter().map(InterfaceRecord::from_info).collect();
            report::rows_bytes(c.format, &rows)
                .unwrap_or_else(|| report::interfaces::table(&rows, c.styled).into_bytes())
        }
        Listing::TstampTypes(interfaces) => {
            // The rows do not say whose they are: one interface at a time
            // in the machine formats. The text names each, as dumpcap's
            // listing for several -i does.
            if interfaces.len() > 1 && c.format != Format::Table {
                anyhow::bail!("-J lists one interface at a time in --format json, ndjson or csv; give one -i");
            }
            let mut bytes = Vec::new();
            for interface in interfaces {
                let rows: Vec<TstampTypeRecord> =
                    tstamp_types(interface)?.iter().map(TstampTypeRecord::from_info).collect();
                bytes.extend(
                    report::rows_bytes(c.format, &rows)
                        .unwrap_or_else(|| report::interfaces::tstamp_types_text(interface, &rows).into_bytes()),
                );
            }
            bytes
        }
    };
    let mut out = io::stdout().lock();
    out.write_all(&bytes)?;
    out.flush()?;
    Ok(0)
}
