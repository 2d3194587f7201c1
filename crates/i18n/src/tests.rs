use std::path::Path;

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

/// Every key that the pages (templates and handlers), the server's CLI, the mails and
/// the authenticator ask for is in both languages, and as plain text where a plural
/// would be lost.
#[test]
fn every_used_key_exists() {
    // Every crate of the server (with its templates) but this one, the server binary, the
    // authenticator.
    let dirs = [
        concat!(env!("CARGO_MANIFEST_DIR"), "/.."),
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../server/src"),
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../authenticator/src"),
    ];
    let sources: Vec<String> = dirs
        .iter()
        .flat_map(|dir| read_tree(Path::new(dir)))
        .collect();
    assert!(
        sources.iter().any(|s| s.contains("t.fill(\"app_")),
        "the authenticator's sources are scanned"
    );
    let problems = key_problems(&sources);
    assert!(problems.is_empty(), "{problems:#?}");
}

/// The test above can fail: a key missing anywhere, or a plural asked for as plain text.
#[test]
fn key_problems_are_found() {
    let source = r#"
        t.get("welcome");
        t.fill(
            "no_such_key",
            &[],
        );
        t.plural("cli_audit_pruned", 1, &[]);
        t.get("cli_audit_pruned");
    "#;
    assert_eq!(
        key_problems(&[source.to_string()]),
        [
            "cli_audit_pruned: a plural text, used without a count",
            "no_such_key: missing in en",
            "no_such_key: missing in id",
        ]
    );
}

fn key_problems(sources: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    for (method, key) in sources.iter().flat_map(|text| used_keys(text)) {
        for lang in [Lang::Id, Lang::En] {
            match tables()[lang as usize].get(&key) {
                None => problems.push(format!("{key}: missing in {}", lang.code())),
                Some(Text::Plural { .. }) if method != "plural" => {
                    problems.push(format!("{key}: a plural text, used without a count"));
                }
                Some(_) => {}
            }
        }
    }
    problems.sort();
    problems.dedup();
    problems
}

/// The text files under `dir`, except this crate's own (its tests name keys on purpose).
fn read_tree(dir: &Path) -> Vec<String> {
    let this_crate = Path::new(env!("CARGO_MANIFEST_DIR"))
        .canonicalize()
        .unwrap();
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if path.canonicalize().unwrap() != this_crate {
                out.extend(read_tree(&path));
            }
        } else if let Ok(text) = std::fs::read_to_string(&path) {
            out.push(text);
        }
    }
    out
}

/// Keys appear as the first argument, a string literal, of `t.get(..)`, `t.fill(..)` and
/// `t.plural(..)` (the `Texts` value is always named `t`), perhaps on the next line
/// where rustfmt broke the call: (method, key) pairs.
fn used_keys(text: &str) -> Vec<(&'static str, String)> {
    let mut keys = Vec::new();
    for method in ["get", "fill", "plural"] {
        for part in text.split(&format!("t.{method}(")).skip(1) {
            let Some(literal) = part.trim_start().strip_prefix('"') else {
                continue;
            };
            if let Some(end) = literal.find('"') {
                let key = &literal[..end];
                if !key.is_empty()
                    && key
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit())
                {
                    keys.push((method, key.to_string()));
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

#[test]
fn fill_is_one_pass() {
    let t = Texts::new(Lang::En);
    assert_eq!(
        t.fill("welcome", &[("name", "{name} {x}")]),
        "Welcome, {name} {x}."
    );
}

#[test]
fn english_counts_one_and_other_indonesian_never_changes() {
    let en = Texts::new(Lang::En);
    assert_eq!(
        en.plural("cli_audit_pruned", 1, &[]),
        "1 entry past retention removed."
    );
    assert_eq!(
        en.plural("cli_audit_pruned", 2, &[]),
        "2 entries past retention removed."
    );
    assert_eq!(
        en.plural("cli_audit_pruned", 0, &[]),
        "0 entries past retention removed."
    );
    let id = Texts::new(Lang::Id);
    for count in [0, 1, 2] {
        assert_eq!(
            id.plural("cli_audit_pruned", count, &[]),
            format!("{count} entri yang melewati masa simpan dihapus.")
        );
    }
}

/// Indonesian marks number with words ("1 akun", "3 akun"), never with a plural form.
#[test]
fn indonesian_texts_have_one_form() {
    let [id, _] = tables();
    let plural: Vec<_> = id
        .iter()
        .filter(|(_, text)| matches!(text, Text::Plural { .. }))
        .map(|(key, _)| key)
        .collect();
    assert!(plural.is_empty(), "plural forms in id: {plural:?}");
}
