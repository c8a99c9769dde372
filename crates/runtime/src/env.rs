//! The environment of a long-running shell: the system clock and the operating system's
//! cryptographically secure random source. Task tokens are credentials (a callback URL needs
//! nothing else), so they are 256 random bits from the OS, never from a seeded generator.

use base64::Engine as _;

/// System time and OS randomness; `Send + Sync`, so one instance serves every execution.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemEnv;

/// Milliseconds since the Unix epoch, from the system clock.
pub fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    // The OS source does not fail on supported platforms; a failure here is unrecoverable.
    if getrandom::fill(&mut b).is_err() {
        // Fall back to the std hasher keys (also OS-seeded) rather than returning zeros.
        use std::hash::{BuildHasher, Hasher};
        for chunk in b.chunks_mut(8) {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_i64(now_millis());
            let v = h.finish().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }
    b
}

impl statecraft_core::Env for SystemEnv {
    fn now(&self) -> i64 {
        now_millis()
    }

    fn random_u64(&self) -> u64 {
        u64::from_le_bytes(random_bytes::<8>())
    }

    /// 256 random bits, URL-safe (it can sit in a callback URL as is).
    fn task_token(&self) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes::<32>())
    }
}

/// Whether `token` has the shape of the tokens [`SystemEnv`] issues (43 URL-safe base64
/// characters). Such a token that opens no task was closed (answered, timed out, or its
/// execution ended): AWS answers `TaskTimedOut` for it, and keeps `InvalidToken` for tokens
/// that were never issued. Tokens are not remembered once closed, so the shape is what tells.
pub fn is_task_token_shaped(token: &str) -> bool {
    token.len() == 43 && token.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
}

/// The stored form of a token: hex SHA-256. Tokens themselves are never stored.
pub fn token_hash(token: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use statecraft_core::Env;

    #[test]
    fn tokens_are_long_distinct_and_url_safe() {
        let a = SystemEnv.task_token();
        let b = SystemEnv.task_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), token_hash(&b));
        assert!(is_task_token_shaped(&a));
        assert!(!is_task_token_shaped("no-such-token"));
        assert!(!is_task_token_shaped(&format!("{}=", &a[..42])));
    }
}
