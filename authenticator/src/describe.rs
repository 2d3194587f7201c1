//! How a waiting login is described to the person deciding it: the time in WIB, as SPSE
//! shows times everywhere, and the browser in a few words they can recognise.

/// Western Indonesian Time, UTC+7, no daylight saving.
const WIB_OFFSET_SECONDS: i64 = 7 * 3600;

/// `dd-mm-yyyy HH:MM WIB`.
pub fn wib(unix_seconds: i64) -> String {
    let local = unix_seconds + WIB_OFFSET_SECONDS;
    let (days, seconds) = (local.div_euclid(86_400), local.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    format!(
        "{day:02}-{month:02}-{year:04} {:02}:{:02} WIB",
        seconds / 3600,
        seconds % 3600 / 60
    )
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's
/// `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// "Chrome di/on Linux" from a User-Agent header; the header itself (shortened) when
/// it names no browser we know. Order matters: Edge and Opera also say "Chrome", and
/// Chrome also says "Safari".
pub fn browser(user_agent: &str, on: &str) -> String {
    const BROWSERS: [(&str, &str); 8] = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("SamsungBrowser/", "Samsung Internet"),
        ("Firefox/", "Firefox"),
        ("HeadlessChrome/", "Chrome (headless)"),
        ("Chromium/", "Chromium"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
    ];
    const SYSTEMS: [(&str, &str); 7] = [
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ];
    let find = |table: &[(&str, &'static str)]| {
        table
            .iter()
            .find(|(needle, _)| user_agent.contains(needle))
            .map(|(_, name)| *name)
    };
    match (find(&BROWSERS), find(&SYSTEMS)) {
        (Some(browser), Some(system)) => format!("{browser} {on} {system}"),
        (Some(browser), None) => browser.to_string(),
        _ if user_agent.trim().is_empty() => "?".into(),
        _ => {
            let mut short: String = user_agent.chars().take(60).collect();
            if user_agent.chars().count() > 60 {
                short.push('…');
            }
            short
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wib_is_utc_plus_seven_across_day_and_year_boundaries() {
        assert_eq!(wib(0), "01-01-1970 07:00 WIB");
        assert_eq!(wib(1_700_000_000), "15-11-2023 05:13 WIB");
        assert_eq!(wib(1_704_041_999), "31-12-2023 23:59 WIB");
        assert_eq!(wib(1_704_042_000), "01-01-2024 00:00 WIB");
        assert_eq!(wib(1_709_164_800), "29-02-2024 07:00 WIB");
    }

    #[test]
    fn browsers_are_named_in_a_few_words() {
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
        assert_eq!(browser(chrome, "di"), "Chrome di Linux");
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0";
        assert_eq!(browser(edge, "on"), "Edge on Windows");
        let firefox = "Mozilla/5.0 (Android 14; Mobile; rv:121.0) Gecko/121.0 Firefox/121.0";
        assert_eq!(browser(firefox, "di"), "Firefox di Android");
        let safari = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1";
        assert_eq!(browser(safari, "on"), "Safari on iOS");
        assert_eq!(browser("curl/8.5.0", "on"), "curl/8.5.0");
        assert_eq!(browser("", "on"), "?");
    }
}
