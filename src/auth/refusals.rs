//! How throttled sign-ins reach the audit log: one row per address per minute at most, counting
//! every refusal it stands for, instead of a durable write per refused attempt (which let a flood
//! of guesses slow every page and grow the log without bound). Nothing is dropped: an address
//! that goes quiet with refusals not yet written is reported by the background jobs.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How often one address's refusals are written, at most.
pub const REPORT_EVERY: Duration = Duration::from_secs(60);
/// Addresses tracked at once; beyond this every refusal is written as it happens.
const TRACKED: usize = 10_000;

/// An audit row owed: `refused` attempts from `ip`, the last of them at `label`'s account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusalReport {
    pub ip: String,
    pub label: String,
    pub refused: u64,
}

struct Unreported {
    last_row: Instant,
    refused: u64,
    label: String,
}

#[derive(Default)]
pub struct Refusals {
    by_ip: Mutex<HashMap<String, Unreported>>,
}

impl Refusals {
    /// Counts a refused attempt from `ip` at `label`. Returns the row to write now: the first
    /// refusal from an address, or the first once [`REPORT_EVERY`] has passed since its last
    /// row, counting every refusal since that row.
    pub fn refused(&self, ip: &str, label: &str, now: Instant) -> Option<RefusalReport> {
        let mut by_ip = self.by_ip.lock().unwrap_or_else(PoisonError::into_inner);
        let report = |refused| Some(RefusalReport { ip: ip.to_owned(), label: label.to_owned(), refused });
        let Some(pending) = by_ip.get_mut(ip) else {
            if by_ip.len() < TRACKED {
                by_ip
                    .insert(ip.to_owned(), Unreported { last_row: now, refused: 0, label: label.to_owned() });
            }
            return report(1);
        };
        pending.refused += 1;
        label.clone_into(&mut pending.label);
        if now.duration_since(pending.last_row) < REPORT_EVERY {
            return None;
        }
        let refused = std::mem::take(&mut pending.refused);
        pending.last_row = now;
        report(refused)
    }

    /// The rows owed by addresses quiet for [`REPORT_EVERY`] with refusals not yet written;
    /// those addresses are forgotten (the quiet ones with nothing owed too).
    pub fn overdue(&self, now: Instant) -> Vec<RefusalReport> {
        let mut by_ip = self.by_ip.lock().unwrap_or_else(PoisonError::into_inner);
        let mut owed = Vec::new();
        by_ip.retain(|ip, pending| {
            if now.duration_since(pending.last_row) < REPORT_EVERY {
                return true;
            }
            if pending.refused > 0 {
                owed.push(RefusalReport {
                    ip: ip.clone(),
                    label: pending.label.clone(),
                    refused: pending.refused,
                });
            }
            false
        });
        owed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_is_one_row_a_minute_and_every_refusal_is_counted() {
        let refusals = Refusals::default();
        let start = Instant::now();
        let at = |secs: u64| start + Duration::from_secs(secs);
        let mut rows = Vec::new();
        for second in 0..150 {
            for _ in 0..10 {
                rows.extend(refusals.refused("10.0.0.1", "a@example.com", at(second)));
            }
        }
        assert_eq!(rows.len(), 3, "at 0 s, 60 s and 120 s");
        assert!(refusals.overdue(at(170)).is_empty(), "not quiet long enough");
        rows.extend(refusals.overdue(at(180)));
        assert_eq!(rows.iter().map(|r| r.refused).sum::<u64>(), 1500, "{rows:?}");
        assert!(refusals.overdue(at(500)).is_empty(), "reported once");
        assert_eq!(refusals.refused("10.0.0.1", "b@example.com", at(600)).map(|r| r.refused), Some(1));
    }

    #[test]
    fn addresses_are_counted_apart() {
        let refusals = Refusals::default();
        let now = Instant::now();
        assert!(refusals.refused("10.0.0.1", "a@example.com", now).is_some());
        assert!(refusals.refused("10.0.0.2", "a@example.com", now).is_some());
        assert!(refusals.refused("10.0.0.1", "a@example.com", now).is_none());
        let owed = refusals.overdue(now + REPORT_EVERY);
        assert_eq!(
            owed,
            [RefusalReport { ip: "10.0.0.1".into(), label: "a@example.com".into(), refused: 1 }]
        );
    }
}
