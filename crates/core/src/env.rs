//! The environment the interpreter runs in: the clock, randomness and task tokens come from
//! here and nowhere else, so an execution under a fixed seed and a virtual clock is
//! reproducible, and the shell decides what "now" and "random" mean.

/// Injected time and randomness.
pub trait Env {
    /// Milliseconds since the Unix epoch.
    fn now(&self) -> i64;
    /// A uniformly distributed random 64-bit value (jitter, `States.UUID`, `$random()`).
    fn random_u64(&self) -> u64;
    /// A fresh task token. Production shells must draw at least 128 bits from a
    /// cryptographically secure source: the token is the only credential a callback needs.
    fn task_token(&self) -> String {
        let a = self.random_u64();
        let b = self.random_u64();
        let c = self.random_u64();
        format!("{a:016x}{b:016x}{c:016x}")
    }
}

/// A deterministic environment: a virtual clock that the caller moves, and a splitmix64
/// generator from a seed. Used by tests, `statecraft run --clock virtual` and benchmarks.
#[derive(Debug)]
pub struct FixedEnv {
    now: std::cell::Cell<i64>,
    state: std::cell::Cell<u64>,
}

impl FixedEnv {
    pub fn new(now: i64, seed: u64) -> FixedEnv {
        FixedEnv { now: std::cell::Cell::new(now), state: std::cell::Cell::new(seed) }
    }

    pub fn set_now(&self, now: i64) {
        self.now.set(now);
    }

    pub fn advance(&self, millis: i64) {
        self.now.set(self.now.get() + millis);
    }
}

impl Env for FixedEnv {
    fn now(&self) -> i64 {
        self.now.get()
    }

    fn random_u64(&self) -> u64 {
        splitmix64(&self.state)
    }
}

/// One step of splitmix64 on a state cell.
pub fn splitmix64(state: &std::cell::Cell<u64>) -> u64 {
    let mut z = state.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
    state.set(z);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
