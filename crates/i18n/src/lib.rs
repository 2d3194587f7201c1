//! Texts of every page, mail and command of both binaries, in Indonesian (default) and
//! English, from `locales/{id,en}/*.toml`. A text is a string with `{name}` placeholders,
//! or, where English needs a plural, a table `{ one = "...", other = "..." }`.

use std::collections::BTreeMap;
use std::sync::OnceLock;

/// A language of the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Id,
    En,
}

impl Lang {
    /// The code used in `<html lang>`, the `lang` parameter and cookie.
    pub fn code(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::En => "en",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "id" => Some(Self::Id),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    /// The language of a command-line program: English when the locale in force (POSIX
    /// order: `LC_ALL`, `LC_MESSAGES`, `LANG`; empty counts as unset) starts with `en`,
    /// Indonesian otherwise. The server's CLI and the authenticator both ask this, so they
    /// never disagree; a `--lang` flag overrides it.
    pub fn from_env() -> Self {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    fn from_vars(var: impl Fn(&str) -> Option<String>) -> Self {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .into_iter()
            .find_map(|name| var(name).filter(|value| !value.is_empty()))
            .filter(|locale| locale.starts_with("en"))
            .map_or(Self::Id, |_| Self::En)
    }

    /// Whether `count` takes the singular form: English has one for exactly 1,
    /// Indonesian has no plural forms at all.
    fn is_one(self, count: u64) -> bool {
        self == Self::En && count == 1
    }
}

/// One text: a plain string, or a singular and a plural form chosen by a count (written
/// `key = { one = "...", other = "..." }`; only English needs it).
#[derive(Debug)]
enum Text {
    Plain(String),
    Plural { one: String, other: String },
}

impl Text {
    fn from_toml(key: &str, value: toml::Value) -> Self {
        match value {
            toml::Value::String(text) => Self::Plain(text),
            toml::Value::Table(mut forms) => {
                let mut form = |name: &str| match forms.remove(name) {
                    Some(toml::Value::String(text)) => text,
                    _ => panic!("{key}: a plural text needs a string `{name}`"),
                };
                let (one, other) = (form("one"), form("other"));
                assert!(forms.is_empty(), "{key}: only `one` and `other` forms");
                Self::Plural { one, other }
            }
            _ => panic!("{key}: a text is a string or a table of `one` and `other`"),
        }
    }

    fn form(&self, one: bool) -> &str {
        match self {
            Self::Plain(text) => text,
            Self::Plural { one: singular, .. } if one => singular,
            Self::Plural { other, .. } => other,
        }
    }
}

type Table = BTreeMap<String, Text>;

/// One feature's texts: `locales/id/NAME.toml` and `locales/en/NAME.toml`.
macro_rules! feature {
    ($name:literal) => {
        (
            $name,
            include_str!(concat!("../locales/id/", $name, ".toml")),
            include_str!(concat!("../locales/en/", $name, ".toml")),
        )
    };
}

/// The locale files, as shipped: (feature, Indonesian, English).
const FEATURES: &[(&str, &str, &str)] = &[
    feature!("common"),
    feature!("login"),
    feature!("totp"),
    feature!("cli"),
    feature!("access_log"),
    feature!("password"),
    feature!("helpdesk_log"),
    feature!("reset"),
    feature!("admin"),
    feature!("mail"),
    feature!("authenticator"),
    feature!("authenticator_errors"),
    feature!("oidc"),
    feature!("password_link"),
    feature!("scim"),
    feature!("import"),
];

fn parse(text: &str) -> Table {
    let table: toml::Table = toml::from_str(text).expect("locale files are valid TOML (tested)");
    table
        .into_iter()
        .map(|(key, value)| {
            let text = Text::from_toml(&key, value);
            (key, text)
        })
        .collect()
}

fn tables() -> &'static [Table; 2] {
    static TABLES: OnceLock<[Table; 2]> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut tables = [Table::new(), Table::new()];
        for (_, id, en) in FEATURES {
            tables[Lang::Id as usize].extend(parse(id));
            tables[Lang::En as usize].extend(parse(en));
        }
        tables
    })
}

/// The texts of one language.
#[derive(Debug, Clone, Copy)]
pub struct Texts {
    lang: Lang,
}

impl Texts {
    pub fn new(lang: Lang) -> Self {
        Self { lang }
    }

    pub fn lang(&self) -> Lang {
        self.lang
    }

    fn text(&self, key: &str) -> Option<&'static Text> {
        tables()[self.lang as usize].get(key)
    }

    /// The text for `key`; the key itself if missing (a test keeps that from shipping).
    pub fn get<'k>(&self, key: &'k str) -> &'k str
    where
        'static: 'k,
    {
        self.text(key).map_or(key, |text| text.form(false))
    }

    /// The text for `key` with `{name}` placeholders filled in.
    pub fn fill(&self, key: &str, pairs: &[(&str, &str)]) -> String {
        substitute(self.get(key), pairs)
    }

    /// The text for `key` in the form `count` takes, with `{count}` and the other
    /// placeholders filled in.
    pub fn plural(&self, key: &str, count: u64, pairs: &[(&str, &str)]) -> String {
        let form = self
            .text(key)
            .map_or(key, |text| text.form(self.lang.is_one(count)));
        let count = count.to_string();
        let mut all = vec![("count", count.as_str())];
        all.extend_from_slice(pairs);
        substitute(form, &all)
    }
}

/// `template` with each `{name}` replaced by its value, in one pass: a value is never
/// searched for placeholders itself, so a user agent or account name that contains
/// `{ip}` stays as it is. Unknown names stay in place.
fn substitute(template: &str, pairs: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let known = after.find('}').and_then(|close| {
            let name = &after[..close];
            let (_, value) = pairs.iter().find(|(n, _)| *n == name)?;
            Some((*value, close))
        });
        match known {
            Some((value, close)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests;
