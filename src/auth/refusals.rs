//! How throttled sign-ins reach the audit log: one row per address per minute at most, counting
//! every refusal it stands for, instead of a durable write per refused attempt (which let a flood
//! of guesses slow every page and grow the log without bound). Nothing is dropped: an address
//! that goes quiet with refusals not yet written is reported by the background jobs.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How often one address's refusals are written, at most.
pub const REPORT_EVERY: Duration = Duration::from_secs(60);
/// Addresses tracked at once; beyond this every refusal is written as it happens.
const TRACKED: usize = 10_000;

/// An audit row owed: `refused` attempts from `ip` at `accounts` different accounts, the last
/// of them at `label`'s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusalReport {
    pub ip: String,
    pub label: String,
    pub refused: u64,
    pub accounts: usize,
}

/// Accounts named per address before they are no longer told apart (credential stuffing shows
/// as "100 or more").
pub const ACCOUNTS_TOLD_APART: usize = 100;

struct Unreported {
    last_row: Instant,
    last_refused: Instant,
    refused: u64,
    label: String,
    accounts: HashSet<String>,
    /// Accounts counted in rows that could not be written and were put back.
    carried_accounts: usize,
}

impl Unreported {
    fn new(label: &str, now: Instant) -> Unreported {
        Unreported {
            last_row: now,
            last_refused: now,
            refused: 0,
            label: label.to_owned(),
            accounts: HashSet::new(),
            carried_accounts: 0,
        }
    }

    fn count(&mut self, label: &str, refused: u64, now: Instant) {
        self.refused += refused;
        self.last_refused = self.last_refused.max(now);
        label.clone_into(&mut self.label);
        if self.accounts.len() < ACCOUNTS_TOLD_APART {
            self.accounts.insert(label.to_owned());
        }
    }

    /// The row for what was counted, which starts the count again.
    fn take(&mut self, ip: &str, now: Instant) -> RefusalReport {
        self.last_row = now;
        let accounts = std::mem::take(&mut self.accounts).len() + std::mem::take(&mut self.carried_accounts);
        RefusalReport {
            ip: ip.to_owned(),
            label: self.label.clone(),
            refused: std::mem::take(&mut self.refused),
            accounts,
        }
    }
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
        if !by_ip.contains_key(ip) && by_ip.len() >= TRACKED {
            return Some(RefusalReport {
                ip: ip.to_owned(),
                label: label.to_owned(),
                refused: 1,
                accounts: 1,
            });
        }
        let first = !by_ip.contains_key(ip);
        let pending = by_ip.entry(ip.to_owned()).or_insert_with(|| Unreported::new(label, now));
        pending.count(label, 1, now);
        (first || now.duration_since(pending.last_row) >= REPORT_EVERY).then(|| pending.take(ip, now))
    }

    /// The rows owed by addresses with refusals not yet written that have been quiet for
    /// [`REPORT_EVERY`] (or all of them, `everything`, at shutdown); quiet addresses are
    /// forgotten.
    pub fn overdue(&self, now: Instant, everything: bool) -> Vec<RefusalReport> {
        let mut by_ip = self.by_ip.lock().unwrap_or_else(PoisonError::into_inner);
        let mut owed = Vec::new();
        by_ip.retain(|ip, pending| {
            let quiet = now.duration_since(pending.last_refused) >= REPORT_EVERY;
            if (quiet || everything) && pending.refused > 0 {
                owed.push(pending.take(ip, now));
            }
            !quiet
        });
        owed
    }

    /// Puts back rows that could not be written, to be written with the next ones.
    pub fn restore(&self, reports: Vec<RefusalReport>, now: Instant) {
        let mut by_ip = self.by_ip.lock().unwrap_or_else(PoisonError::into_inner);
        for report in reports {
            let pending =
                by_ip.entry(report.ip.clone()).or_insert_with(|| Unreported::new(&report.label, now));
            pending.count(&report.label, report.refused, now);
            pending.carried_accounts += report.accounts.saturating_sub(1);
        }
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
        assert!(refusals.overdue(at(149), false).is_empty(), "a flood still going writes its own rows");
        assert!(refusals.overdue(at(200), false).is_empty(), "not quiet long enough");
        rows.extend(refusals.overdue(at(209), false));
        assert_eq!(rows.len(), 4);
        assert_eq!(rows.iter().map(|r| r.refused).sum::<u64>(), 1500, "{rows:?}");
        assert!(refusals.overdue(at(500), false).is_empty(), "reported once");
        assert_eq!(refusals.refused("10.0.0.1", "b@example.com", at(600)).map(|r| r.refused), Some(1));
    }

    #[test]
    fn addresses_are_counted_apart() {
        let refusals = Refusals::default();
        let now = Instant::now();
        assert!(refusals.refused("10.0.0.1", "a@example.com", now).is_some());
        assert!(refusals.refused("10.0.0.2", "a@example.com", now).is_some());
        assert!(refusals.refused("10.0.0.1", "a@example.com", now).is_none());
        assert!(refusals.refused("10.0.0.1", "b@example.com", now).is_none());
        let owed = refusals.overdue(now + REPORT_EVERY, false);
        let row =
            RefusalReport { ip: "10.0.0.1".into(), label: "b@example.com".into(), refused: 2, accounts: 2 };
        assert_eq!(owed, std::slice::from_ref(&row));
        refusals.restore(owed, now + REPORT_EVERY);
        assert!(refusals.overdue(now + REPORT_EVERY, false).is_empty());
        assert_eq!(refusals.overdue(now + REPORT_EVERY, true), [row], "a failed write is written again");
    }
}
