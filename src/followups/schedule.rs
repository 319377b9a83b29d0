//! Calendar arithmetic in the practice's time zone. Follow-ups are scheduled as local dates
//! (and optional local times), so "every 2 weeks at 09:00" stays at 09:00 across daylight-saving
//! changes; the UTC instant is derived from them.

use chrono::{Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::vocabulary;

vocabulary!(
    RepeatUnit {
        Days => ("days", "days"),
        Weeks => ("weeks", "weeks"),
    }
);

vocabulary!(
    /// Why a follow-up is scheduled.
    ReasonKind {
        ReassessTrp => ("reassess_trp", "Re-assess a trigger point"),
        ReviewFactor => ("review_factor", "Review a perpetuating factor"),
        NextTreatment => ("next_treatment", "Next treatment"),
        Other => ("other", "Other"),
    }
);

/// How a follow-up repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repeat {
    pub every: i32,
    pub unit: RepeatUnit,
    /// No occurrence after this date.
    pub until: Option<NaiveDate>,
    /// At most this many occurrences in all.
    pub count: Option<i32>,
}

impl Repeat {
    fn step(&self) -> Duration {
        match self.unit {
            RepeatUnit::Days => Duration::days(i64::from(self.every)),
            RepeatUnit::Weeks => Duration::weeks(i64::from(self.every)),
        }
    }

    /// The date of the occurrence after `date`, which was occurrence number `occurrence`
    /// (1-based), or `None` when the series is over.
    pub fn next(&self, date: NaiveDate, occurrence: i32) -> Option<NaiveDate> {
        if self.count.is_some_and(|count| occurrence >= count) {
            return None;
        }
        let next = date + self.step();
        match self.until {
            Some(until) if next > until => None,
            _ => Some(next),
        }
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

/// Today's date in the practice's zone.
pub fn today_in(tz: Tz, now_utc: NaiveDateTime) -> NaiveDate {
    Utc.from_utc_datetime(&now_utc).with_timezone(&tz).date_naive()
}

/// The local time of day of a UTC instant, for display.
pub fn local_time(tz: Tz, at_utc: NaiveDateTime) -> NaiveDateTime {
    Utc.from_utc_datetime(&at_utc).with_timezone(&tz).naive_local()
}

/// Where a follow-up sits on the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    Overdue,
    Today,
    NextSevenDays,
    Later,
}

pub fn bucket(due: NaiveDate, today: NaiveDate) -> Bucket {
    let days = (due - today).num_days();
    match days {
        d if d < 0 => Bucket::Overdue,
        0 => Bucket::Today,
        1..=7 => Bucket::NextSevenDays,
        _ => Bucket::Later,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn weekly_repeats_cross_month_and_year_ends() {
        let weekly = Repeat { every: 1, unit: RepeatUnit::Weeks, until: None, count: None };
        assert_eq!(weekly.next(date(2026, 1, 28), 1), Some(date(2026, 2, 4)));
        assert_eq!(weekly.next(date(2026, 12, 30), 1), Some(date(2027, 1, 6)));
        let every_three_days = Repeat { every: 3, unit: RepeatUnit::Days, until: None, count: None };
        assert_eq!(every_three_days.next(date(2028, 2, 27), 1), Some(date(2028, 3, 1)), "leap day counted");
    }

    #[test]
    fn series_end_by_date_or_count() {
        let until = Repeat { every: 1, unit: RepeatUnit::Weeks, until: Some(date(2026, 3, 10)), count: None };
        assert_eq!(until.next(date(2026, 3, 3), 1), Some(date(2026, 3, 10)));
        assert_eq!(until.next(date(2026, 3, 10), 2), None);
        let three = Repeat { every: 2, unit: RepeatUnit::Days, until: None, count: Some(3) };
        assert_eq!(three.next(date(2026, 3, 1), 2), Some(date(2026, 3, 3)));
        assert_eq!(three.next(date(2026, 3, 3), 3), None);
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
    fn today_and_buckets_follow_the_practice_zone() {
        let auckland: Tz = "Pacific/Auckland".parse().unwrap();
        let honolulu: Tz = "Pacific/Honolulu".parse().unwrap();
        let now = date(2026, 5, 31).and_hms_opt(20, 0, 0).unwrap();
        assert_eq!(today_in(auckland, now), date(2026, 6, 1), "already June in Auckland");
        assert_eq!(today_in(honolulu, now), date(2026, 5, 31));
        let due = date(2026, 5, 31);
        assert_eq!(bucket(due, today_in(auckland, now)), Bucket::Overdue);
        assert_eq!(bucket(due, today_in(honolulu, now)), Bucket::Today);
        assert_eq!(bucket(date(2026, 6, 7), date(2026, 5, 31)), Bucket::NextSevenDays);
        assert_eq!(bucket(date(2026, 6, 8), date(2026, 5, 31)), Bucket::Later);
    }
}
