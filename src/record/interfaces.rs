//! Capture interfaces as `wirelens interfaces` reports them.

use serde::Serialize;

use crate::capture::live::{InterfaceInfo, TstampTypeInfo, link_names};

#[derive(Debug, Clone, Serialize)]
pub struct InterfaceRecord {
    /// Kernel interface index; absent for pseudo-devices such as `any`.
    pub index: Option<u32>,
    pub name: String,
    pub description: Option<String>,
    /// `address/prefix`, IPv4 and IPv6.
    pub addresses: Vec<String>,
    pub up: bool,
    pub running: bool,
    pub loopback: bool,
    pub wireless: bool,
    /// LINKTYPE_ number; absent when the device could not be opened to ask
    /// (capturing needs privileges, and so does asking).
    pub link_type: Option<u32>,
    /// libpcap's name of the link type ("EN10MB"), or "unknown".
    pub link: String,
    pub link_description: Option<String>,
}

impl InterfaceRecord {
    pub fn from_info(i: &InterfaceInfo) -> InterfaceRecord {
        let (link, link_description) = match i.link {
            Some(l) => {
                let (n, d) = link_names(l);
                (n, Some(d))
            }
            None => ("unknown".to_string(), None),
        };
        InterfaceRecord {
            index: i.index,
            name: i.name.clone(),
            description: i.description.clone(),
            addresses: i
                .addresses
                .iter()
                .map(|(a, p)| match p {
                    Some(p) => format!("{a}/{p}"),
                    None => a.to_string(),
                })
                .collect(),
            up: i.up,
            running: i.running,
            loopback: i.loopback,
            wireless: i.wireless,
            link_type: i.link.map(|l| l.0),
            link,
            link_description,
        }
    }

    /// The flags that are set, in words ("up, running, loopback").
    pub fn flags(&self) -> Vec<&'static str> {
        [(self.up, "up"), (self.running, "running"), (self.loopback, "loopback"), (self.wireless, "wireless")]
            .into_iter()
            .filter_map(|(on, w)| on.then_some(w))
            .collect()
    }
}

/// One time stamp type an interface offers (`-J`).
#[derive(Debug, Clone, Serialize)]
pub struct TstampTypeRecord {
    /// libpcap's name, what `-j` takes; the number when libpcap has no name.
    pub name: String,
    pub description: Option<String>,
    /// libpcap's `PCAP_TSTAMP_*` value.
    pub value: i32,
}

impl TstampTypeRecord {
    pub fn from_info(t: &TstampTypeInfo) -> TstampTypeRecord {
        TstampTypeRecord {
            name: t.name.clone().unwrap_or_else(|| t.value.to_string()),
            description: t.description.clone(),
            value: t.value,
        }
    }
}
