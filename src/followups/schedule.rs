//! The words and arithmetic of schedules: why a follow-up is due, how it repeats, where it sits
//! on the dashboard. Follow-ups are scheduled as local dates (and optional local times), so
//! "every 2 weeks at 09:00" stays at 09:00 across daylight-saving changes; the UTC instant is
//! derived from them with `crate::time`.

use chrono::{Duration, NaiveDate};

use crate::vocab::vocabulary;

vocabulary!(
    /// Where a follow-up stands.
    FollowupStatus {
        Open => ("open", "Open"),
        Done => ("done", "Done"),
        Cancelled => ("cancelled", "Cancelled"),
    }
);

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

impl ReasonKind {
    /// Whether the client is reminded unless the therapist says otherwise: an appointment is
    /// the client's business; a check the therapist means to make is not.
    pub fn reminds_by_default(self) -> bool {
        matches!(self, ReasonKind::NextTreatment)
    }
}

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

vocabulary!(
    /// Where an open follow-up sits on the dashboard, by its due date in the practice's zone.
    Bucket {
        Overdue => ("overdue", "Overdue"),
        Today => ("today", "Today"),
        NextSevenDays => ("soon", "Next 7 days"),
        Later => ("later", "Later"),
    }
);

/// How far ahead the dashboard looks.
const SOON_DAYS: i64 = 7;

impl Bucket {
    /// The buckets the dashboard shows, in its order.
    pub const SHOWN: [Bucket; 3] = [Bucket::Overdue, Bucket::Today, Bucket::NextSevenDays];

    /// The due dates in this bucket on `today`, as an inclusive range with open ends as `None`.
    pub fn dates(self, today: NaiveDate) -> (Option<NaiveDate>, Option<NaiveDate>) {
        let day = |n: i64| Some(today + Duration::days(n));
        match self {
            Bucket::Overdue => (None, day(-1)),
            Bucket::Today => (day(0), day(0)),
            Bucket::NextSevenDays => (day(1), day(SOON_DAYS)),
            Bucket::Later => (day(SOON_DAYS + 1), None),
        }
    }
}

pub fn bucket(due: NaiveDate, today: NaiveDate) -> Bucket {
    let days = (due - today).num_days();
    match days {
        d if d < 0 => Bucket::Overdue,
        0 => Bucket::Today,
        1..=SOON_DAYS => Bucket::NextSevenDays,
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
    fn buckets_follow_the_practice_zone() {
        use crate::time::today_in;
        let auckland: chrono_tz::Tz = "Pacific/Auckland".parse().unwrap();
        let honolulu: chrono_tz::Tz = "Pacific/Honolulu".parse().unwrap();
        let now = date(2026, 5, 31).and_hms_opt(20, 0, 0).unwrap();
        let due = date(2026, 5, 31);
        assert_eq!(bucket(due, today_in(auckland, now)), Bucket::Overdue);
        assert_eq!(bucket(due, today_in(honolulu, now)), Bucket::Today);
        assert_eq!(bucket(date(2026, 6, 7), date(2026, 5, 31)), Bucket::NextSevenDays);
        assert_eq!(bucket(date(2026, 6, 8), date(2026, 5, 31)), Bucket::Later);
    }

    #[test]
    fn each_bucket_holds_exactly_the_dates_it_is_named_for() {
        let today = date(2026, 5, 31);
        for offset in -30..30 {
            let due = today + Duration::days(offset);
            let (from, until) = bucket(due, today).dates(today);
            assert!(from.is_none_or(|from| from <= due) && until.is_none_or(|until| due <= until), "{due}");
            for other in Bucket::ALL.iter().filter(|b| **b != bucket(due, today)) {
                let (from, until) = other.dates(today);
                let inside = from.is_none_or(|from| from <= due) && until.is_none_or(|until| due <= until);
                assert!(!inside, "{due} is in {other:?} too");
            }
        }
    }
}
