//! Sign-in throttling per account and per client IP (GCRA via governor). Unknown and known
//! emails are throttled alike, so a 429 reveals nothing about which accounts exist.
//! The state is per process: each instance behind a load balancer throttles on its own.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::Config;

/// Keys retained before stale ones are swept.
const SWEEP_ABOVE: usize = 10_000;

pub struct LoginThrottle {
    per_account: DefaultKeyedRateLimiter<String>,
    per_ip: DefaultKeyedRateLimiter<String>,
}

fn quota(burst: u32, refill_secs: u64) -> Quota {
    Quota::with_period(Duration::from_secs(refill_secs.max(1)))
        .expect("period is non-zero")
        .allow_burst(NonZeroU32::new(burst.max(1)).expect("burst is non-zero"))
}

impl LoginThrottle {
    pub fn new(config: &Config) -> LoginThrottle {
        LoginThrottle {
            per_account: RateLimiter::keyed(quota(
                config.throttle_account_attempts,
                config.throttle_account_refill_secs,
            )),
            per_ip: RateLimiter::keyed(quota(
                config.throttle_ip_attempts,
                config.throttle_ip_refill_secs,
            )),
        }
    }

    /// Counts one attempt. `Err(seconds)` when the caller must wait that long first.
    pub fn check(&self, email: &str, ip: &str) -> Result<(), u64> {
        for (limiter, key) in [(&self.per_ip, ip), (&self.per_account, email)] {
            if limiter.len() > SWEEP_ABOVE {
                limiter.retain_recent();
            }
            if let Err(not_until) = limiter.check_key(&key.to_owned()) {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                return Err(wait.as_secs() + 1);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_is_throttled_after_its_burst_from_any_ip() {
        let mut config = Config::defaults();
        config.throttle_account_attempts = 3;
        let throttle = LoginThrottle::new(&config);
        for n in 0..3 {
            assert!(
                throttle
                    .check("a@example.com", &format!("10.0.0.{n}"))
                    .is_ok()
            );
        }
        let wait = throttle.check("a@example.com", "10.0.0.9").unwrap_err();
        assert!((1..=61).contains(&wait), "{wait}");
        assert!(throttle.check("b@example.com", "10.0.0.9").is_ok());
    }

    #[test]
    fn an_ip_is_throttled_across_accounts() {
        let mut config = Config::defaults();
        config.throttle_ip_attempts = 2;
        let throttle = LoginThrottle::new(&config);
        assert!(throttle.check("a@example.com", "10.0.0.1").is_ok());
        assert!(throttle.check("b@example.com", "10.0.0.1").is_ok());
        assert!(throttle.check("c@example.com", "10.0.0.1").is_err());
        assert!(throttle.check("c@example.com", "10.0.0.2").is_ok());
    }
}
