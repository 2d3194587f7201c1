//! add --qr: the QR code as saved, in a screenshot of a page, and images without one.

use image::{DynamicImage, GrayImage, Luma};

use crate::helpers::*;

#[test]
fn add_from_a_png_of_the_qr_code() {
    let sandbox = Sandbox::new();
    let png = sandbox.path("qr.png");
    qr_image(&spse_uri("LPSE%20Latihan", "PPK1", SECRET), 8)
        .save(&png)
        .unwrap();
    let run = sandbox
        .run(&["add", "--no-push", "--qr", png.to_str().unwrap()])
        .ok();
    assert_eq!(run.stdout, "Akun ditambahkan: LPSE Latihan:PPK1\n");
    assert_eq!(
        sandbox.code_at("PPK1", 1_700_000_000),
        oathtool(SECRET, 1_700_000_000)
    );
    assert!(sandbox.run(&["list"]).ok().stdout.contains("PPK1  tidak"));
}

#[test]
fn add_from_a_screenshot_of_the_activation_page() {
    let sandbox = Sandbox::new();
    let page = screenshot(&spse_uri("LPSE", "PPK1", SECRET));
    let png = sandbox.path("layar.png");
    page.save(&png).unwrap();
    sandbox
        .run(&["add", "--no-push", "--qr", png.to_str().unwrap()])
        .ok();
    assert_eq!(sandbox.code_at("PPK1", 59), oathtool(SECRET, 59));

    let jpeg = sandbox.path("layar.jpg");
    DynamicImage::ImageRgb8(screenshot(&plain_uri("LPSE", "PPK2", RFC_SECRET)))
        .save(&jpeg)
        .unwrap();
    let run = sandbox.run(&["add", "--qr", jpeg.to_str().unwrap()]).ok();
    assert_eq!(run.stdout, "Akun ditambahkan: LPSE:PPK2\n");
    assert_eq!(sandbox.code_at("PPK2", 59), "287082");
}

#[test]
fn images_without_an_activation_code_are_refused() {
    let sandbox = Sandbox::new();
    let blank = sandbox.path("kosong.png");
    GrayImage::from_pixel(400, 300, Luma([255]))
        .save(&blank)
        .unwrap();
    let run = sandbox
        .run(&["add", "--qr", blank.to_str().unwrap()])
        .fails();
    assert!(run.stderr.contains("Tidak ada kode QR"), "{}", run.stderr);

    let website = sandbox.path("situs.png");
    qr_image("https://lpse.pu.go.id/", 6)
        .save(&website)
        .unwrap();
    let run = sandbox
        .run(&["add", "--qr", website.to_str().unwrap()])
        .fails();
    assert!(
        run.stderr.contains("bukan kode aktivasi TOTP"),
        "{}",
        run.stderr
    );

    let not_an_image = sandbox.path("bukan.png");
    std::fs::write(&not_an_image, "teks").unwrap();
    let run = sandbox
        .run(&["add", "--qr", not_an_image.to_str().unwrap()])
        .fails();
    assert!(run.stderr.contains("tidak dapat dibaca"), "{}", run.stderr);

    let missing = sandbox.path("tidak-ada.png");
    let run = sandbox
        .run(&["add", "--qr", missing.to_str().unwrap()])
        .fails();
    assert!(run.stderr.contains("tidak dapat dibaca"), "{}", run.stderr);
    assert!(!sandbox.store.exists());
}
