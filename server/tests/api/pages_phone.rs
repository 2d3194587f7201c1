//! The login system's own pages on a phone and on a computer (WCAG 1.4.10 Reflow, and
//! WCAG 2.2 AA by axe-core), in real headless Chromium at 320, 360 and 1280 CSS pixels,
//! in Indonesian and in English: nothing needs sideways scrolling, every element of the
//! page (the signed-in menu with LOGOUT and ID·EN, the "Bukan saya" buttons of LOG
//! AKSES) is inside the screen, and axe-core finds nothing.

use spse_domain::user::UserKind;

use crate::browser::{Driver, chromium_login};
use crate::helpers::*;
use crate::phone_support::Phone;

const PUBLIC: [&str; 5] = [
    "/",
    "/login",
    "/login/penyedia",
    "/reset-totp?kind=penyedia",
    "/bantuan",
];
const SIGNED_IN: [&str; 4] = ["/beranda", "/log-akses", "/ganti-password", "/totp/disable"];

/// The elements drawn (even partly) outside the screen's width, by tag, id and text.
async fn outside(phone: &Phone) -> Vec<String> {
    let found = phone
        .c
        .execute(
            r#"const width = document.documentElement.clientWidth;
            // Inside an ancestor that clips (a visually hidden table head): not drawn.
            const clipped = e => { for (let a = e.parentElement; a; a = a.parentElement) {
                const s = getComputedStyle(a);
                if (s.overflowX !== 'visible' || s.clip !== 'auto') return true; }
                return false; };
            return [...document.body.querySelectorAll('*')]
              .filter(e => { const r = e.getBoundingClientRect();
                  return r.width > 0 && (r.left < -1 || r.right > width + 1) && !clipped(e); })
              .map(e => e.tagName + '#' + e.id + ' ' + (e.textContent || '').trim().slice(0, 30));"#,
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(found).unwrap()
}

async fn check(phone: &Phone, base: &str, path: &str, screen: &str) {
    phone.c.goto(&format!("{base}{path}")).await.unwrap();
    let out = outside(phone).await;
    assert!(out.is_empty(), "{screen}: outside the screen: {out:#?}");
    phone.assert_fits(screen).await;
    phone.assert_axe_clean(screen).await;
}

#[tokio::test]
async fn every_page_fits_320_360_and_1280_px_in_both_languages_and_is_axe_clean() {
    let app = spawn_app().await;
    let key = app.add_active_user("PPK1", UserKind::NonPenyedia).await;
    let driver = Driver::start();
    for width in [320, 360, 1280] {
        let phone = Phone::sized(&driver, None, width, 800).await;
        // Signed in as the user, with a second session so LOG AKSES lists one to end.
        app.login(UserKind::NonPenyedia, "PPK1", PASSWORD, &key)
            .await;
        for lang in ["id", "en"] {
            phone
                .c
                .goto(&format!("{}/?lang={lang}", app.base))
                .await
                .unwrap();
            phone.c.delete_all_cookies().await.unwrap();
            phone
                .c
                .goto(&format!("{}/?lang={lang}", app.base))
                .await
                .unwrap();
            for path in PUBLIC {
                check(
                    &phone,
                    &app.base,
                    path,
                    &format!("{path} at {width} px, {lang}"),
                )
                .await;
            }
            chromium_login(&phone.c, &app, "PPK1", PASSWORD, &key).await;
            for path in SIGNED_IN {
                check(
                    &phone,
                    &app.base,
                    path,
                    &format!("{path} at {width} px, {lang}"),
                )
                .await;
            }
            if width == 360 && lang == "id" {
                for (path, name) in [
                    ("/beranda", "pages-beranda"),
                    ("/log-akses", "pages-log-akses"),
                    ("/reset-totp?kind=penyedia", "pages-reset-totp"),
                ] {
                    phone.c.goto(&format!("{}{path}", app.base)).await.unwrap();
                    phone.snap(name).await;
                }
            }
        }
        phone.c.close().await.unwrap();
    }
}

#[tokio::test]
async fn the_check_can_fail_a_page_wider_than_the_phone() {
    let app = spawn_app().await;
    let driver = Driver::start();
    let phone = Phone::sized(&driver, None, 320, 640).await;
    phone.c.goto(&format!("{}/login", app.base)).await.unwrap();
    phone
        .c
        .execute(
            "const d = document.createElement('div'); d.id = 'too-wide'; \
             d.style.width = '600px'; d.textContent = 'x'; document.querySelector('main').append(d);",
            vec![],
        )
        .await
        .unwrap();
    let out = outside(&phone).await;
    assert!(out.iter().any(|e| e.starts_with("DIV#too-wide")), "{out:?}");
}
