//! PNG images and the pixel sizes their slots require.
//!
//! Sizes as Microsoft's marketplace documentation gives them for an Azure
//! Application offer ("Configure your Azure application offer listing
//! details", learn.microsoft.com/partner-center/marketplace-offers/azure-app-offer-listing):
//! the logo is a PNG between 216 × 216 and 350 × 350 pixels (square);
//! screenshots are PNGs of 1280 × 720 pixels. The small (48 × 48), medium
//! (90 × 90) and wide (255 × 115) logos are the fixed sizes the same page
//! gave for the older logo slots, which the ingestion API still accepts.

use std::io::Read;
use std::path::Path;

/// What a slot accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Size {
    /// Exactly this many pixels.
    Exact(u32, u32),
    /// A square from `min` to `max` pixels a side.
    Square(u32, u32),
}

impl std::fmt::Display for Size {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Size::Exact(w, h) => write!(f, "{w}×{h}"),
            Size::Square(min, max) => write!(f, "square, {min}×{min} to {max}×{max}"),
        }
    }
}

impl Size {
    fn accepts(self, w: u32, h: u32) -> bool {
        match self {
            Size::Exact(ew, eh) => w == ew && h == eh,
            Size::Square(min, max) => w == h && (min..=max).contains(&w),
        }
    }
}

/// The size each logo slot of the definition (`listing.logos.*`) requires.
pub fn logo_size(slot: &str) -> Option<Size> {
    match slot {
        "small" => Some(Size::Exact(48, 48)),
        "medium" => Some(Size::Exact(90, 90)),
        "large" => Some(Size::Square(216, 350)),
        "wide" => Some(Size::Exact(255, 115)),
        _ => None,
    }
}

/// The size of a screenshot.
pub const SCREENSHOT: Size = Size::Exact(1280, 720);

/// A PNG's width and height, read from its header; an error says what the
/// file is instead.
pub fn png_size(path: &Path) -> Result<(u32, u32), String> {
    let mut head = [0u8; 24];
    let mut file = std::fs::File::open(path).map_err(|e| format!("cannot read it: {e}"))?;
    let mut read = 0;
    while read < head.len() {
        match file.read(&mut head[read..]) {
            Ok(0) => break,
            Ok(n) => read += n,
            Err(e) => return Err(format!("cannot read it: {e}")),
        }
    }
    parse_png_header(&head[..read])
}

fn parse_png_header(head: &[u8]) -> Result<(u32, u32), String> {
    const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    if !head.starts_with(SIGNATURE) {
        let what = if head.starts_with(&[0xff, 0xd8]) {
            "a JPEG"
        } else if head.starts_with(b"GIF8") {
            "a GIF"
        } else if head.is_empty() {
            "empty"
        } else {
            "not a PNG"
        };
        return Err(format!(
            "it is {what}; the marketplace takes PNG images only"
        ));
    }
    if head.len() < 24 || &head[12..16] != b"IHDR" {
        return Err("it is a damaged PNG (no IHDR header); export it again".into());
    }
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    Ok((be(&head[16..20]), be(&head[20..24])))
}

/// Checks one image against its slot: `None` when it fits, else what is wrong.
pub fn check(path: &Path, size: Size) -> Option<String> {
    match png_size(path) {
        Err(e) => Some(e),
        Ok((w, h)) if !size.accepts(w, h) => Some(format!(
            "it is {w}×{h} pixels; this slot needs {size}. Resize it"
        )),
        Ok(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let mut v = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        v.extend(w.to_be_bytes());
        v.extend(h.to_be_bytes());
        v.extend([8, 6, 0, 0, 0]);
        v
    }

    #[test]
    fn headers_give_the_size_or_say_what_the_file_is() {
        assert_eq!(parse_png_header(&png(216, 216)), Ok((216, 216)));
        assert!(parse_png_header(b"\xff\xd8\xff\xe0")
            .unwrap_err()
            .contains("JPEG"));
        assert!(parse_png_header(b"").unwrap_err().contains("empty"));
        assert!(parse_png_header(b"\x89PNG\r\n\x1a\n\0\0")
            .unwrap_err()
            .contains("damaged"));
    }

    #[test]
    fn slots_take_their_sizes() {
        let large = logo_size("large").unwrap();
        assert!(large.accepts(216, 216) && large.accepts(350, 350) && large.accepts(300, 300));
        assert!(!large.accepts(10, 10) && !large.accepts(216, 300) && !large.accepts(351, 351));
        assert!(SCREENSHOT.accepts(1280, 720) && !SCREENSHOT.accepts(1920, 1080));
        assert_eq!(logo_size("small"), Some(Size::Exact(48, 48)));
        assert_eq!(logo_size("huge"), None);
    }

    #[test]
    fn a_file_on_disk_is_checked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("logo.png");
        std::fs::write(&path, png(10, 10)).unwrap();
        let message = check(&path, logo_size("large").unwrap()).unwrap();
        assert!(message.contains("10×10"), "{message}");
        std::fs::write(&path, png(216, 216)).unwrap();
        assert_eq!(check(&path, logo_size("large").unwrap()), None);
    }
}
