//! BPF capture filters applied to file packets, compiled by libpcap (through
//! the `pcap` crate) exactly as tcpdump compiles them. A pcapng file may
//! carry several link types, so a program is compiled per link type on first
//! use.

use std::collections::HashMap;

use crate::capture::LinkType;

#[derive(Debug, thiserror::Error)]
#[error("invalid BPF filter \"{expr}\" for link type {link}: {message}")]
pub struct BpfError {
    pub expr: String,
    pub link: u32,
    pub message: String,
}

pub struct Bpf {
    expr: String,
    programs: HashMap<LinkType, pcap::BpfProgram>,
}

impl Bpf {
    /// Checks the expression compiles for Ethernet, so a typo fails before
    /// any packet is read.
    pub fn new(expr: &str) -> Result<Bpf, BpfError> {
        let mut b = Bpf { expr: expr.to_string(), programs: HashMap::new() };
        b.program(LinkType::ETHERNET)?;
        Ok(b)
    }

    fn program(&mut self, link: LinkType) -> Result<&pcap::BpfProgram, BpfError> {
        if !self.programs.contains_key(&link) {
            let err = |message: String| BpfError { expr: self.expr.clone(), link: link.0, message };
            let dead = pcap::Capture::dead(pcap::Linktype(link.0 as i32)).map_err(|e| err(e.to_string()))?;
            let prog = dead.compile(&self.expr, true).map_err(|e| err(e.to_string()))?;
            self.programs.insert(link, prog);
        }
        Ok(&self.programs[&link])
    }

    /// True if the frame passes the filter.
    pub fn matches(&mut self, link: LinkType, data: &[u8]) -> Result<bool, BpfError> {
        Ok(self.program(link)?.filter(data))
    }
}
