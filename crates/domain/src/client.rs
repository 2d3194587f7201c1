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
}
