//! Set-password links: why one was mailed. The code itself is a
//! [`ResetCode`](crate::reset::ResetCode) (256 random bits, stored hashed, used once).

/// Why a set-password link was mailed; it picks the mail's words and is kept with the
/// link, so the access log can say which mail the password came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    /// The owner asked on the Lupa Password form: "Permintaan Reset Password".
    Reset,
    /// Helpdesk staff sent it (the same mail as [`LinkPurpose::Reset`]).
    Helpdesk,
    /// A new or imported account without a password is invited to choose its first.
    Invite,
}

impl LinkPurpose {
    pub const ALL: &[Self] = &[Self::Reset, Self::Helpdesk, Self::Invite];

    /// As stored; never renamed.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reset => "reset",
            Self::Helpdesk => "helpdesk",
            Self::Invite => "invite",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|p| p.as_str() == text)
    }
}

#[cfg(test)]
mod tests {
    use super::LinkPurpose;

    #[test]
    fn purposes_round_trip() {
        for purpose in LinkPurpose::ALL {
            assert_eq!(LinkPurpose::parse(purpose.as_str()), Some(*purpose));
        }
        assert_eq!(LinkPurpose::parse("Reset"), None);
    }
}
