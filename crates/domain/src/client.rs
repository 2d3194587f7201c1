//! Who is asking: the client's address and browser, as the access log records them.

/// Who is asking, as far as the access log needs to know.
#[derive(Debug, Clone, Default)]
pub struct Client {
    pub ip: String,
    pub user_agent: String,
    /// The trusted-browser cookie it sent, if any: set after a two-factor login, it lets
    /// the owner past a lock that guessing from elsewhere put on the account.
    pub trusted_browser: Option<crate::secret::Secret<String>>,
}

/// What a client is counted under for per-address bounds: an IPv4 address as it is
/// (also when mapped into IPv6), an IPv6 one by its /64, which one subscriber usually
/// holds whole.
pub fn counted_address(ip: std::net::IpAddr) -> std::net::IpAddr {
    use std::net::{IpAddr, Ipv6Addr};
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !((1u128 << 64) - 1))),
        },
    }
}

/// [`counted_address`] of an address as the access log writes it; text that is not an
/// address (`unknown`) stands for itself.
pub fn counted_address_text(ip: &str) -> String {
    ip.parse()
        .map_or_else(|_| ip.to_string(), |ip| counted_address(ip).to_string())
}

/// "Chrome 120 · Linux" from a user agent; the full text stays in the page's tooltip.
pub fn browser_summary(user_agent: &str) -> String {
    let version_after = |marker: &str| {
        user_agent.split(marker).nth(1).map(|rest| {
            rest.split(|c: char| !c.is_ascii_digit())
                .next()
                .unwrap_or("")
                .to_string()
        })
    };
    let browsers = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Version/", "Safari"),
    ];
    let browser = browsers
        .iter()
        .find_map(|(marker, name)| version_after(marker).map(|v| format!("{name} {v}")));
    let systems = [
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Windows", "Windows"),
        ("Mac OS", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ];
    let system = systems
        .iter()
        .find(|(marker, _)| user_agent.contains(marker))
        .map(|(_, name)| *name);
    match (browser, system) {
        (Some(b), Some(s)) => format!("{} · {s}", b.trim()),
        (Some(b), None) => b.trim().to_string(),
        (None, Some(s)) => s.to_string(),
        (None, None) if user_agent.is_empty() => "-".to_string(),
        (None, None) => user_agent.chars().take(40).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browsers_in_a_few_words() {
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
        assert_eq!(browser_summary(chrome), "Chrome 120 · Linux");
        let firefox =
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0";
        assert_eq!(browser_summary(firefox), "Firefox 121 · Windows");
        assert_eq!(browser_summary(""), "-");
        assert_eq!(browser_summary("curl/8.5.0"), "curl/8.5.0");
    }

    #[test]
    fn ipv6_counts_by_its_64_in_text_too() {
        assert_eq!(counted_address_text("203.0.113.9"), "203.0.113.9");
        assert_eq!(
            counted_address_text("2001:db8::1"),
            counted_address_text("2001:db8::ffff")
        );
        assert_ne!(
            counted_address_text("2001:db8::1"),
            counted_address_text("2001:db8:0:1::1")
        );
        assert_eq!(counted_address_text("::ffff:10.0.0.1"), "10.0.0.1");
    }
}
