//! Identifiers drawn from the injected environment (never from a global generator).

use crate::env::Env;

/// A version-4 UUID from the environment's randomness.
pub fn uuid(env: &dyn Env) -> String {
    let a = env.random_u64();
    let b = env.random_u64();
    let bytes: [u8; 16] = {
        let mut x = [0u8; 16];
        x[..8].copy_from_slice(&a.to_be_bytes());
        x[8..].copy_from_slice(&b.to_be_bytes());
        x[6] = (x[6] & 0x0f) | 0x40;
        x[8] = (x[8] & 0x3f) | 0x80;
        x
    };
    let h: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}
