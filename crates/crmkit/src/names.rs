//! The string forms of the domain enums.
//!
//! Each enum with a stable name (alert level, tier, churn action, lifecycle stage, churn
//! signal, interaction kind, quadrants …) derives its names with `strum`
//! (`IntoStaticStr`, `Display`, `EnumIter`), with the same spelling as its serde form, so a
//! name is written once, on the variant. Parsing goes through [`parse`], which returns a
//! [`CrmkitError::InvalidConfig`] naming the field, the value and every accepted name (strum's
//! own parse error names neither).

use crate::{CrmkitError, Result};

/// Every name of an enum, in variant order.
///
/// # Examples
///
/// ```
/// use crmkit::churn::AlertLevel;
/// assert_eq!(crmkit::names::all::<AlertLevel>(), ["green", "yellow", "red"]);
/// ```
pub fn all<T>() -> Vec<&'static str>
where
    T: strum::IntoEnumIterator + Into<&'static str>,
{
    T::iter().map(Into::into).collect()
}

/// The variant whose name is `text`.
///
/// # Examples
///
/// ```
/// use crmkit::churn::AlertLevel;
/// assert_eq!(crmkit::names::parse::<AlertLevel>("alert", "red")?, AlertLevel::Red);
/// let err = crmkit::names::parse::<AlertLevel>("alert", "amber").unwrap_err();
/// assert_eq!(err.field(), Some("alert"));
/// assert!(err.to_string().contains("expected one of green, yellow, red"));
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
///
/// # Errors
///
/// [`CrmkitError::InvalidConfig`] naming `field` and the text (cut to a readable length by
/// the error type) when no variant has that name.
pub fn parse<T>(field: &str, text: &str) -> Result<T>
where
    T: strum::IntoEnumIterator + Into<&'static str> + Copy,
{
    T::iter()
        .find(|v| Into::<&'static str>::into(*v) == text)
        .ok_or_else(|| {
            CrmkitError::invalid_config(
                field,
                text,
                format!("expected one of {}", all::<T>().join(", ")),
            )
        })
}
