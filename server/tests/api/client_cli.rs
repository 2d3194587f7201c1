//! `spse-auth client ...` with the real binary: what an operator sees.

use crate::cli::{run, spse_auth};

fn client(dir: &std::path::Path, args: &[&str]) -> crate::cli::Outcome {
    let mut command = spse_auth(dir);
    command.arg("client").args(args);
    run(command, "")
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text.trim()).expect("JSON output")
}

#[test]
fn client_add_list_show_rotate_remove() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let added = client(
        d,
        &[
            "add",
            "--name",
            "Daftar Paket",
            "--redirect-uri",
            "https://paket.lpse.go.id/oidc/callback",
            "--redirect-uri",
            "http://127.0.0.1:9000/cb",
            "--backchannel-logout-uri",
            "https://paket.lpse.go.id/oidc/logout",
            "--home-url",
            "https://paket.lpse.go.id/",
            "--json",
        ],
    );
    assert!(added.ok, "{}", added.stderr);
    let body = json(&added.stdout);
    let id = body["client_id"].as_str().unwrap().to_string();
    let secret = body["client_secret"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 32);
    assert_eq!(secret.len(), 64, "256 random bits");

    let mut database = Vec::new();
    for suffix in ["", "-wal"] {
        let file = d.join(format!("spse-auth.db{suffix}"));
        database.extend(std::fs::read(file).unwrap_or_default());
    }
    let text = String::from_utf8_lossy(&database);
    assert!(text.contains(&id), "the client is stored");
    assert!(
        !text.contains(&secret),
        "only a hash of the secret is stored"
    );

    let public = client(
        d,
        &[
            "add",
            "--name",
            "Aplikasi",
            "--redirect-uri",
            "http://localhost/cb",
            "--public",
        ],
    );
    assert!(public.ok, "{}", public.stderr);
    assert!(
        public.stdout.contains("Klien Aplikasi terdaftar."),
        "{}",
        public.stdout
    );
    assert!(public.stdout.contains("PKCE"));
    assert!(!public.stdout.contains("client_secret"));

    let list = client(d, &["list"]);
    assert!(list.ok, "{}", list.stderr);
    assert!(list.stdout.contains(&id) && list.stdout.contains("Daftar Paket"));
    assert!(list.stdout.contains("confidential") && list.stdout.contains("public"));
    assert!(!list.stdout.contains(&secret));

    let show = client(d, &["show", &id]);
    assert!(show.ok, "{}", show.stderr);
    for line in [
        "Redirect URI   https://paket.lpse.go.id/oidc/callback",
        "Redirect URI   http://127.0.0.1:9000/cb",
        "Logout URI     https://paket.lpse.go.id/oidc/logout",
        "Home URL       https://paket.lpse.go.id/",
        "Secret rotated -",
    ] {
        assert!(show.stdout.contains(line), "{line}: {}", show.stdout);
    }

    let rotated = client(d, &["rotate-secret", &id, "--json"]);
    assert!(rotated.ok, "{}", rotated.stderr);
    let new_secret = json(&rotated.stdout)["client_secret"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(new_secret.len(), 64);
    assert_ne!(new_secret, secret);
    assert!(
        !client(d, &["show", &id])
            .stdout
            .contains("Secret rotated -")
    );

    let public_id = client(d, &["list"])
        .stdout
        .lines()
        .find(|line| line.contains("Aplikasi"))
        .and_then(|line| line.split_whitespace().next())
        .unwrap()
        .to_string();
    let no_secret = client(d, &["rotate-secret", &public_id]);
    assert!(!no_secret.ok);
    assert!(
        no_secret.stderr.contains("klien publik"),
        "{}",
        no_secret.stderr
    );

    let removed = client(d, &["remove", &id]);
    assert!(removed.ok, "{}", removed.stderr);
    assert!(removed.stdout.contains(&format!("Klien {id} dihapus.")));
    let gone = client(d, &["show", &id]);
    assert!(!gone.ok);
    assert!(
        gone.stderr.contains("Klien tidak ditemukan."),
        "{}",
        gone.stderr
    );
    assert!(!client(d, &["remove", &id]).ok);
}

#[test]
fn client_add_refuses_unsafe_redirect_uris_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let refused = [
        ("http://paket.lpse.go.id/cb", "harus diawali https://"),
        ("https://*.lpse.go.id/cb", "wildcard (*) tidak diizinkan"),
        ("https://paket.lpse.go.id/cb#top", "#fragmen"),
        (
            "https://a:b@paket.lpse.go.id/cb",
            "nama pengguna atau kata sandi",
        ),
        ("paket/cb", "URI absolut"),
    ];
    for (uri, words) in refused {
        let out = client(d, &["add", "--name", "Paket", "--redirect-uri", uri]);
        assert!(!out.ok, "{uri} accepted");
        assert!(
            out.stderr.contains(&format!("Redirect URI {uri} ditolak")),
            "{}",
            out.stderr
        );
        assert!(out.stderr.contains(words), "{uri}: {}", out.stderr);
    }
    let mut english = spse_auth(d);
    english.env("LANG", "en_US.UTF-8").args([
        "client",
        "add",
        "--name",
        "Paket",
        "--redirect-uri",
        "https://paket.lpse.go.id/cb",
        "--backchannel-logout-uri",
        "http://10.0.0.9/logout",
    ]);
    let out = run(english, "");
    assert!(!out.ok);
    assert!(
        out.stderr.contains(
            "Back-channel logout URI http://10.0.0.9/logout refused: it must start with https://"
        ),
        "{}",
        out.stderr
    );
    let missing = client(d, &["add", "--name", "Paket"]);
    assert!(!missing.ok, "a redirect URI is required");
    assert!(client(d, &["list"]).stdout.contains("Belum ada klien."));
}
