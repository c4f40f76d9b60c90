//! Signing with the emulator's key (HMAC-SHA256): SAS URLs and tokens.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Signs bytes with the emulator's key.
pub fn sign(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// Checks a signature in constant time.
pub fn verify(key: &[u8], data: &[u8], sig: &[u8]) -> bool {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.verify_slice(sig).is_ok()
}
