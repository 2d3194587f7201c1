//! Page and message texts in Indonesian (default) and English, from `locales/*.toml`.

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
}

type Table = BTreeMap<String, String>;

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
];

fn parse(text: &str) -> Table {
    toml::from_str(text).expect("locale files are valid TOML (tested)")
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

    /// The text for `key`; the key itself if missing (a test keeps that from shipping).
    pub fn get<'k>(&self, key: &'k str) -> &'k str
    where
        'static: 'k,
    {
        let table = &tables()[self.lang as usize];
        table.get(key).map_or(key, String::as_str)
    }

    /// The text for `key` with `{name}` placeholders filled in.
    pub fn fill(&self, key: &str, pairs: &[(&str, &str)]) -> String {
        pairs
            .iter()
            .fold(self.get(key).to_string(), |text, (name, value)| {
                text.replace(&format!("{{{name}}}"), value)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_key_is_defined_twice() {
        let mut seen = std::collections::HashMap::new();
        for (feature, id, _) in FEATURES {
            for key in parse(id).into_keys() {
                if let Some(other) = seen.insert(key.clone(), *feature) {
                    panic!("{key} is in both {other}.toml and {feature}.toml");
                }
            }
        }
    }

    #[test]
    fn both_languages_have_the_same_keys() {
        for (feature, id, en) in FEATURES {
            let (id, en) = (parse(id), parse(en));
            let missing_en: Vec<_> = id.keys().filter(|k| !en.contains_key(*k)).collect();
            let missing_id: Vec<_> = en.keys().filter(|k| !id.contains_key(*k)).collect();
            assert!(
                missing_en.is_empty(),
                "missing in en/{feature}.toml: {missing_en:?}"
            );
            assert!(
                missing_id.is_empty(),
                "missing in id/{feature}.toml: {missing_id:?}"
            );
        }
        let [id, en] = tables();
        let missing_en: Vec<_> = id.keys().filter(|k| !en.contains_key(*k)).collect();
        let missing_id: Vec<_> = en.keys().filter(|k| !id.contains_key(*k)).collect();
        assert!(missing_en.is_empty(), "missing in en.toml: {missing_en:?}");
        assert!(missing_id.is_empty(), "missing in id.toml: {missing_id:?}");
    }

    /// Every key the templates and the code ask for exists (in both, by the test above).
    #[test]
    fn every_used_key_exists() {
        let [id, _] = tables();
        // Every crate of the server, the templates with them.
        let dirs = [
            concat!(env!("CARGO_MANIFEST_DIR"), "/.."),
            concat!(env!("CARGO_MANIFEST_DIR"), "/../../server/src"),
        ];
        let mut missing = Vec::new();
        for dir in dirs {
            for text in read_tree(std::path::Path::new(dir)) {
                for key in used_keys(&text) {
                    if !id.contains_key(&key) {
                        missing.push(key);
                    }
                }
            }
        }
        assert!(
            missing.is_empty(),
            "keys used but not in the locales: {missing:?}"
        );
    }

    fn read_tree(dir: &std::path::Path) -> Vec<String> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() && !path.ends_with("locales") {
                out.extend(read_tree(&path));
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                out.push(text);
            }
        }
        out
    }

    /// Keys appear as string literals inside `t.get(..)` and `t.fill(..)` calls: the
    /// `Texts` value is always named `t`.
    fn used_keys(text: &str) -> Vec<String> {
        let mut keys = Vec::new();
        for marker in ["t.get(\"", "t.fill(\""] {
            for part in text.split(marker).skip(1) {
                if let Some(end) = part.find('"') {
                    let key = &part[..end];
                    if !key.is_empty()
                        && key
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit())
                    {
                        keys.push(key.to_string());
                    }
                }
            }
        }
        keys
    }

    fn vars(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn locale_precedence_follows_posix() {
        assert_eq!(Lang::from_vars(vars(&[])), Lang::Id);
        assert_eq!(Lang::from_vars(vars(&[("LANG", "en_US.UTF-8")])), Lang::En);
        assert_eq!(Lang::from_vars(vars(&[("LANG", "id_ID.UTF-8")])), Lang::Id);
        assert_eq!(
            Lang::from_vars(vars(&[("LANG", "en_US"), ("LC_MESSAGES", "id_ID")])),
            Lang::Id
        );
        assert_eq!(
            Lang::from_vars(vars(&[("LANG", "id_ID"), ("LC_ALL", "en_GB")])),
            Lang::En
        );
        assert_eq!(
            Lang::from_vars(vars(&[("LANG", "en_US"), ("LC_ALL", "")])),
            Lang::En
        );
        assert_eq!(Lang::from_vars(vars(&[("LANG", "C")])), Lang::Id);
    }

    #[test]
    fn fill_replaces_placeholders() {
        let t = Texts::new(Lang::Id);
        assert!(
            t.fill("footer_version", &[("version", "9.9")])
                .contains("9.9")
        );
    }
}
