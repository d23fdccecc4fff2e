//! Free TCP ports on the loopback interface.

use std::net::{Ipv4Addr, TcpListener};

/// Returns a TCP port on `127.0.0.1` that was free a moment ago.
///
/// The port is found by binding a listener to port 0 and dropping it again,
/// so another process may grab it in between; callers that spawn servers on
/// it should be prepared to retry.
pub fn free_local_port() -> std::io::Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    Ok(listener.local_addr()?.port())
}
