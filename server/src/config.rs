//! One settings struct, read from an optional TOML file, then `SPSE_*` variables, then
//! command-line flags (each later source wins). A bad value names its setting.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use url::Url;

use spse_domain::lockout::LockoutPolicy;
use spse_domain::zone::Zone;

/// Output format of the logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// Every setting of the server, parsed and checked.
#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    /// Base of every link in mail and QR codes. `None` until the listener is bound when
    /// not configured: it then becomes `http://<bound address>`.
    pub public_url: Option<Url>,
    pub smtp_url: Option<String>,
    pub mail_from: String,
    pub key_file: PathBuf,
    pub totp_required: bool,
    pub captcha: bool,
    pub log_format: LogFormat,
    pub issuer: String,
    pub demo: bool,
    pub session_idle_secs: i64,
    pub session_absolute_secs: i64,
    pub activation_secs: i64,
    /// Life of an emailed reset code.
    pub reset_secs: i64,
    pub password_lockout: LockoutPolicy,
    pub totp_lockout: LockoutPolicy,
    pub approval_cooldown_secs: i64,
    /// Reverse proxies whose `X-Forwarded-For` is believed (addresses or CIDR ranges).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// How many password hashes may run at once (defaults to the number of cores).
    pub hash_concurrency: usize,
    /// The zone pages, mails and exports show times in (WIB by default).
    pub zone: Zone,
    /// How long access-log entries are kept (two years by default).
    pub audit_retention_secs: i64,
}

/// A setting that could not be used, named as the operator wrote it.
#[derive(Debug, thiserror::Error)]
#[error("setting {setting}: {message}")]
pub struct ConfigError {
    pub setting: String,
    pub message: String,
}

impl ConfigError {
    fn new(key: &str, message: impl Into<String>) -> Self {
        Self {
            setting: env_name(key),
            message: message.into(),
        }
    }
}

/// The keys a config file may hold; each is also `SPSE_<KEY>` in the environment.
const KEYS: &[&str] = &[
    "listen",
    "data_dir",
    "database_url",
    "public_url",
    "smtp_url",
    "mail_from",
    "key_file",
    "totp_required",
    "captcha",
    "log_format",
    "issuer",
    "session_idle_minutes",
    "session_absolute_hours",
    "activation_minutes",
    "reset_minutes",
    "password_max_failures",
    "password_lock_minutes",
    "totp_max_failures",
    "totp_lock_minutes",
    "hash_concurrency",
    "timezone",
    "audit_retention_days",
    "approval_cooldown_minutes",
    "trusted_proxies",
];

fn env_name(key: &str) -> String {
    format!("SPSE_{}", key.to_ascii_uppercase())
}

/// Raw values by key, before parsing.
#[derive(Debug, Default, Clone)]
pub struct RawSettings(BTreeMap<String, String>);

impl RawSettings {
    /// Reads a TOML file of `key = value` lines; unknown keys are refused.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            setting: "--config".into(),
            message: format!("{}: {e}", path.display()),
        })?;
        let table: toml::Table = text.parse().map_err(|e| ConfigError {
            setting: "--config".into(),
            message: format!("{}: {e}", path.display()),
        })?;
        let mut raw = BTreeMap::new();
        for (key, value) in table {
            if !KEYS.contains(&key.as_str()) {
                return Err(ConfigError {
                    setting: key,
                    message: format!("unknown setting in {}", path.display()),
                });
            }
            let text = match value {
                toml::Value::String(s) => s,
                other => other.to_string(),
            };
            raw.insert(key, text);
        }
        Ok(Self(raw))
    }

    /// Overlays every `SPSE_*` variable that names a known key.
    pub fn overlay_env(&mut self, vars: impl IntoIterator<Item = (String, String)>) {
        for (name, value) in vars {
            if let Some(key) = name.strip_prefix("SPSE_") {
                let key = key.to_ascii_lowercase();
                if KEYS.contains(&key.as_str()) {
                    self.0.insert(key, value);
                }
            }
        }
    }

    /// Sets one key, as a command-line flag does.
    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        self.0.insert(key.to_string(), value.into());
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(|s| s.trim()).filter(|s| !s.is_empty())
    }

    fn parse<T: std::str::FromStr>(
        &self,
        key: &str,
        default: T,
        what: &str,
    ) -> Result<T, ConfigError> {
        match self.get(key) {
            None => Ok(default),
            Some(text) => text
                .parse()
                .map_err(|_| ConfigError::new(key, format!("{text:?} is not {what}"))),
        }
    }

    fn flag(&self, key: &str, default: bool) -> Result<bool, ConfigError> {
        match self.get(key).map(str::to_ascii_lowercase).as_deref() {
            None => Ok(default),
            Some("1" | "true" | "on" | "yes") => Ok(true),
            Some("0" | "false" | "off" | "no") => Ok(false),
            Some(other) => Err(ConfigError::new(key, format!("{other:?} is not on/off"))),
        }
    }

    fn positive(&self, key: &str, default: i64) -> Result<i64, ConfigError> {
        let value: i64 = self.parse(key, default, "a whole number")?;
        if value < 1 {
            return Err(ConfigError::new(key, "must be at least 1"));
        }
        Ok(value)
    }

    /// Parses and checks every setting.
    pub fn resolve(&self, demo: bool) -> Result<Settings, ConfigError> {
        let listen: SocketAddr = self.parse(
            "listen",
            ([127, 0, 0, 1], 8080).into(),
            "an address such as 127.0.0.1:8080",
        )?;
        let data_dir = PathBuf::from(self.get("data_dir").unwrap_or("./spse-data"));
        let database_url = match self.get("database_url") {
            Some(url)
                if url.starts_with("sqlite:")
                    || url.starts_with("postgres://")
                    || url.starts_with("postgresql://") =>
            {
                url.to_string()
            }
            Some(other) => {
                return Err(ConfigError::new(
                    "database_url",
                    format!("{other:?} is neither sqlite:// nor postgres://"),
                ));
            }
            None => format!(
                "sqlite://{}?mode=rwc",
                data_dir.join("spse-auth.db").display()
            ),
        };
        let public_url = match self.get("public_url") {
            None => None,
            Some(text) => Some(parse_public_url(text)?),
        };
        let log_format = match self.get("log_format").unwrap_or("text") {
            "text" => LogFormat::Text,
            "json" => LogFormat::Json,
            other => {
                return Err(ConfigError::new(
                    "log_format",
                    format!("{other:?} is neither text nor json"),
                ));
            }
        };
        let key_file = self
            .get("key_file")
            .map(PathBuf::from)
            .unwrap_or_else(|| data_dir.join("secret.key"));
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let zone = match self.get("timezone") {
            None => Zone::wib(),
            Some(text) => Zone::parse(text).ok_or_else(|| {
                ConfigError::new(
                    "timezone",
                    format!("{text:?} is not WIB, WITA, WIT, UTC or an offset such as +07:00"),
                )
            })?,
        };
        Ok(Settings {
            listen,
            database_url,
            public_url,
            smtp_url: match self.get("smtp_url") {
                None => None,
                Some(url) if url.starts_with("smtp://") || url.starts_with("smtps://") => {
                    Some(url.to_string())
                }
                Some(_) => {
                    return Err(ConfigError::new(
                        "smtp_url",
                        "must start with smtp:// or smtps://",
                    ));
                }
            },
            mail_from: self
                .get("mail_from")
                .unwrap_or("LPSE <noreply@localhost>")
                .to_string(),
            key_file,
            totp_required: self.flag("totp_required", true)?,
            captcha: self.flag("captcha", true)?,
            log_format,
            issuer: self.get("issuer").unwrap_or("LPSE").to_string(),
            demo,
            session_idle_secs: self.positive("session_idle_minutes", 30)? * 60,
            session_absolute_secs: self.positive("session_absolute_hours", 12)? * 3600,
            activation_secs: self.positive("activation_minutes", 15)? * 60,
            reset_secs: self.bounded("reset_minutes", 30, 24 * 60)? * 60,
            password_lockout: LockoutPolicy::new(
                self.bounded("password_max_failures", 10, 100)?,
                self.positive("password_lock_minutes", 15)? * 60,
            ),
            totp_lockout: LockoutPolicy::new(
                self.bounded("totp_max_failures", 5, 100)?,
                self.positive("totp_lock_minutes", 15)? * 60,
            ),
            approval_cooldown_secs: self.positive("approval_cooldown_minutes", 15)? * 60,
            trusted_proxies: self.networks("trusted_proxies")?,
            hash_concurrency: self.positive("hash_concurrency", cores as i64)? as usize,
            zone,
            audit_retention_secs: self.positive("audit_retention_days", 730)? * 86_400,
            data_dir,
        })
    }

    /// A comma-separated list of addresses (`10.0.0.5`) or ranges (`10.0.0.0/24`).
    fn networks(&self, key: &str) -> Result<Vec<ipnet::IpNet>, ConfigError> {
        let Some(text) = self.get(key) else {
            return Ok(Vec::new());
        };
        text.split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(|part| {
                part.parse::<ipnet::IpNet>()
                    .or_else(|_| part.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| {
                        ConfigError::new(key, format!("{part:?} is not an address or a range"))
                    })
            })
            .collect()
    }

    fn bounded(&self, key: &str, default: i64, max: i64) -> Result<i64, ConfigError> {
        let value = self.positive(key, default)?;
        if value > max {
            return Err(ConfigError::new(key, format!("must be at most {max}")));
        }
        Ok(value)
    }
}

fn parse_public_url(text: &str) -> Result<Url, ConfigError> {
    let url =
        Url::parse(text).map_err(|e| ConfigError::new("public_url", format!("{text:?}: {e}")))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback_host(&url) => {}
        "http" => {
            return Err(ConfigError::new(
                "public_url",
                "plain http is allowed only for localhost; use https (TLS may end at a proxy)",
            ));
        }
        _ => return Err(ConfigError::new("public_url", "must start with https://")),
    }
    Ok(url)
}

/// Whether a URL points at this machine, where plain http (and cookies without `Secure`)
/// is tolerated for development.
pub fn is_loopback_host(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(pairs: &[(&str, &str)]) -> RawSettings {
        let mut raw = RawSettings::default();
        raw.overlay_env(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        raw
    }

    #[test]
    fn defaults_follow_the_design() {
        let s = raw(&[]).resolve(false).unwrap();
        assert_eq!(s.listen.to_string(), "127.0.0.1:8080");
        assert!(s.database_url.starts_with("sqlite://"));
        assert!(s.totp_required && s.captcha);
        assert_eq!(s.password_lockout.max_failures, 10);
        assert_eq!(s.totp_lockout.max_failures, 5);
        assert_eq!(s.session_idle_secs, 1800);
        assert_eq!(s.zone.label(), "WIB");
        assert_eq!(s.audit_retention_secs, 730 * 86_400);
    }

    #[test]
    fn bad_values_name_their_setting() {
        let err = raw(&[("SPSE_LISTEN", "nowhere")])
            .resolve(false)
            .unwrap_err();
        assert_eq!(err.setting, "SPSE_LISTEN");
        let err = raw(&[("SPSE_CAPTCHA", "maybe")])
            .resolve(false)
            .unwrap_err();
        assert_eq!(err.setting, "SPSE_CAPTCHA");
        let err = raw(&[("SPSE_PUBLIC_URL", "http://lpse.example.go.id")])
            .resolve(false)
            .unwrap_err();
        assert_eq!(err.setting, "SPSE_PUBLIC_URL");
        let err = raw(&[("SPSE_TRUSTED_PROXIES", "10.0.0.1, nonsense")])
            .resolve(false)
            .unwrap_err();
        assert_eq!(err.setting, "SPSE_TRUSTED_PROXIES");
        let ok = raw(&[("SPSE_TRUSTED_PROXIES", "10.0.0.1, 192.168.0.0/16")])
            .resolve(false)
            .unwrap();
        assert_eq!(ok.trusted_proxies.len(), 2);
        let err = raw(&[("SPSE_PASSWORD_MAX_FAILURES", "1000")])
            .resolve(false)
            .unwrap_err();
        assert_eq!(err.setting, "SPSE_PASSWORD_MAX_FAILURES");
        let err = raw(&[("SPSE_TIMEZONE", "Asia/Jakarta")])
            .resolve(false)
            .unwrap_err();
        assert_eq!(err.setting, "SPSE_TIMEZONE");
    }

    #[test]
    fn file_then_env() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("spse.toml");
        std::fs::write(&path, "listen = \"127.0.0.1:9000\"\ncaptcha = false\n").unwrap();
        let mut raw = RawSettings::from_file(&path).unwrap();
        assert!(!raw.resolve(false).unwrap().captcha);
        raw.overlay_env([("SPSE_LISTEN".to_string(), "127.0.0.1:9001".to_string())]);
        assert_eq!(raw.resolve(false).unwrap().listen.port(), 9001);
        std::fs::write(&path, "colour = \"blue\"\n").unwrap();
        assert_eq!(RawSettings::from_file(&path).unwrap_err().setting, "colour");
    }
}
