//! `java.util.Random`, bit for bit, for the seeded form of `States.MathRandom`: AWS's own
//! `$random(seed)` in JSONata is known to be `java.util.Random`, so a seeded intrinsic call is
//! reproduced with the same generator. Unseeded calls use the injected [`crate::Env`] instead.

const MULTIPLIER: u64 = 0x5DEE_CE66D;
const ADDEND: u64 = 0xB;
const MASK: u64 = (1 << 48) - 1;

pub(crate) struct JavaRandom {
    seed: u64,
}

impl JavaRandom {
    pub(crate) fn new(seed: i64) -> JavaRandom {
        JavaRandom { seed: (seed as u64 ^ MULTIPLIER) & MASK }
    }

    fn next(&mut self, bits: u32) -> i32 {
        self.seed = self.seed.wrapping_mul(MULTIPLIER).wrapping_add(ADDEND) & MASK;
        (self.seed >> (48 - bits)) as i64 as i32
    }

    /// `Random.nextInt(bound)`; `None` when Java would throw (`bound <= 0`).
    pub(crate) fn next_int(&mut self, bound: i32) -> Option<i32> {
        if bound <= 0 {
            return None;
        }
        let mut r = self.next(31);
        let m = bound - 1;
        if bound & m == 0 {
            return Some(((i64::from(bound) * i64::from(r)) >> 31) as i32);
        }
        let mut u = r;
        loop {
            r = u % bound;
            if u.wrapping_sub(r).wrapping_add(m) >= 0 {
                return Some(r);
            }
            u = self.next(31);
        }
    }

    /// `Random.nextDouble()`.
    #[cfg(test)]
    pub(crate) fn next_double(&mut self) -> f64 {
        let hi = i64::from(self.next(26));
        let lo = i64::from(self.next(27));
        ((hi << 27) + lo) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_java() {
        // new Random(42).nextDouble() == 0.7275636800328681 (also what AWS's $random(42) returns).
        assert_eq!(JavaRandom::new(42).next_double(), 0.7275636800328681);
        // new Random(42).nextInt(10) == 0; new Random(0).nextInt(100) == 60.
        assert_eq!(JavaRandom::new(42).next_int(10), Some(0));
        assert_eq!(JavaRandom::new(0).next_int(100), Some(60));
        assert_eq!(JavaRandom::new(1).next_int(0), None);
    }
}
