//! The one way input is checked: a [`Checker`] parses typed-in form values into checked ones,
//! collecting one message per bad field. Forms keep every field as the string the user typed,
//! so they can be shown again unchanged.

use chrono::{Datelike, NaiveDate, NaiveDateTime};

use crate::error::FieldErrors;

/// Long free text (notes, histories): generous, but bounded.
pub const LONG_TEXT: usize = 20_000;
/// Short free text (names, labels).
pub const SHORT_TEXT: usize = 200;
/// Years a date and time may have: beyond them a value is a typing error (and arithmetic on it
/// could overflow).
const MIN_YEAR: i32 = 1900;
const MAX_YEAR: i32 = 2199;

/// Collects parsed values and the messages for the fields that failed.
#[derive(Debug, Default)]
pub struct Checker {
    pub errors: FieldErrors,
}

impl Checker {
    pub fn fail(&mut self, field: &'static str, message: impl Into<String>) {
        self.errors.entry(field).or_insert_with(|| message.into());
    }

    /// Trimmed text, `None` when blank; too long is an error.
    pub fn optional(&mut self, field: &'static str, value: &str, max: usize) -> Option<String> {
        let trimmed = value.trim();
        if trimmed.chars().count() > max {
            self.fail(field, format!("Keep this under {max} characters."));
            return None;
        }
        (!trimmed.is_empty()).then(|| trimmed.to_owned())
    }

    /// Trimmed, non-blank text.
    pub fn required(&mut self, field: &'static str, value: &str, max: usize, what: &str) -> String {
        match self.optional(field, value, max) {
            Some(text) => text,
            None => {
                self.fail(field, format!("Enter {what}."));
                String::new()
            }
        }
    }

    /// A whole number within `range`, `None` when blank.
    pub fn int_in(
        &mut self,
        field: &'static str,
        value: &str,
        range: std::ops::RangeInclusive<i32>,
        what: &str,
    ) -> Option<i32> {
        let trimmed = value.trim();
        if trimmed.is_empty() {
            return None;
        }
        match trimmed.parse::<i32>() {
            Ok(n) if range.contains(&n) => Some(n),
            _ => {
                self.fail(
                    field,
                    format!("{what} must be a whole number from {} to {}.", range.start(), range.end()),
                );
                None
            }
        }
    }

    /// A number greater than zero and at most `max`, `None` when blank. Accepts a decimal comma.
    pub fn positive(&mut self, field: &'static str, value: &str, max: f64, what: &str) -> Option<f64> {
        let trimmed = value.trim().replace(',', ".");
        if trimmed.is_empty() {
            return None;
        }
        match trimmed.parse::<f64>() {
            Ok(n) if n.is_finite() && n > 0.0 && n <= max => Some(n),
            _ => {
                self.fail(field, format!("{what} must be a number above 0 and at most {max}."));
                None
            }
        }
    }

    /// A date (YYYY-MM-DD) between `earliest` and `latest`, `None` when blank.
    pub fn date_between(
        &mut self,
        field: &'static str,
        value: &str,
        earliest: NaiveDate,
        latest: NaiveDate,
    ) -> Option<NaiveDate> {
        let trimmed = value.trim();
        if trimmed.is_empty() {
            return None;
        }
        match NaiveDate::parse_from_str(trimmed, "%Y-%m-%d") {
            Ok(date) if date < earliest => {
                self.fail(field, format!("The date cannot be before {earliest}."));
                None
            }
            Ok(date) if date > latest => {
                self.fail(field, format!("The date cannot be after {latest}."));
                None
            }
            Ok(date) => Some(date),
            Err(_) => {
                self.fail(field, "Enter a date as YYYY-MM-DD.");
                None
            }
        }
    }

    /// A date and time from a `datetime-local` input (YYYY-MM-DDTHH:MM), `None` when blank.
    pub fn datetime(&mut self, field: &'static str, value: &str) -> Option<NaiveDateTime> {
        let trimmed = value.trim();
        if trimmed.is_empty() {
            return None;
        }
        let parsed = NaiveDateTime::parse_from_str(trimmed, "%Y-%m-%dT%H:%M")
            .or_else(|_| NaiveDateTime::parse_from_str(trimmed, "%Y-%m-%dT%H:%M:%S"))
            .or_else(|_| NaiveDateTime::parse_from_str(trimmed, "%Y-%m-%d %H:%M"));
        match parsed {
            Ok(at) if (MIN_YEAR..=MAX_YEAR).contains(&at.year()) => Some(at),
            Ok(_) => {
                self.fail(field, format!("Enter a year from {MIN_YEAR} to {MAX_YEAR}."));
                None
            }
            Err(_) => {
                self.fail(field, "Enter a date and time.");
                None
            }
        }
    }

    /// An email address (trimmed, lowercased), `None` when blank. It must have a domain with a
    /// dot and a top-level part, since mail to `name@example` cannot be delivered.
    pub fn email(&mut self, field: &'static str, value: &str) -> Option<String> {
        let address = self.optional(field, value, 254)?.to_lowercase();
        if is_deliverable_address(&address) {
            Some(address)
        } else {
            self.fail(field, "Enter an email address such as name@example.com.");
            None
        }
    }

    /// One of a vocabulary's codes; blank or unknown is an error.
    pub fn choice<T>(
        &mut self,
        field: &'static str,
        value: &str,
        parse: fn(&str) -> Option<T>,
        what: &str,
    ) -> Option<T> {
        let parsed = parse(value.trim());
        if parsed.is_none() {
            self.fail(field, format!("Choose {what}."));
        }
        parsed
    }

    pub fn into_result<T>(self, value: T) -> Result<T, FieldErrors> {
        if self.errors.is_empty() { Ok(value) } else { Err(self.errors) }
    }
}

/// Whether `address` is a syntactically valid address on a domain with a top-level part.
fn is_deliverable_address(address: &str) -> bool {
    let Ok(parsed) = address.parse::<lettre::Address>() else {
        return false;
    };
    let domain = parsed.domain();
    let top = domain.rsplit('.').next().unwrap_or_default();
    domain.contains('.') && top.len() >= 2 && top.chars().all(|c| c.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_dates_and_text_are_checked() {
        let mut c = Checker::default();
        assert_eq!(c.int_in("pain", " 7 ", 0..=10, "Pain"), Some(7));
        assert_eq!(c.int_in("pain2", "11", 0..=10, "Pain"), None);
        assert_eq!(c.positive("ppt", "2,5", 100.0, "PPT"), Some(2.5));
        assert_eq!(c.positive("ppt0", "0", 100.0, "PPT"), None);
        let lo = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap();
        let hi = NaiveDate::from_ymd_opt(2030, 1, 1).unwrap();
        assert!(c.date_between("dob", "1980-02-30", lo, hi).is_none());
        assert!(c.date_between("dob2", "2031-01-01", lo, hi).is_none());
        assert_eq!(c.optional("blank", "   ", 10), None);
        assert_eq!(c.required("name", "", 10, "a name"), "");
        let keys: Vec<_> = c.errors.keys().copied().collect();
        assert_eq!(keys, ["dob", "dob2", "name", "pain2", "ppt0"]);
        assert!(c.datetime("at", "2026-11-21T09:30").is_some());
        assert!(c.datetime("far", "+262000-01-01T09:30").is_none());
        assert!(c.datetime("far2", "9999-01-01T09:30").is_none());
        assert!(c.errors["far2"].contains("year"));
    }

    #[test]
    fn email_addresses_need_a_real_domain() {
        let mut c = Checker::default();
        assert_eq!(c.email("a", " Anna.Smith@Example.COM "), Some("anna.smith@example.com".into()));
        assert_eq!(c.email("b", ""), None);
        assert!(c.errors.is_empty());
        for (field, bad) in
            [("c", "maggie.oneill@example"), ("d", "no-at-sign"), ("e", "a@b.c"), ("f", "x@@y.org")]
        {
            assert_eq!(c.email(field, bad), None, "{bad}");
        }
        assert_eq!(c.errors.len(), 4);
    }
}
