//! The time zone pages show times in: a fixed offset, WIB (UTC+7) by default.
//! Indonesia has no daylight saving, so WIB, WITA and WIT are fixed offsets.

use time::UtcOffset;

/// A named fixed offset from UTC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    offset_secs: i32,
    label: String,
}

impl Default for Zone {
    fn default() -> Self {
        Self::wib()
    }
}

impl Zone {
    pub fn wib() -> Self {
        Self {
            offset_secs: 7 * 3600,
            label: "WIB".into(),
        }
    }

    /// `WIB`, `WITA`, `WIT`, `UTC`, or an offset such as `+07:00` / `-03:30`.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let named = |hours: i32, label: &str| {
            Some(Self {
                offset_secs: hours * 3600,
                label: label.into(),
            })
        };
        match text.to_ascii_uppercase().as_str() {
            "WIB" => return named(7, "WIB"),
            "WITA" => return named(8, "WITA"),
            "WIT" => return named(9, "WIT"),
            "UTC" | "Z" => return named(0, "UTC"),
            _ => {}
        }
        let (sign, rest) = match text.as_bytes().first()? {
            b'+' => (1, &text[1..]),
            b'-' => (-1, &text[1..]),
            _ => return None,
        };
        let (hours, minutes) = rest.split_once(':')?;
        if hours.len() != 2 || minutes.len() != 2 {
            return None;
        }
        let hours: i32 = hours.parse().ok()?;
        let minutes: i32 = minutes.parse().ok()?;
        if hours > 14 || minutes > 59 {
            return None;
        }
        Some(Self {
            offset_secs: sign * (hours * 3600 + minutes * 60),
            label: format!("UTC{text}"),
        })
    }

    pub fn label(&self) -> &str {
        &self.label
    }

    pub fn offset_secs(&self) -> i32 {
        self.offset_secs
    }

    fn offset(&self) -> UtcOffset {
        UtcOffset::from_whole_seconds(self.offset_secs).unwrap_or(UtcOffset::UTC)
    }

    /// `15-01-2027 15:00 WIB`: the short form of page footers.
    pub fn minutes(&self, unix: i64) -> String {
        let format = time::macros::format_description!("[day]-[month]-[year] [hour]:[minute]");
        self.format(unix, format)
    }

    /// `15-01-2027 15:00:10 WIB`: the access log, where seconds matter.
    pub fn seconds(&self, unix: i64) -> String {
        let format =
            time::macros::format_description!("[day]-[month]-[year] [hour]:[minute]:[second]");
        self.format(unix, format)
    }

    fn format(
        &self,
        unix: i64,
        format: &[time::format_description::BorrowedFormatItem<'_>],
    ) -> String {
        time::OffsetDateTime::from_unix_timestamp(unix)
            .map(|t| t.to_offset(self.offset()))
            .ok()
            .and_then(|t| t.format(format).ok())
            .map(|text| format!("{text} {}", self.label))
            .unwrap_or_default()
    }

    /// Midnight at the start of `YYYY-MM-DD` in this zone, as unix seconds.
    pub fn start_of_day(&self, date: &str) -> Option<i64> {
        let mut parts = date.trim().splitn(3, '-');
        let year: i32 = parts.next()?.parse().ok()?;
        let month: u8 = parts.next()?.parse().ok()?;
        let day: u8 = parts.next()?.parse().ok()?;
        let month = time::Month::try_from(month).ok()?;
        let date = time::Date::from_calendar_date(year, month, day).ok()?;
        Some(
            date.midnight()
                .assume_offset(self.offset())
                .unix_timestamp(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_offsets() {
        let at = 1_800_000_010; // 2027-01-15 08:00:10 UTC
        assert_eq!(Zone::default().seconds(at), "15-01-2027 15:00:10 WIB");
        assert_eq!(
            Zone::parse("wita").unwrap().minutes(at),
            "15-01-2027 16:00 WITA"
        );
        assert_eq!(
            Zone::parse("WIT").unwrap().minutes(at),
            "15-01-2027 17:00 WIT"
        );
        assert_eq!(
            Zone::parse("+05:30").unwrap().minutes(at),
            "15-01-2027 13:30 UTC+05:30"
        );
        for bad in ["", "CET", "+7", "+07:60", "+15:00", "07:00"] {
            assert_eq!(Zone::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn days_start_at_local_midnight() {
        let wib = Zone::wib();
        // 2027-01-15 00:00 WIB is 2027-01-14 17:00 UTC.
        assert_eq!(wib.start_of_day("2027-01-15"), Some(1_799_946_000));
        assert_eq!(wib.start_of_day("2027-02-30"), None);
        assert_eq!(wib.start_of_day("yesterday"), None);
    }
}
