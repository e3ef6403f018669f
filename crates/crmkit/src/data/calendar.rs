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

/// The first supported day, 0001-01-01 (as Python's `datetime.date.min`).
///
/// # Examples
///
/// ```
/// assert_eq!(crmkit::data::calendar::format_day(crmkit::data::calendar::MIN_DAY), "0001-01-01");
/// ```
pub const MIN_DAY: Day = -719_162;

/// The last supported day, 9999-12-31 (as Python's `datetime.date.max`).
///
/// # Examples
///
/// ```
/// assert_eq!(crmkit::data::calendar::format_day(crmkit::data::calendar::MAX_DAY), "9999-12-31");
/// ```
pub const MAX_DAY: Day = 2_932_896;

/// Checks that a day number (as read, in 64 bits) lies in [`MIN_DAY`]`..=`[`MAX_DAY`] and
/// returns it as a [`Day`]; days outside are an error naming the field and row, never wrapped.
///
/// # Examples
///
/// ```
/// use crmkit::data::calendar::checked_day;
/// assert_eq!(checked_day("timestamp", 0, 10_134)?, 10_134);
/// assert!(checked_day("timestamp", 3, 4_294_986_000).is_err()); // year 11,761,243
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
///
/// # Errors
///
/// [`CrmkitError::InvalidValue`] naming `field` and `row` for a day outside the range.
#[inline]
pub fn checked_day(field: &str, row: usize, day: i64) -> Result<Day> {
    if (i64::from(MIN_DAY)..=i64::from(MAX_DAY)).contains(&day) {
        Ok(day as Day)
    } else {
        Err(out_of_range(field, row, day))
    }
}

#[cold]
fn out_of_range(field: &str, row: usize, day: i64) -> CrmkitError {
    CrmkitError::invalid_value(
        field,
        row,
        format!("day {day} since 1970-01-01"),
        "dates must lie between 0001-01-01 and 9999-12-31",
    )
}

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
///
/// Days outside the range of [`Day`] saturate at its ends (they are never wrapped); callers
/// that read user data use [`day_number_from_ticks`] with [`checked_day`] instead.
#[inline]
pub fn day_from_ticks(ticks: i64, ticks_per_day: i64) -> Day {
    let day = day_number_from_ticks(ticks, ticks_per_day);
    day.clamp(i64::from(Day::MIN), i64::from(Day::MAX)) as Day
}

/// The day number of a tick count in 64 bits (no range check; see [`checked_day`]).
///
/// # Examples
///
/// ```
/// use crmkit::data::calendar::day_number_from_ticks;
/// assert_eq!(day_number_from_ticks(i64::MAX, 86_400), 106_751_991_167_300);
/// ```
#[inline]
pub fn day_number_from_ticks(ticks: i64, ticks_per_day: i64) -> i64 {
    ticks.div_euclid(ticks_per_day)
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
    fn range_ends_round_trip() {
        assert_eq!(day_from_ymd(1, 1, 1), MIN_DAY);
        assert_eq!(day_from_ymd(9999, 12, 31), MAX_DAY);
        assert!(checked_day("d", 0, i64::from(MIN_DAY) - 1).is_err());
        assert!(checked_day("d", 0, i64::from(MAX_DAY) + 1).is_err());
        // 2^32 + 19_999 days would wrap to 19_999 (2024-10-04) in 32 bits: it must not.
        assert!(checked_day("d", 0, (1_i64 << 32) + 19_999).is_err());
        assert_eq!(day_from_ticks(i64::MAX, 86_400), i32::MAX);
    }

    #[test]
    fn leap_days() {
        assert_eq!(day_from_ymd(2000, 3, 1) - day_from_ymd(2000, 2, 28), 2);
        assert_eq!(day_from_ymd(1900, 3, 1) - day_from_ymd(1900, 2, 28), 1);
        assert!(parse_day("d", "2023-02-29").is_err());
        assert!(parse_day("d", "2024-02-29").is_ok());
    }
}
