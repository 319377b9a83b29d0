//! Time in the practice. Instants are stored in UTC; people see and type wall-clock times in
//! the practice's zone. [`Clock`] is the one source of "now" and "today": it is built once at
//! start and handed down, so tests can pin it.

use std::sync::{Arc, Mutex, PoisonError};

use chrono::{Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// The practice's clock: its time zone, and the current instant: the system's, or a manual one
/// that tests set and move. Clones share the same manual time.
#[derive(Debug, Clone)]
pub struct Clock {
    tz: Tz,
    manual: Option<Arc<Mutex<NaiveDateTime>>>,
}

impl Clock {
    /// The system clock, read in `tz`.
    pub fn system(tz: Tz) -> Clock {
        Clock { tz, manual: None }
    }

    /// A clock that says `now_utc` until it is moved with [`Clock::advance`] (tests).
    pub fn manual(tz: Tz, now_utc: NaiveDateTime) -> Clock {
        Clock { tz, manual: Some(Arc::new(Mutex::new(now_utc))) }
    }

    /// Moves a manual clock on; the system clock cannot be moved.
    pub fn advance(&self, by: Duration) {
        if let Some(manual) = &self.manual {
            let mut now = manual.lock().unwrap_or_else(PoisonError::into_inner);
            *now += by;
        }
    }

    pub fn tz(&self) -> Tz {
        self.tz
    }

    /// The current instant, in UTC.
    pub fn now(&self) -> NaiveDateTime {
        match &self.manual {
            Some(manual) => *manual.lock().unwrap_or_else(PoisonError::into_inner),
            None => Utc::now().naive_utc(),
        }
    }

    /// Today's date in the practice: day boundaries, ages, "done today", date limits on forms.
    pub fn today(&self) -> NaiveDate {
        self.day_of(self.now())
    }

    /// The practice's date at a UTC instant.
    pub fn day_of(&self, at_utc: NaiveDateTime) -> NaiveDate {
        today_in(self.tz, at_utc)
    }

    /// A UTC instant in the practice's zone, for formatting with its abbreviation.
    pub fn zoned(&self, at_utc: NaiveDateTime) -> chrono::DateTime<Tz> {
        Utc.from_utc_datetime(&at_utc).with_timezone(&self.tz)
    }

    /// The practice's wall-clock time at a UTC instant.
    pub fn local(&self, at_utc: NaiveDateTime) -> NaiveDateTime {
        local_time(self.tz, at_utc)
    }

    /// The UTC instant of a wall-clock date and time in the practice (see [`to_utc`]).
    pub fn to_utc(&self, date: NaiveDate, time: Option<NaiveTime>) -> NaiveDateTime {
        to_utc(self.tz, date, time)
    }

    /// The UTC instant of a wall-clock date-time in the practice.
    pub fn local_to_utc(&self, local: NaiveDateTime) -> NaiveDateTime {
        to_utc(self.tz, local.date(), Some(local.time()))
    }
}

/// The UTC instant of a local date and time (midnight when there is no time). A time that
/// does not exist (the hour skipped when clocks go forward) moves forward to the next valid
/// minute; an ambiguous one (clocks going back) takes the earlier instant.
pub fn to_utc(tz: Tz, date: NaiveDate, time: Option<NaiveTime>) -> NaiveDateTime {
    let mut local = date.and_time(time.unwrap_or(NaiveTime::MIN));
    for _ in 0..180 {
        match tz.from_local_datetime(&local) {
            LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => {
                return at.with_timezone(&Utc).naive_utc();
            }
            LocalResult::None => local += Duration::minutes(1),
        }
    }
    local
}

/// The date in `tz` at a UTC instant.
pub fn today_in(tz: Tz, now_utc: NaiveDateTime) -> NaiveDate {
    Utc.from_utc_datetime(&now_utc).with_timezone(&tz).date_naive()
}

/// The wall-clock time in `tz` at a UTC instant.
pub fn local_time(tz: Tz, at_utc: NaiveDateTime) -> NaiveDateTime {
    Utc.from_utc_datetime(&at_utc).with_timezone(&tz).naive_local()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn local_times_keep_their_wall_clock_across_daylight_saving() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        let nine = NaiveTime::from_hms_opt(9, 0, 0);
        // Before and after the switch to summer time on 29 March 2026.
        assert_eq!(to_utc(berlin, date(2026, 3, 26), nine).time(), NaiveTime::from_hms_opt(8, 0, 0).unwrap());
        assert_eq!(to_utc(berlin, date(2026, 4, 2), nine).time(), NaiveTime::from_hms_opt(7, 0, 0).unwrap());
        // 02:30 does not exist that night: it moves to 03:00 local (01:00 UTC).
        let gap = to_utc(berlin, date(2026, 3, 29), NaiveTime::from_hms_opt(2, 30, 0));
        assert_eq!(gap, date(2026, 3, 29).and_hms_opt(1, 0, 0).unwrap());
    }

    #[test]
    fn today_follows_the_practice_zone() {
        let now = date(2026, 5, 31).and_hms_opt(20, 0, 0).unwrap();
        let auckland = Clock::manual("Pacific/Auckland".parse().unwrap(), now);
        let honolulu = Clock::manual("Pacific/Honolulu".parse().unwrap(), now);
        assert_eq!(auckland.today(), date(2026, 6, 1), "already June in Auckland");
        assert_eq!(honolulu.today(), date(2026, 5, 31));
        assert_eq!(auckland.now(), now);
        assert_eq!(auckland.local_to_utc(auckland.local(now)), now);
        let shared = auckland.clone();
        shared.advance(Duration::hours(5));
        assert_eq!(auckland.now(), now + Duration::hours(5), "clones share a manual clock");
    }
}
