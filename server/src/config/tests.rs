//! The settings: defaults, bad values, sources in order, and README's table.

use super::*;

fn raw(pairs: &[(&str, &str)]) -> RawSettings {
    let mut raw = RawSettings::default();
    raw.overlay_env(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
        .unwrap();
    raw
}

#[test]
fn defaults_follow_the_design() {
    let s = raw(&[]).resolve(false).unwrap();
    assert_eq!(s.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(s.management_listen.to_string(), "127.0.0.1:9000");
    assert_eq!(s.app_listen.to_string(), "127.0.0.1:8081");
    assert!(s.app_url.is_none() && s.app_peer_origins.is_empty());
    assert!(s.database_url.starts_with("sqlite://"));
    assert!(s.policy.totp_required && s.policy.captcha);
    assert_eq!(s.policy.password_lockout.max_failures, 10);
    assert_eq!(s.policy.totp_lockout.max_failures, 5);
    assert_eq!(s.policy.timeouts.idle_secs, 1800);
    assert_eq!(s.policy.issuer, "LPSE");
    assert_eq!(s.mail_from, "LPSE <noreply@localhost>");
    assert_eq!(s.zone.label(), "WIB");
    assert_eq!(s.policy.retention_secs, 730 * 86_400);
    assert_eq!(s.policy.helpdesk.email, "helpdesk@lpse.example.go.id");
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
    for (name, bad) in [
        ("SPSE_HELPDESK_EMAIL", "helpdesk"),
        ("SPSE_HELPDESK_PHONE", "021-HELP"),
        ("SPSE_HELPDESK_URL", "ftp://lpse.example.go.id"),
    ] {
        let err = raw(&[(name, bad)]).resolve(false).unwrap_err();
        assert_eq!(err.setting, name);
    }
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
    assert!(!raw.resolve(false).unwrap().policy.captcha);
    raw.overlay_env([("SPSE_LISTEN".to_string(), "127.0.0.1:9001".to_string())])
        .unwrap();
    assert_eq!(raw.resolve(false).unwrap().listen.port(), 9001);
    std::fs::write(&path, "colour = \"blue\"\n").unwrap();
    assert_eq!(RawSettings::from_file(&path).unwrap_err().setting, "colour");
}

#[test]
fn unknown_variables_are_refused_but_other_programs_pass() {
    let mut raw = RawSettings::default();
    let err = raw
        .overlay_env([("SPSE_PUBLIC_URI".to_string(), "https://x".to_string())])
        .unwrap_err();
    assert_eq!(err.setting, "SPSE_PUBLIC_URI");
    raw.overlay_env([
        (
            "SPSE_TEST_DATABASE_URL".to_string(),
            "postgres://x".to_string(),
        ),
        ("SPSE_AUTHENTICATOR_PASSPHRASE".to_string(), "p".to_string()),
        ("PATH".to_string(), "/bin".to_string()),
    ])
    .unwrap();
}

/// README's settings table lists exactly these settings, with these defaults.
#[test]
fn readme_settings_table_matches() {
    let readme = include_str!("../../../README.md");
    let start = readme
        .find("## Settings")
        .expect("README has a Settings section");
    let rows: Vec<(String, String)> = readme[start..]
        .lines()
        .skip_while(|line| !line.starts_with("| SPSE_"))
        .take_while(|line| line.starts_with('|'))
        .map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            (cells[1].to_string(), cells[2].to_string())
        })
        .collect();
    let expected: Vec<(String, String)> = SETTINGS
        .iter()
        .map(|spec| {
            let default = match spec.default {
                Fallback::Value(v) | Fallback::Derived(v) | Fallback::Unset(v) => v,
            };
            (env_name(spec.key), default.to_string())
        })
        .collect();
    assert_eq!(rows, expected, "README's table (left) and SETTINGS (right)");
}

#[test]
fn the_app_url_is_https_off_this_machine() {
    let err = raw(&[("SPSE_APP_URL", "http://app.lpse.example.go.id")])
        .resolve(false)
        .unwrap_err();
    assert_eq!(err.setting, "SPSE_APP_URL");
    let s = raw(&[
        ("SPSE_APP_URL", "https://app.lpse.example.go.id/"),
        (
            "SPSE_APP_PEER_ORIGINS",
            "https://app.lpse.other.go.id/, https://app.third.go.id:8443",
        ),
    ])
    .resolve(false)
    .unwrap();
    assert_eq!(
        s.app_url.map(|u| u.to_string()).as_deref(),
        Some("https://app.lpse.example.go.id/")
    );
    assert_eq!(
        s.app_peer_origins,
        [
            "https://app.lpse.other.go.id",
            "https://app.third.go.id:8443"
        ]
    );
    let err = raw(&[("SPSE_APP_PEER_ORIGINS", "http://evil.example")])
        .resolve(false)
        .unwrap_err();
    assert_eq!(err.setting, "SPSE_APP_PEER_ORIGINS");
}
