//! The golden digest (`tests/golden/digest.html`, exactly the pinned HTML) as a browser
//! draws it, at a phone's width and a desktop's.
//!
//! Headless Chromium takes the screenshots; the checks read the pixels: the picture has
//! the size asked for, holds text (many colours, dark pixels), and the card sits inside the
//! page's margins, so nothing is cut off at a phone's right edge or below the window.
//! Without Chromium the tests say they are skipped and pass, except under CI, which must
//! install it. `NEWSHOUND_UPDATE_SCREENSHOTS=1` writes the pictures, cropped to the page's
//! content, to `docs/` for the README.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The page background of the HTML part (`PAGE_BG` in the renderer).
const PAGE_BG: [u8; 3] = [0xf2, 0xf3, 0xf5];
/// The page's padding around the card, in pixels, at every width.
const MARGIN: u32 = 8;
/// Tall enough for the whole golden digest at either width, so the bottom rows being
/// page background shows that the window cut nothing off.
const WINDOW_HEIGHT: u32 = 2400;

#[test]
fn golden_digest_reads_on_a_phone() {
    check_width(390, "digest-phone.png");
}

#[test]
fn golden_digest_reads_on_a_desktop() {
    check_width(1200, "digest-desktop.png");
}

fn check_width(width: u32, name: &str) {
    let Some(chromium) = chromium() else {
        if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
            panic!("no chromium or chromium-browser on PATH; CI must install it (see .ci/run)");
        }
        eprintln!(
            "SKIPPED: no chromium or chromium-browser on PATH, so the digest's HTML was not \
             rendered; install chromium to run this check"
        );
        return;
    };
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/digest.html");
    let dir = tempfile::tempdir().unwrap();
    let shot = dir.path().join(name);
    screenshot(&chromium, &golden, width, dir.path(), &shot);

    let picture = Picture::read(&shot);
    assert_eq!(
        (picture.width, picture.height),
        (width, WINDOW_HEIGHT),
        "{name}"
    );
    assert!(
        picture.distinct_colours() >= 100,
        "{name} looks blank: {} colours",
        picture.distinct_colours()
    );
    let dark = picture
        .pixels()
        .filter(|p| p.iter().all(|&c| c < 96))
        .count();
    assert!(dark >= 5_000, "{name} has little dark text: {dark} pixels");
    // A card wider than the window would run past its right edge, where only the page's
    // margin belongs; content past the window's bottom would leave no margin there.
    for x in width - MARGIN..width {
        assert!(
            picture.column_is_page(x),
            "{name}: column {x} is not page background; the card is cut off at the right"
        );
    }
    for x in 0..MARGIN {
        assert!(picture.column_is_page(x), "{name}: column {x}");
    }
    let bottom = picture.content_bottom();
    assert!(
        bottom + 2 * MARGIN < picture.height,
        "{name}: content reaches the window's bottom edge; raise WINDOW_HEIGHT"
    );

    if std::env::var_os("NEWSHOUND_UPDATE_SCREENSHOTS").is_some() {
        let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
        std::fs::create_dir_all(&docs).unwrap();
        // The same margin under the card as above it.
        picture.write_cropped(&docs.join(name), bottom + 1 + 2 * MARGIN);
    }
}

/// The first of `chromium` and `chromium-browser` found on `PATH`.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser"].iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    })
}

fn screenshot(chromium: &Path, html: &Path, width: u32, dir: &Path, out: &Path) {
    let mut child = Command::new(chromium)
        .args([
            "--headless=new",
            "--disable-gpu",
            "--no-sandbox",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
            "--no-first-run",
        ])
        // A profile of its own: two screenshots at once must not share one.
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .arg(format!("--window-size={width},{WINDOW_HEIGHT}"))
        .arg(format!("--screenshot={}", out.display()))
        .arg(format!("file://{}", html.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e}", chromium.display()));
    // Chromium can hang on a machine without the libraries or fonts it expects; a stuck
    // test would say less than a failed one.
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("{} took over 120s to take a screenshot", chromium.display());
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "{}: {status}", chromium.display());
    assert!(
        out.is_file(),
        "{} wrote no {}",
        chromium.display(),
        out.display()
    );
}

/// A screenshot as 8-bit RGB rows.
struct Picture {
    width: u32,
    height: u32,
    rgb: Vec<u8>,
}

impl Picture {
    fn read(path: &Path) -> Picture {
        let mut decoder = png::Decoder::new(BufReader::new(File::open(path).unwrap()));
        decoder.set_transformations(png::Transformations::normalize_to_color8());
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        let channels = info.color_type.samples();
        assert!(channels >= 3, "{}: {:?}", path.display(), info.color_type);
        let rgb = buf[..info.buffer_size()]
            .chunks_exact(channels)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect();
        Picture {
            width: info.width,
            height: info.height,
            rgb,
        }
    }

    fn pixels(&self) -> impl Iterator<Item = &[u8]> {
        self.rgb.chunks_exact(3)
    }

    fn pixel(&self, x: u32, y: u32) -> &[u8] {
        let at = 3 * (y as usize * self.width as usize + x as usize);
        &self.rgb[at..at + 3]
    }

    fn distinct_colours(&self) -> usize {
        let mut colours: Vec<&[u8]> = self.pixels().collect();
        colours.sort_unstable();
        colours.dedup();
        colours.len()
    }

    /// Within a step or two of the page colour, for a browser that colour-manages.
    fn is_page(pixel: &[u8]) -> bool {
        pixel
            .iter()
            .zip(PAGE_BG)
            .all(|(&p, bg)| p.abs_diff(bg) <= 2)
    }

    fn column_is_page(&self, x: u32) -> bool {
        (0..self.height).all(|y| Picture::is_page(self.pixel(x, y)))
    }

    /// The last row that holds anything but page background.
    fn content_bottom(&self) -> u32 {
        (0..self.height)
            .rev()
            .find(|&y| (0..self.width).any(|x| !Picture::is_page(self.pixel(x, y))))
            .expect("the picture is not all page background")
    }

    fn write_cropped(&self, path: &Path, height: u32) {
        let height = height.min(self.height);
        let mut encoder = png::Encoder::new(File::create(path).unwrap(), self.width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::High);
        let mut writer = encoder.write_header().unwrap();
        let rows = 3 * self.width as usize * height as usize;
        writer.write_image_data(&self.rgb[..rows]).unwrap();
        writer.finish().unwrap();
    }
}
