//! Identifiers the emulator hands out: GUIDs, the service's long numeric ids,
//! etags, and random hex.

/// A fresh GUID, the form of product, plan, listing and most instance ids.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A fresh long numeric id, the form of submission ids
/// (`"1152921505695125040"`) and of some draft instance ids.
pub fn numeric_id() -> String {
    let r = uuid::Uuid::new_v4().as_u128() as u64;
    // 2^60 plus 40 random bits: nineteen digits, as the service's.
    ((1u64 << 60) + (r & ((1u64 << 40) - 1))).to_string()
}

/// A fresh etag, quoted inside the string as the service's are
/// (`"\"18012690-0000-0800-0000-6a9564c40000\""`).
pub fn new_etag() -> String {
    format!("\"{}\"", uuid::Uuid::new_v4())
}

/// `bytes` random bytes as lower-case hex.
pub fn random_hex(bytes: usize) -> String {
    let mut s = String::new();
    while s.len() < bytes * 2 {
        s.push_str(&uuid::Uuid::new_v4().simple().to_string());
    }
    s.truncate(bytes * 2);
    s
}

/// Bytes from hex, or `None` if it is not hex.
pub fn hex_decode(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Bytes as lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_ids_look_like_the_service_s() {
        let id = numeric_id();
        assert_eq!(id.len(), 19, "{id}");
        assert!(id.starts_with("115292"), "{id}");
        assert!(id.bytes().all(|b| b.is_ascii_digit()));
        assert_ne!(numeric_id(), numeric_id());
        assert_eq!(hex_decode(&hex(b"\x01\xfe")), Some(vec![1, 254]));
        assert_eq!(hex_decode("abc"), None);
        assert!(new_etag().starts_with('"') && new_etag().len() == 38);
    }
}
