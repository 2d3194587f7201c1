//! The LPSE's helpdesk: where every page and mail sends a user who is stuck (WCAG 3.2.6
//! Consistent Help). Parsed once from the settings, so pages and mails only show it.

/// How to reach the helpdesk: an email address, a phone number and a web address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Helpdesk {
    pub email: String,
    pub phone: String,
    pub url: String,
}

/// Which part of a helpdesk contact was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HelpdeskError {
    #[error("is not an email address such as helpdesk@lpse.example.go.id")]
    Email,
    #[error("is not a phone number (digits, spaces, a leading +)")]
    Phone,
    #[error("is not an http:// or https:// address")]
    Url,
}

impl Helpdesk {
    pub fn parse(email: &str, phone: &str, url: &str) -> Result<Self, HelpdeskError> {
        let (email, phone, url) = (email.trim(), phone.trim(), url.trim());
        let email_ok = email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.chars().any(|c| c.is_whitespace() || c.is_control())
                && !domain.contains('@')
        });
        if !email_ok {
            return Err(HelpdeskError::Email);
        }
        let digits = phone.chars().filter(char::is_ascii_digit).count();
        let phone_ok = digits >= 3
            && phone
                .char_indices()
                .all(|(i, c)| c.is_ascii_digit() || c == ' ' || (c == '+' && i == 0));
        if !phone_ok {
            return Err(HelpdeskError::Phone);
        }
        let url_ok = ["https://", "http://"].iter().any(|scheme| {
            url.get(..scheme.len())
                .is_some_and(|s| s.eq_ignore_ascii_case(scheme))
                && url.len() > scheme.len()
                && !url
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control() || c == '"')
        });
        if !url_ok {
            return Err(HelpdeskError::Url);
        }
        Ok(Self {
            email: email.to_string(),
            phone: phone.to_string(),
            url: url.to_string(),
        })
    }

    /// The number as a `tel:` link takes it: digits and the leading +.
    pub fn phone_link(&self) -> String {
        self.phone.chars().filter(|c| !c.is_whitespace()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_part_is_checked() {
        let ok = Helpdesk::parse(
            "helpdesk@lpse.id",
            "+62 21 1234 5678",
            "https://lpse.id/bantuan",
        );
        assert_eq!(ok.unwrap().phone_link(), "+622112345678");
        assert_eq!(
            Helpdesk::parse("helpdesk", "021", "https://x.id"),
            Err(HelpdeskError::Email)
        );
        assert_eq!(
            Helpdesk::parse("a@b.id", "call us", "https://x.id"),
            Err(HelpdeskError::Phone)
        );
        assert_eq!(
            Helpdesk::parse("a@b.id", "12+3", "https://x.id"),
            Err(HelpdeskError::Phone)
        );
        assert_eq!(
            Helpdesk::parse("a@b.id", "021 123", "javascript:alert(1)"),
            Err(HelpdeskError::Url)
        );
    }
}
