//! The `interfaces` report (`-D`): one row per capture device.

use comfy_table::{Cell, CellAlignment, ContentArrangement, Table, presets};

use crate::record::interfaces::{InterfaceRecord, TstampTypeRecord};

pub fn table(rows: &[InterfaceRecord], styled: bool) -> String {
    let mut t = Table::new();
    t.load_preset(if styled { presets::UTF8_FULL_CONDENSED } else { presets::ASCII_MARKDOWN });
    t.set_content_arrangement(ContentArrangement::Disabled);
    t.set_header(["index", "name", "addresses", "flags", "link type"]);
    for r in rows {
        let link = match &r.link_description {
            Some(d) => format!("{} ({d})", r.link),
            None => r.link.clone(),
        };
        let mut name = r.name.clone();
        if let Some(d) = &r.description {
            name.push_str(&format!(" ({d})"));
        }
        t.add_row(vec![
            Cell::new(r.index.map(|i| i.to_string()).unwrap_or_default()).set_alignment(CellAlignment::Right),
            Cell::new(name),
            Cell::new(r.addresses.join("\n")),
            Cell::new(r.flags().join(", ")),
            Cell::new(link),
        ]);
    }
    let mut s = t.to_string();
    s.push('\n');
    s
}

/// `-J` in tcpdump's words (`show_tstamp_types_and_exit` in tcpdump.c).
pub fn tstamp_types_text(interface: &str, rows: &[TstampTypeRecord]) -> String {
    if rows.is_empty() {
        return format!("Time stamp type cannot be set for {interface}\n");
    }
    let mut s = format!("Time stamp types for {interface} (use option -j to set):\n");
    for r in rows {
        match &r.description {
            Some(d) => s.push_str(&format!("  {} ({d})\n", r.name)),
            None => s.push_str(&format!("  {}\n", r.name)),
        }
    }
    s
}

impl super::Row for TstampTypeRecord {
    fn csv_header() -> &'static [&'static str] {
        &["name", "description", "value"]
    }

    fn csv_row(&self) -> Vec<String> {
        vec![self.name.clone(), self.description.clone().unwrap_or_default(), self.value.to_string()]
    }
}

pub const CSV_HEADER: [&str; 10] =
    ["index", "name", "description", "addresses", "up", "running", "loopback", "wireless", "link_type", "link"];

impl super::Row for InterfaceRecord {
    fn csv_header() -> &'static [&'static str] {
        &CSV_HEADER
    }

    fn csv_row(&self) -> Vec<String> {
        vec![
            self.index.map(|i| i.to_string()).unwrap_or_default(),
            self.name.clone(),
            self.description.clone().unwrap_or_default(),
            self.addresses.join(" "),
            self.up.to_string(),
            self.running.to_string(),
            self.loopback.to_string(),
            self.wireless.to_string(),
            self.link_type.map(|l| l.to_string()).unwrap_or_default(),
            self.link.clone(),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tstamp_types_as_tcpdump_lists_them() {
        let rows = [
            TstampTypeRecord { name: "host".into(), description: Some("Host".into()), value: 0 },
            TstampTypeRecord { name: "9".into(), description: None, value: 9 },
        ];
        assert_eq!(
            tstamp_types_text("eth0", &rows),
            "Time stamp types for eth0 (use option -j to set):\n  host (Host)\n  9\n"
        );
        assert_eq!(tstamp_types_text("eth0", &[]), "Time stamp type cannot be set for eth0\n");
    }
}
