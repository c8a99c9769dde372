//! Fault injection for tests: a crash between a commit and its effects. Compiled only in debug
//! builds (tests, `cargo lambda watch`); in release builds every hook is a constant `false`.
//!
//! A "crash" here is what a dying function looks like from SQS: the commit is written, no
//! effect is performed, and the message is not deleted (the batch reports it failed), so SQS
//! delivers it again after its visibility timeout.

#[cfg(debug_assertions)]
mod imp {
    use std::sync::atomic::{AtomicU32, Ordering};

    /// Armed crashes: each commit that finds one armed takes it and crashes.
    #[derive(Debug, Default)]
    pub struct Faults {
        crash_after_commit: AtomicU32,
    }

    impl Faults {
        /// Reads `STATECRAFT_FAULT_CRASH_AFTER_COMMIT` (a number of crashes to arm).
        pub fn from_env() -> Faults {
            let f = Faults::default();
            if let Some(n) =
                std::env::var("STATECRAFT_FAULT_CRASH_AFTER_COMMIT").ok().and_then(|v| v.parse().ok())
            {
                f.arm_crash_after_commit(n);
            }
            f
        }

        /// The next `n` commits crash before their effects.
        pub fn arm_crash_after_commit(&self, n: u32) {
            self.crash_after_commit.store(n, Ordering::SeqCst);
        }

        /// Called right after a commit: true when this one must crash.
        pub fn crash_after_commit(&self) -> bool {
            self.crash_after_commit
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok()
        }

        pub fn armed(&self) -> u32 {
            self.crash_after_commit.load(Ordering::SeqCst)
        }
    }
}

#[cfg(not(debug_assertions))]
mod imp {
    /// Release builds: no faults.
    #[derive(Debug, Default)]
    pub struct Faults;

    impl Faults {
        pub fn from_env() -> Faults {
            Faults
        }

        pub fn arm_crash_after_commit(&self, _n: u32) {}

        #[inline(always)]
        pub fn crash_after_commit(&self) -> bool {
            false
        }

        pub fn armed(&self) -> u32 {
            0
        }
    }
}

pub use imp::Faults;
