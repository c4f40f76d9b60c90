//! Identifiers the emulator hands out: GUIDs, the service's long numeric ids,
//! etags, and random hex.

use std::sync::atomic::{AtomicU64, Ordering};

/// A fresh GUID, the form of product, plan, listing and most instance ids.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The last numeric id handed out in this process (its offset from 2^60).
static LAST_NUMERIC: AtomicU64 = AtomicU64::new(0);

/// Microseconds from the Unix epoch to 2024-01-01.
const FROM_2024_US: u64 = 1_704_067_200_000_000;

/// A fresh long numeric id, the form of submission ids
/// (`"1152921505695125040"`) and of some draft instance ids: 2^60 plus the
/// microseconds since 2024 (nineteen digits). Later ids are larger, as on
/// the service (tools take the largest as the newest), in this process and
/// across restarts on the same data directory.
pub fn numeric_id() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
        .unwrap_or(0)
        .saturating_sub(FROM_2024_US);
    let mut last = LAST_NUMERIC.load(Ordering::SeqCst);
    let next = loop {
        let next = now.max(last + 1);
        match LAST_NUMERIC.compare_exchange(last, next, Ordering::SeqCst, Ordering::SeqCst) {
            Ok(_) => break next,
            Err(seen) => last = seen,
        }
    };
    ((1u64 << 60) + next).to_string()
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
        assert!(id.starts_with("115"), "{id}");
        assert!(id.bytes().all(|b| b.is_ascii_digit()));
        let ids: Vec<u64> = (0..100).map(|_| numeric_id().parse().unwrap()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "later ids are larger");
        assert_eq!(hex_decode(&hex(b"\x01\xfe")), Some(vec![1, 254]));
        assert_eq!(hex_decode("abc"), None);
        assert!(new_etag().starts_with('"') && new_etag().len() == 38);
    }
}
