//! The name newshound gives in its SMTP greeting (EHLO). Relays commonly refuse a bare
//! host name (`reject_non_fqdn_helo_hostname`), for good, so the greeting is the
//! configured `helo_name`, else this machine's fully qualified name as the resolver knows
//! it, else the domain of the `from` address, else an address literal: never a single
//! label.

use std::ffi::{CStr, CString};
use std::net::{IpAddr, Ipv4Addr};

use lettre::transport::smtp::extension::ClientId;

/// The greeting name for `configured` (`[email] helo_name`) and the `from` domain.
pub fn greeting_name(configured: Option<&str>, from_domain: &str) -> ClientId {
    choose(configured, machine_fqdn, from_domain)
}

/// [`greeting_name`] with the machine's name asked of `machine` (only when no name is
/// configured).
fn choose(
    configured: Option<&str>,
    machine: impl FnOnce() -> Option<String>,
    from_domain: &str,
) -> ClientId {
    if let Some(name) = configured {
        return client_id(name);
    }
    if let Some(name) = machine() {
        return ClientId::Domain(name);
    }
    if from_domain.contains('.') && !from_domain.starts_with('[') {
        return ClientId::Domain(from_domain.to_string());
    }
    ClientId::Ipv4(Ipv4Addr::LOCALHOST)
}

/// A name as configured: an address literal (`[192.0.2.1]`) or a domain.
fn client_id(name: &str) -> ClientId {
    let inner = name.trim_start_matches('[').trim_end_matches(']');
    let inner = inner.strip_prefix("IPv6:").unwrap_or(inner);
    match inner.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) if name.starts_with('[') => ClientId::Ipv4(ip),
        Ok(IpAddr::V6(ip)) if name.starts_with('[') => ClientId::Ipv6(ip),
        _ => ClientId::Domain(name.to_string()),
    }
}

/// This machine's canonical name as the resolver gives it (what `hostname -f` prints),
/// if it has a dot.
fn machine_fqdn() -> Option<String> {
    let mut buf = [0u8; 256];
    // SAFETY: `buf` is writable for its length; gethostname NUL-terminates within it on
    // success (the last byte is kept 0 in case it truncates).
    let ok = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len() - 1) } == 0;
    if !ok {
        return None;
    }
    let host = CStr::from_bytes_until_nul(&buf)
        .ok()?
        .to_str()
        .ok()?
        .to_string();
    if host.contains('.') {
        return Some(host);
    }
    canonical_name(&host).filter(|name| name.contains('.') && !name.ends_with(".localdomain"))
}

/// The canonical name of `host` from getaddrinfo (AI_CANONNAME): /etc/hosts, then DNS.
fn canonical_name(host: &str) -> Option<String> {
    let host = CString::new(host).ok()?;
    // SAFETY: a zeroed addrinfo is a valid "no hints" value; only flags are set.
    let mut hints: libc::addrinfo = unsafe { std::mem::zeroed() };
    hints.ai_flags = libc::AI_CANONNAME;
    hints.ai_family = libc::AF_UNSPEC;
    let mut result: *mut libc::addrinfo = std::ptr::null_mut();
    // SAFETY: `host` is NUL-terminated; `result` is freed below whatever happens.
    let status = unsafe { libc::getaddrinfo(host.as_ptr(), std::ptr::null(), &hints, &mut result) };
    if status != 0 || result.is_null() {
        return None;
    }
    // SAFETY: on success `result` points to a list whose first entry carries the
    // canonical name (or null), valid until freeaddrinfo.
    unsafe {
        let canon = (*result).ai_canonname;
        let name = (!canon.is_null()).then(|| CStr::from_ptr(canon).to_string_lossy().into_owned());
        libc::freeaddrinfo(result);
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_greeting_is_never_a_single_label() {
        let machine = || Some("host.example.net".to_string());
        let bare = || None;
        let name = |configured, machine: &dyn Fn() -> Option<String>, from| {
            choose(configured, machine, from).to_string()
        };
        // Configured: as written, a name or an address literal.
        assert_eq!(
            name(Some("mail.example.org"), &machine, "x"),
            "mail.example.org"
        );
        assert_eq!(name(Some("[192.0.2.1]"), &machine, "x"), "[192.0.2.1]");
        // Else the machine's full name; else the domain of `from`; else an address.
        assert_eq!(name(None, &machine, "example.org"), "host.example.net");
        assert_eq!(name(None, &bare, "example.org"), "example.org");
        assert_eq!(name(None, &bare, "localhost"), "[127.0.0.1]");
        assert_eq!(name(None, &bare, "[192.0.2.7]"), "[127.0.0.1]");
    }
}
