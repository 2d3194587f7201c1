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

/// Keys appear as string literals inside `t.get(..)`, `t.fill(..)` and `t.plural(..)`
/// calls: the `Texts` value is always named `t`.
fn used_keys(text: &str) -> Vec<String> {
    let mut keys = Vec::new();
    for marker in ["t.get(\"", "t.fill(\"", "t.plural(\""] {
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
