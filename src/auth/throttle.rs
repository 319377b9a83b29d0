//! Sign-in throttling (GCRA via governor), on three keys:
//! - per client IP (IPv6 by /64, since one host usually owns a whole /64),
//! - per account *from one IP*, the tight limit that stops guessing,
//! - per account overall, a ceiling ten times looser, so a distributed guess is still slowed
//!   while one attacker cannot lock a user out by failing on purpose from their own address.
//!
//! Unknown and known emails are throttled alike, so a 429 reveals nothing about which accounts
//! exist. The state is per process: each instance behind a load balancer counts on its own.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::Config;

/// Keys retained before stale ones are swept.
const SWEEP_ABOVE: usize = 10_000;
/// The account-wide ceiling, as a multiple of the per-account-and-IP burst.
const ACCOUNT_CEILING_FACTOR: u32 = 10;

pub struct LoginThrottle {
    per_ip: DefaultKeyedRateLimiter<String>,
    per_account_ip: DefaultKeyedRateLimiter<String>,
    per_account: DefaultKeyedRateLimiter<String>,
}

fn quota(burst: u32, refill: Duration) -> Quota {
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    // with_period refuses only a zero period, which max() rules out.
    let quota = Quota::with_period(refill.max(Duration::from_millis(1))).unwrap_or(Quota::per_second(burst));
    quota.allow_burst(burst)
}

/// The throttling key for a client address: IPv4 as is, IPv6 by its /64 prefix.
pub fn ip_key(ip: &str) -> String {
    match ip.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(IpAddr::V6(v6)) => v6.to_ipv4_mapped().map(|v4| v4.to_string()).unwrap_or_default(),
        _ => ip.to_owned(),
    }
}

impl LoginThrottle {
    pub fn new(config: &Config) -> LoginThrottle {
        let account_refill = Duration::from_secs(config.throttle_account_refill_secs);
        LoginThrottle {
            per_ip: RateLimiter::keyed(quota(
                config.throttle_ip_attempts,
                Duration::from_secs(config.throttle_ip_refill_secs),
            )),
            per_account_ip: RateLimiter::keyed(quota(config.throttle_account_attempts, account_refill)),
            per_account: RateLimiter::keyed(quota(
                config.throttle_account_attempts.saturating_mul(ACCOUNT_CEILING_FACTOR),
                account_refill / ACCOUNT_CEILING_FACTOR,
            )),
        }
    }

    /// Counts one attempt at `email` from `ip`. `Err(seconds)` when the caller must wait first.
    pub fn check(&self, email: &str, ip: &str) -> Result<(), u64> {
        let ip = ip_key(ip);
        let keys = [
            (&self.per_ip, ip.clone()),
            (&self.per_account_ip, format!("{email}|{ip}")),
            (&self.per_account, email.to_owned()),
        ];
        for (limiter, key) in keys {
            if limiter.len() > SWEEP_ABOVE {
                limiter.retain_recent();
            }
            if let Err(not_until) = limiter.check_key(&key) {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                return Err(wait.as_secs() + 1);
            }
        }
        Ok(())
    }
}

/// A plain per-IP limit for the pages reached without an account (client links).
pub struct IpThrottle {
    limiter: DefaultKeyedRateLimiter<String>,
}

impl IpThrottle {
    /// `burst` requests at once, then one more every `refill`.
    pub fn new(burst: u32, refill: Duration) -> IpThrottle {
        IpThrottle { limiter: RateLimiter::keyed(quota(burst, refill)) }
    }

    pub fn check(&self, ip: &str) -> Result<(), u64> {
        if self.limiter.len() > SWEEP_ABOVE {
            self.limiter.retain_recent();
        }
        self.limiter
            .check_key(&ip_key(ip))
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()).as_secs() + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn throttle(adjust: impl FnOnce(&mut Config)) -> LoginThrottle {
        let mut config = Config::defaults().unwrap();
        adjust(&mut config);
        LoginThrottle::new(&config)
    }

    #[test]
    fn guessing_one_account_from_one_ip_is_throttled() {
        let throttle = throttle(|c| c.throttle_account_attempts = 3);
        for _ in 0..3 {
            assert!(throttle.check("a@example.com", "10.0.0.1").is_ok());
        }
        let wait = throttle.check("a@example.com", "10.0.0.1").unwrap_err();
        assert!((1..=61).contains(&wait), "{wait}");
        // The owner, elsewhere, is not locked out by it; other accounts are unaffected.
        assert!(throttle.check("a@example.com", "10.0.0.2").is_ok());
        assert!(throttle.check("b@example.com", "10.0.0.1").is_ok());
    }

    #[test]
    fn an_account_has_a_ceiling_across_ips() {
        let throttle = throttle(|c| c.throttle_account_attempts = 1);
        for n in 0..10 {
            assert!(throttle.check("a@example.com", &format!("10.0.0.{n}")).is_ok());
        }
        assert!(throttle.check("a@example.com", "10.0.1.1").is_err());
    }

    #[test]
    fn an_ip_is_throttled_across_accounts() {
        let throttle = throttle(|c| c.throttle_ip_attempts = 2);
        assert!(throttle.check("a@example.com", "10.0.0.1").is_ok());
        assert!(throttle.check("b@example.com", "10.0.0.1").is_ok());
        assert!(throttle.check("c@example.com", "10.0.0.1").is_err());
        assert!(throttle.check("c@example.com", "10.0.0.2").is_ok());
    }

    #[test]
    fn ipv6_is_keyed_by_its_64_prefix() {
        assert_eq!(ip_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(ip_key("2001:db8:1:2:bbbb::9"), ip_key("2001:db8:1:2:aaaa::1"));
        assert_eq!(ip_key("::ffff:192.0.2.1"), "192.0.2.1");
        assert_eq!(ip_key("192.0.2.1"), "192.0.2.1");
    }
}
