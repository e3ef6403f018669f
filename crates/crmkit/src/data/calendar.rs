//! Calendar days.
//!
//! crmkit works on whole calendar days: a [`Day`] is the number of days since 1970-01-01 in
//! the proleptic Gregorian calendar (negative before). Timestamps with a time of day are
//! floored to their day; time-zone-aware timestamps are first turned into local wall-clock
//! time by the caller (the Python package does this), so that a purchase is counted on the
//! day the customer made it.

use crate::{CrmkitError, Result};

/// Days since 1970-01-01 (the Unix epoch), proleptic Gregorian calendar.
pub type Day = i32;

/// Converts a calendar date to a [`Day`].
///
/// # Examples
///
/// ```
/// use crmkit::data::calendar::day_from_ymd;
/// assert_eq!(day_from_ymd(1970, 1, 1), 0);
/// assert_eq!(day_from_ymd(1997, 9, 30), 10_134);
/// assert_eq!(day_from_ymd(1969, 12, 31), -1);
/// ```
pub fn day_from_ymd(year: i32, month: u32, day: u32) -> Day {
    // Days-from-civil via the 400-year era decomposition (March-based years).
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe - 719_468) as Day
}

/// Converts a [`Day`] back to `(year, month, day)`.
///
/// # Examples
///
/// ```
/// use crmkit::data::calendar::ymd_from_day;
/// assert_eq!(ymd_from_day(10_134), (1997, 9, 30));
/// assert_eq!(ymd_from_day(-1), (1969, 12, 31));
/// ```
pub fn ymd_from_day(day: Day) -> (i32, u32, u32) {
    let z = i64::from(day) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = (yoe + era * 400 + i64::from(m <= 2)) as i32;
    (y, m, d)
}

/// Formats a [`Day`] as an ISO date `YYYY-MM-DD`.
///
/// # Examples
///
/// ```
/// assert_eq!(crmkit::data::calendar::format_day(0), "1970-01-01");
/// ```
pub fn format_day(day: Day) -> String {
    let (y, m, d) = ymd_from_day(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Parses an ISO date `YYYY-MM-DD` into a [`Day`].
///
/// # Examples
///
/// ```
/// assert_eq!(crmkit::data::calendar::parse_day("as_of", "1997-09-30").unwrap(), 10_134);
/// assert!(crmkit::data::calendar::parse_day("as_of", "1997-02-30").is_err());
/// ```
///
/// # Errors
///
/// [`CrmkitError::InvalidConfig`] naming `field` when the text is not a valid calendar date.
pub fn parse_day(field: &str, text: &str) -> Result<Day> {
    let bad = || CrmkitError::invalid_config(field, text, "expected a date as YYYY-MM-DD");
    let mut parts = text.trim().splitn(3, '-');
    let y: i32 = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
    let m: u32 = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
    let d: u32 = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return Err(bad());
    }
    Ok(day_from_ymd(y, m, d))
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Converts a count of `unit_per_day` ticks since the epoch (e.g. microseconds with
/// `86_400_000_000`) to its calendar [`Day`], flooring times of day (also before 1970).
///
/// # Examples
///
/// ```
/// use crmkit::data::calendar::day_from_ticks;
/// assert_eq!(day_from_ticks(86_399, 86_400), 0);
/// assert_eq!(day_from_ticks(-1, 86_400), -1);
/// ```
#[inline]
pub fn day_from_ticks(ticks: i64, ticks_per_day: i64) -> Day {
    ticks.div_euclid(ticks_per_day) as Day
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn ymd_round_trips(day in -1_000_000i32..1_000_000) {
            let (y, m, d) = ymd_from_day(day);
            prop_assert_eq!(day_from_ymd(y, m, d), day);
            prop_assert_eq!(parse_day("d", &format_day(day)).ok(), if y >= 0 { Some(day) } else { None });
        }
    }

    #[test]
    fn leap_days() {
        assert_eq!(day_from_ymd(2000, 3, 1) - day_from_ymd(2000, 2, 28), 2);
        assert_eq!(day_from_ymd(1900, 3, 1) - day_from_ymd(1900, 2, 28), 1);
        assert!(parse_day("d", "2023-02-29").is_err());
        assert!(parse_day("d", "2024-02-29").is_ok());
    }
}
