//! The `otpauth://totp/...` URI in the activation QR code.
//!
//! Standard apps read `secret`, `issuer`, `algorithm`, `digits` and `period`; the SPSE
//! Authenticator also reads `server` and `enroll` to bind itself to the account.

use url::Url;

use crate::totp::{CODE_DIGITS, STEP_SECONDS, TotpKey};

/// Why an otpauth URI was not accepted.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum UriError {
    #[error("not a URI: {0}")]
    Syntax(String),
    #[error("not an otpauth://totp/ URI")]
    NotTotp,
    #[error("missing parameter `{0}`")]
    Missing(&'static str),
    #[error("the secret is not valid base32")]
    BadSecret,
    #[error("unsupported {0}: only SHA1, 6 digits and a 30-second period are used by SPSE")]
    Unsupported(&'static str),
}

/// What an activation QR code carries.
#[derive(Clone)]
pub struct OtpauthUri {
    pub issuer: String,
    pub account: String,
    pub key: TotpKey,
    /// Base URL of the spse-auth server (SPSE Authenticator only).
    pub server: Option<String>,
    /// One-time enrolment token (SPSE Authenticator only).
    pub enroll: Option<String>,
}

/// The key and the enrolment token open the account: `Debug` leaves them out.
impl std::fmt::Debug for OtpauthUri {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OtpauthUri")
            .field("issuer", &self.issuer)
            .field("account", &self.account)
            .field("server", &self.server)
            .finish_non_exhaustive()
    }
}

impl OtpauthUri {
    /// Renders the URI with every parameter spelled out, as Google Authenticator expects.
    pub fn to_uri(&self) -> String {
        let mut url = Url::parse("otpauth://totp/").expect("static URL parses");
        let label = format!("{}:{}", self.issuer, self.account);
        url.set_path(&label);
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("secret", &self.key.to_base32())
                .append_pair("issuer", &self.issuer)
                .append_pair("algorithm", "SHA1")
                .append_pair("digits", &CODE_DIGITS.to_string())
                .append_pair("period", &STEP_SECONDS.to_string());
            if let Some(server) = &self.server {
                query.append_pair("server", server);
            }
            if let Some(enroll) = &self.enroll {
                query.append_pair("enroll", enroll);
            }
        }
        url.to_string()
    }

    /// Parses a URI as a scanner hands it over.
    pub fn parse(text: &str) -> Result<Self, UriError> {
        let url = Url::parse(text.trim()).map_err(|e| UriError::Syntax(e.to_string()))?;
        if url.scheme() != "otpauth" || url.host_str() != Some("totp") {
            return Err(UriError::NotTotp);
        }
        let label = percent_decode(url.path().trim_start_matches('/'));
        let (label_issuer, account) = match label.split_once(':') {
            Some((issuer, account)) => {
                (Some(issuer.trim().to_string()), account.trim().to_string())
            }
            None => (None, label.trim().to_string()),
        };
        let param = |name: &str| {
            url.query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        };
        let secret = param("secret").ok_or(UriError::Missing("secret"))?;
        let bytes = totp_rs::Secret::Encoded(secret.to_uppercase().replace(' ', ""))
            .to_bytes()
            .map_err(|_| UriError::BadSecret)?;
        if bytes.is_empty() {
            return Err(UriError::BadSecret);
        }
        if param("algorithm").is_some_and(|a| !a.eq_ignore_ascii_case("SHA1")) {
            return Err(UriError::Unsupported("algorithm"));
        }
        if param("digits").is_some_and(|d| d != CODE_DIGITS.to_string()) {
            return Err(UriError::Unsupported("digits"));
        }
        if param("period").is_some_and(|p| p != STEP_SECONDS.to_string()) {
            return Err(UriError::Unsupported("period"));
        }
        let issuer = param("issuer")
            .or(label_issuer)
            .ok_or(UriError::Missing("issuer"))?;
        if account.is_empty() {
            return Err(UriError::Missing("account"));
        }
        Ok(Self {
            issuer,
            account,
            key: TotpKey::new(bytes),
            server: param("server"),
            enroll: param("enroll"),
        })
    }
}

fn percent_decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", text.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> OtpauthUri {
        OtpauthUri {
            issuer: "LPSE Latihan".into(),
            account: "PPK1".into(),
            key: TotpKey::new(b"12345678901234567890".to_vec()),
            server: Some("http://127.0.0.1:8080".into()),
            enroll: Some("abc123".into()),
        }
    }

    #[test]
    fn round_trip_keeps_everything() {
        let uri = sample().to_uri();
        assert!(uri.starts_with("otpauth://totp/LPSE%20Latihan:PPK1?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=LPSE+Latihan&algorithm=SHA1&digits=6&period=30"), "{uri}");
        let parsed = OtpauthUri::parse(&uri).unwrap();
        assert_eq!(parsed.issuer, "LPSE Latihan");
        assert_eq!(parsed.account, "PPK1");
        assert_eq!(parsed.key.secret(), b"12345678901234567890");
        assert_eq!(parsed.server.as_deref(), Some("http://127.0.0.1:8080"));
        assert_eq!(parsed.enroll.as_deref(), Some("abc123"));
    }

    #[test]
    fn standard_uri_without_extras() {
        let parsed =
            OtpauthUri::parse("otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP&issuer=ACME")
                .unwrap();
        assert_eq!(parsed.account, "alice");
        assert!(parsed.server.is_none() && parsed.enroll.is_none());
    }

    #[test]
    fn refuses_what_it_cannot_honour() {
        assert_eq!(
            OtpauthUri::parse("https://x").unwrap_err(),
            UriError::NotTotp
        );
        assert_eq!(
            OtpauthUri::parse("otpauth://hotp/A:b?secret=JBSWY3DP").unwrap_err(),
            UriError::NotTotp
        );
        assert_eq!(
            OtpauthUri::parse("otpauth://totp/A:b?issuer=A").unwrap_err(),
            UriError::Missing("secret")
        );
        assert_eq!(
            OtpauthUri::parse("otpauth://totp/A:b?secret=!!!&issuer=A").unwrap_err(),
            UriError::BadSecret
        );
        assert_eq!(
            OtpauthUri::parse("otpauth://totp/A:b?secret=JBSWY3DP&digits=8").unwrap_err(),
            UriError::Unsupported("digits")
        );
    }
}
