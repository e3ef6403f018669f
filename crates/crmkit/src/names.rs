//! The string forms of the domain enums.
//!
//! Each enum with a stable name (alert level, tier, churn action, lifecycle stage, churn
//! signal, interaction kind, quadrants, customer-record vocabularies, need fields, interval
//! methods …) derives its names with `strum` (`IntoStaticStr`, `Display`, `EnumIter`), with the
//! same spelling as its serde form, so a name is written once, on the variant. Most are declared
//! through `named_enum!`, which adds that derive set (with `Debug`, `Clone`, `Copy`,
//! `PartialEq`, `Eq`, `Hash` and serde) and, where asked, a `FromStr` through [`parse`].
//!
//! Parsing goes through one lookup over the variants; the three entry points differ only in the
//! error they give for an unknown name, each naming the field, the value and every accepted
//! name (strum's own parse error names neither):
//! - [`parse`]: a [`CrmkitError::InvalidConfig`] (`expected one of a, b, c`), for `FromStr`;
//! - [`parse_keyword`]: a [`CrmkitError::InvalidConfig`] (`expected 'a', 'b' or 'c'`), for a
//!   string option the user passes as a keyword;
//! - [`parse_cell`]: a [`CrmkitError::InvalidValue`] naming the row too
//!   (`expected one of ["a", "b", "c"]`), for one cell of a text column.

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
    find(text).ok_or_else(|| {
        CrmkitError::invalid_config(
            field,
            text,
            format!("expected one of {}", all::<T>().join(", ")),
        )
    })
}

/// The variant whose name is `text`, for a string option passed as a keyword: an unknown name
/// lists the accepted ones quoted, as the keyword's values are written in a call.
///
/// # Examples
///
/// ```
/// use crmkit::feedback::NpsIntervalMethod;
/// let m = crmkit::names::parse_keyword::<NpsIntervalMethod>("method", "adjusted_wald")?;
/// assert_eq!(m, NpsIntervalMethod::AdjustedWald);
/// let err = crmkit::names::parse_keyword::<NpsIntervalMethod>("method", "exact").unwrap_err();
/// assert_eq!(err.field(), Some("method"));
/// assert_eq!(
///     err.to_string(),
///     r#"invalid `method`: "exact" (expected 'wald' or 'adjusted_wald')"#
/// );
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
///
/// # Errors
///
/// [`CrmkitError::InvalidConfig`] naming `field` and the text when no variant has that name.
pub fn parse_keyword<T>(field: &str, text: &str) -> Result<T>
where
    T: strum::IntoEnumIterator + Into<&'static str> + Copy,
{
    find(text).ok_or_else(|| {
        CrmkitError::invalid_config(field, text, format!("expected {}", quoted::<T>()))
    })
}

/// The variant whose name is `text`, read from row `row` of a text column.
///
/// # Examples
///
/// ```
/// use crmkit::needs::NeedType;
/// assert_eq!(crmkit::names::parse_cell::<NeedType>("type", 0, "price")?, NeedType::Price);
/// let err = crmkit::names::parse_cell::<NeedType>("type", 3, "gadget").unwrap_err();
/// assert_eq!((err.field(), err.row()), (Some("type"), Some(3)));
/// assert!(err.to_string().contains(r#"expected one of ["product", "service", "price", "experience"]"#));
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
///
/// # Errors
///
/// [`CrmkitError::InvalidValue`] naming `field`, `row` and the text (cut to a readable length
/// by the error type) when no variant has that name.
pub fn parse_cell<T>(field: &str, row: usize, text: &str) -> Result<T>
where
    T: strum::IntoEnumIterator + Into<&'static str> + Copy,
{
    find(text).ok_or_else(|| {
        CrmkitError::invalid_value(
            field,
            row,
            format!("{text:?}"),
            format!("expected one of {:?}", all::<T>()),
        )
    })
}

/// The variants named by the categories of a dictionary-encoded text column: `names[k]` is the
/// text of code k and `codes` holds each row's code (−1 for a missing value), as pandas
/// categoricals and Arrow dictionaries store a column. Each name is parsed once, as
/// [`parse_cell`] does; an unknown name is reported at the first row whose code points to it
/// (row 0 when no row does).
///
/// # Examples
///
/// ```
/// use crmkit::churn::AlertLevel;
/// let names = ["red", "green"];
/// let levels = crmkit::names::parse_categories::<AlertLevel>("alert", &[1, -1, 0], &names)?;
/// assert_eq!(levels, [AlertLevel::Red, AlertLevel::Green]);
/// let err = crmkit::names::parse_categories::<AlertLevel>("alert", &[0, 1], &["red", "amber"])
///     .unwrap_err();
/// assert_eq!((err.field(), err.row()), (Some("alert"), Some(1)));
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
///
/// # Errors
///
/// [`CrmkitError::InvalidValue`] naming `field`, the row and the text when a name is not a
/// variant's.
pub fn parse_categories<T>(field: &str, codes: &[i64], names: &[impl AsRef<str>]) -> Result<Vec<T>>
where
    T: strum::IntoEnumIterator + Into<&'static str> + Copy,
{
    names
        .iter()
        .enumerate()
        .map(|(k, name)| {
            let name = name.as_ref();
            find(name).map_or_else(
                || {
                    let code = i64::try_from(k).unwrap_or(i64::MAX);
                    let row = codes.iter().position(|&c| c == code).unwrap_or(0);
                    parse_cell(field, row, name)
                },
                Ok,
            )
        })
        .collect()
}

/// The one lookup behind [`parse`], [`parse_keyword`] and [`parse_cell`].
fn find<T>(text: &str) -> Option<T>
where
    T: strum::IntoEnumIterator + Into<&'static str> + Copy,
{
    T::iter().find(|v| Into::<&'static str>::into(*v) == text)
}

/// `'a', 'b' or 'c'`: the names of an enum for a message.
fn quoted<T>() -> String
where
    T: strum::IntoEnumIterator + Into<&'static str>,
{
    match all::<T>().as_slice() {
        [] => String::new(),
        [one] => format!("'{one}'"),
        [init @ .., last] => {
            let init: Vec<String> = init.iter().map(|n| format!("'{n}'")).collect();
            format!("{} or '{last}'", init.join(", "))
        }
    }
}

/// Declares a domain enum with the shared derive set of its string names: `Debug`, `Clone`,
/// `Copy`, `PartialEq`, `Eq`, `Hash`, serde's `Serialize` / `Deserialize` and strum's
/// `Display`, `IntoStaticStr`, `EnumIter` (further derives, `#[serde]` and `#[strum]` renames
/// go on the enum as usual). With `parsed as "field"` after the name it also implements
/// [`std::str::FromStr`] through [`parse`], naming `field` in the error.
///
/// # Examples
///
/// ```ignore
/// named_enum! {
///     /// How a need was found.
///     #[derive(PartialOrd, Ord)]
///     #[serde(rename_all = "snake_case")]
///     #[strum(serialize_all = "snake_case")]
///     pub enum NeedSource parsed as "source" {
///         /// A sales call.
///         SalesCall,
///     }
/// }
/// ```
macro_rules! named_enum {
    (
        $(#[$attr:meta])*
        $vis:vis enum $name:ident $(parsed as $field:literal)? { $($body:tt)* }
    ) => {
        #[derive(
            Debug,
            Clone,
            Copy,
            PartialEq,
            Eq,
            Hash,
            serde::Serialize,
            serde::Deserialize,
            strum::Display,
            strum::IntoStaticStr,
            strum::EnumIter,
        )]
        $(#[$attr])*
        $vis enum $name { $($body)* }

        $(
            impl std::str::FromStr for $name {
                type Err = $crate::CrmkitError;

                fn from_str(s: &str) -> $crate::Result<Self> {
                    $crate::names::parse($field, s)
                }
            }
        )?
    };
}
pub(crate) use named_enum;
