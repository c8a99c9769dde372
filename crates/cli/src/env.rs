//! The wall-clock environment for commands that run for real: system time, and randomness
//! seeded from the operating system.

use statecraft_core::env::splitmix64;
use std::cell::Cell;
use std::hash::{BuildHasher, Hasher};

pub(crate) struct SystemEnv {
    state: Cell<u64>,
}

impl SystemEnv {
    pub(crate) fn new() -> SystemEnv {
        SystemEnv { state: Cell::new(os_seed()) }
    }
}

/// 64 bits from the OS-seeded hasher keys of the standard library.
pub(crate) fn os_seed() -> u64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(now_millis() as u64);
    h.finish()
}

pub(crate) fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl statecraft_core::Env for SystemEnv {
    fn now(&self) -> i64 {
        now_millis()
    }

    fn random_u64(&self) -> u64 {
        splitmix64(&self.state)
    }
}
