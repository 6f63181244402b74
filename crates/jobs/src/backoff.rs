//! How long work waits after a transient fault of a dependency before it tries again:
//! exponential from a quarter of a second, capped, with jitter so that many loops that failed
//! together do not all come back at the same instant.

use rand::Rng;
use std::time::Duration;

const FIRST: Duration = Duration::from_millis(250);

/// The wait after the `failures`-th failure in a row (1 for the first): between half and all
/// of `min(FIRST × 2^(failures-1), cap)`.
pub fn delay(failures: u32, cap: Duration) -> Duration {
    let exp = FIRST.saturating_mul(1u32 << failures.saturating_sub(1).min(16));
    let full = exp.min(cap).max(Duration::from_millis(1));
    let half = full / 2;
    half + rand::thread_rng().gen_range(Duration::ZERO..=full - half)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_then_stays_under_the_cap_with_jitter() {
        let cap = Duration::from_secs(10);
        for _ in 0..100 {
            let first = delay(1, cap);
            assert!(
                first >= Duration::from_millis(125) && first <= FIRST,
                "{first:?}"
            );
            let fourth = delay(4, cap);
            assert!(fourth >= Duration::from_secs(1) && fourth <= Duration::from_secs(2));
            let late = delay(40, cap);
            assert!(late >= cap / 2 && late <= cap, "{late:?}");
        }
        let spread: std::collections::HashSet<_> = (0..20).map(|_| delay(6, cap)).collect();
        assert!(spread.len() > 1, "no jitter");
    }
}
