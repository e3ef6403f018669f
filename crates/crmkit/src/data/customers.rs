//! Customer records: who a customer is, as a CRM holds it.
//!
//! A record carries a unique `customer_id` (for example `CUS-2024-001`) and, all optional: the
//! display name, the industry (a code of a national industry classification such as ISIC
//! `4711`, NAICS `445110` or GB/T 4754 `F5211`), the company size band (by employees) or a
//! revenue band, the region (province and city), the contact person, their role and contact
//! details, the date of first contact, the acquisition channel and free-text notes; B2C records
//! may add an age band and a device type. Analysis never needs a name: personal fields (name,
//! contact person, contact details, notes) are optional and never appear in an error.
//!
//! [`CustomerRecord`] is always valid: it is built from a [`RawCustomerRecord`] (plain text
//! fields, as read from a table or JSON) by [`CustomerRecord::from_raw`], and deserialising
//! goes through the same check. [`CustomerRecords`] adds the rule that ids are unique. Every
//! error is a [`CrmkitError`] naming the field and the row, and echoes only non-personal values
//! (a code or a label), never an id, a name or a contact.
//!
//! # Examples
//!
//! ```
//! use crmkit::data::customers::{Channel, ContactRole, CustomerRecords, SizeBand};
//!
//! let json = r#"[
//!   {"customer_id": "CUS-2024-001", "industry": "F5211", "size_band": "50_199",
//!    "province": "Zhejiang", "city": "Hangzhou", "contact_role": "decision_maker",
//!    "first_contact": "2024-03-01", "channel": "trade_show"},
//!   {"customer_id": "CUS-2024-002", "channel": "referral"}
//! ]"#;
//! let records = CustomerRecords::from_json(json)?;
//! assert_eq!(records.len(), 2);
//! let first = &records.records()[0];
//! assert_eq!(first.size_band(), Some(SizeBand::From50To199));
//! assert_eq!(first.contact_role(), Some(ContactRole::DecisionMaker));
//! assert_eq!(first.channel(), Some(Channel::TradeShow));
//! assert_eq!(first.first_contact(), Some(19_783)); // days since 1970-01-01
//!
//! // Round trip through JSON without loss.
//! let again = CustomerRecords::from_json(&serde_json::to_string(&records).unwrap())?;
//! assert_eq!(again, records);
//!
//! // An unknown channel names field and row (and the value, which is not personal).
//! let err = CustomerRecords::from_json(r#"[{"customer_id": "a", "channel": "fax"}]"#).unwrap_err();
//! assert_eq!((err.field(), err.row()), (Some("channel"), Some(0)));
//! # Ok::<(), crmkit::CrmkitError>(())
//! ```

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::data::calendar::{Day, format_day, parse_day};
use crate::names::named_enum;
use crate::{CrmkitError, Result};

/// The longest industry code accepted (national classifications use at most 6–8 characters).
pub const MAX_INDUSTRY_CODE_CHARS: usize = 16;

named_enum! {
    /// Company size band by number of employees.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::data::customers::SizeBand;
    /// assert_eq!(SizeBand::from_employees(49), SizeBand::Under50);
    /// assert_eq!(SizeBand::from_employees(200), SizeBand::From200To999);
    /// assert_eq!(SizeBand::From1000.to_string(), "1000_plus");
    /// assert_eq!("50_199".parse::<SizeBand>().unwrap(), SizeBand::From50To199);
    /// ```
    #[derive(PartialOrd, Ord)]
    pub enum SizeBand parsed as "size_band" {
        /// Fewer than 50 employees.
        #[serde(rename = "under_50")]
        #[strum(serialize = "under_50")]
        Under50,
        /// 50 to 199 employees.
        #[serde(rename = "50_199")]
        #[strum(serialize = "50_199")]
        From50To199,
        /// 200 to 999 employees.
        #[serde(rename = "200_999")]
        #[strum(serialize = "200_999")]
        From200To999,
        /// 1000 employees or more.
        #[serde(rename = "1000_plus")]
        #[strum(serialize = "1000_plus")]
        From1000,
    }
}

impl SizeBand {
    /// The band of a head count.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(crmkit::data::customers::SizeBand::from_employees(5_000).to_string(), "1000_plus");
    /// ```
    pub fn from_employees(employees: u64) -> Self {
        match employees {
            0..50 => Self::Under50,
            50..200 => Self::From50To199,
            200..1000 => Self::From200To999,
            _ => Self::From1000,
        }
    }
}

named_enum! {
    /// The contact person's role in the buying decision.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::data::customers::ContactRole;
    /// assert_eq!("influencer".parse::<ContactRole>().unwrap(), ContactRole::Influencer);
    /// assert_eq!(ContactRole::DecisionMaker.to_string(), "decision_maker");
    /// ```
    #[serde(rename_all = "snake_case")]
    #[strum(serialize_all = "snake_case")]
    pub enum ContactRole parsed as "contact_role" {
        /// Decides the purchase.
        DecisionMaker,
        /// Shapes the decision.
        Influencer,
        /// Uses the product or service.
        User,
    }
}

named_enum! {
    /// How the customer was acquired.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::data::customers::Channel;
    /// assert_eq!(Channel::SocialAds.to_string(), "social_ads");
    /// ```
    #[serde(rename_all = "snake_case")]
    #[strum(serialize_all = "snake_case")]
    pub enum Channel parsed as "channel" {
        /// Search engines (paid or organic).
        Search,
        /// Advertising on social media.
        SocialAds,
        /// A trade show or exhibition.
        TradeShow,
        /// Referred by another customer or a partner.
        Referral,
        /// A direct (sales) visit.
        DirectVisit,
        /// Any other channel.
        Other,
    }
}

named_enum! {
    /// The device a B2C customer mostly uses.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::data::customers::DeviceType;
    /// assert_eq!("mobile".parse::<DeviceType>().unwrap(), DeviceType::Mobile);
    /// ```
    #[serde(rename_all = "snake_case")]
    #[strum(serialize_all = "snake_case")]
    pub enum DeviceType parsed as "device_type" {
        /// A desktop or laptop computer.
        Desktop,
        /// A phone.
        Mobile,
        /// A tablet.
        Tablet,
        /// Anything else.
        Other,
    }
}

/// A customer record as read: every field as text (the date as `YYYY-MM-DD`), unchecked. This is
/// the serialised form of [`CustomerRecord`]; [`CustomerRecord::from_raw`] checks it.
///
/// # Examples
///
/// ```
/// use crmkit::data::customers::{CustomerRecord, RawCustomerRecord};
/// let raw = RawCustomerRecord { customer_id: Some("c1".into()), channel: Some("search".into()), ..Default::default() };
/// assert!(CustomerRecord::from_raw(raw, 0).is_ok());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCustomerRecord {
    /// The unique customer id (required).
    pub customer_id: Option<String>,
    /// Display name (personal for a person; optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Industry code of a national classification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub industry: Option<String>,
    /// Size band by employees: `under_50`, `50_199`, `200_999`, `1000_plus`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_band: Option<String>,
    /// Revenue band, a label of the business's own banding (for example `1m-10m`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revenue_band: Option<String>,
    /// Province (or state).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub province: Option<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Contact person (personal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    /// The contact's role: `decision_maker`, `influencer`, `user`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_role: Option<String>,
    /// Contact details: phone, e-mail (personal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_details: Option<String>,
    /// Date of first contact, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_contact: Option<String>,
    /// Acquisition channel: `search`, `social_ads`, `trade_show`, `referral`, `direct_visit`,
    /// `other`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// Free-text notes (may be personal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Age band of a B2C customer, a label (for example `25-34`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_band: Option<String>,
    /// Device type of a B2C customer: `desktop`, `mobile`, `tablet`, `other`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_type: Option<String>,
}

/// A validated customer record; see the [module documentation](self) for the fields.
///
/// Optional text that is empty or only blanks is absent (None). Non-personal text (codes and
/// labels) is stored trimmed; personal text is stored as given.
///
/// # Examples
///
/// ```
/// use crmkit::data::customers::{CustomerRecord, RawCustomerRecord, SizeBand};
/// let raw = RawCustomerRecord {
///     customer_id: Some("CUS-1".into()),
///     size_band: Some("1000_plus".into()),
///     industry: Some(" 4711 ".into()),
///     name: Some("   ".into()),
///     ..Default::default()
/// };
/// let record = CustomerRecord::from_raw(raw, 0)?;
/// assert_eq!(record.customer_id(), "CUS-1");
/// assert_eq!(record.size_band(), Some(SizeBand::From1000));
/// assert_eq!(record.industry(), Some("4711"));
/// assert_eq!(record.name(), None);
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawCustomerRecord", into = "RawCustomerRecord")]
pub struct CustomerRecord {
    customer_id: String,
    name: Option<String>,
    industry: Option<String>,
    size_band: Option<SizeBand>,
    revenue_band: Option<String>,
    province: Option<String>,
    city: Option<String>,
    contact: Option<String>,
    contact_role: Option<ContactRole>,
    contact_details: Option<String>,
    first_contact: Option<Day>,
    channel: Option<Channel>,
    notes: Option<String>,
    age_band: Option<String>,
    device_type: Option<DeviceType>,
}

/// Present and not blank.
fn present(text: Option<String>) -> Option<String> {
    text.filter(|t| !t.trim().is_empty())
}

/// Present, not blank, trimmed (codes and labels).
fn label(text: Option<String>) -> Option<String> {
    present(text).map(|t| t.trim().to_owned())
}

/// A vocabulary field parsed by its names ([`crate::names::parse_cell`]); an unknown name is an
/// error naming field and row (the value is a label, not personal, and is cut to a bounded
/// length).
fn vocabulary<T>(field: &str, row: usize, text: Option<String>) -> Result<Option<T>>
where
    T: strum::IntoEnumIterator + Into<&'static str> + Copy,
{
    label(text)
        .map(|t| crate::names::parse_cell(field, row, &t))
        .transpose()
}

fn industry_code(row: usize, text: Option<String>) -> Result<Option<String>> {
    let Some(code) = label(text) else {
        return Ok(None);
    };
    let ok = code.chars().count() <= MAX_INDUSTRY_CODE_CHARS
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'));
    if ok {
        Ok(Some(code))
    } else {
        Err(CrmkitError::invalid_value(
            "industry",
            row,
            format!("{code:?}"),
            format!(
                "an industry code is 1 to {MAX_INDUSTRY_CODE_CHARS} letters, digits, '.' or '-'"
            ),
        ))
    }
}

impl CustomerRecord {
    /// Checks a raw record (row `row` of its table, for errors).
    ///
    /// # Errors
    ///
    /// - [`CrmkitError::MissingValue`] naming `customer_id` and the row when the id is absent or
    ///   blank;
    /// - [`CrmkitError::InvalidValue`] naming the field and the row for a size band, contact
    ///   role, channel or device type outside its vocabulary, an industry code that is not 1–16
    ///   letters, digits, `.` or `-`, or a first contact that is not a valid `YYYY-MM-DD` date.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::data::customers::{CustomerRecord, RawCustomerRecord};
    /// let raw = RawCustomerRecord { customer_id: Some("c1".into()), first_contact: Some("2024-02-30".into()), ..Default::default() };
    /// let err = CustomerRecord::from_raw(raw, 7).unwrap_err();
    /// assert_eq!((err.field(), err.row()), (Some("first_contact"), Some(7)));
    /// ```
    pub fn from_raw(raw: RawCustomerRecord, row: usize) -> Result<Self> {
        let customer_id = present(raw.customer_id).ok_or_else(|| CrmkitError::MissingValue {
            field: "customer_id".into(),
            row,
        })?;
        let first_contact = label(raw.first_contact)
            .map(|t| {
                parse_day("first_contact", &t).map_err(|_| {
                    CrmkitError::invalid_value(
                        "first_contact",
                        row,
                        format!("{t:?}"),
                        "expected a date as YYYY-MM-DD",
                    )
                })
            })
            .transpose()?;
        Ok(Self {
            customer_id,
            name: present(raw.name),
            industry: industry_code(row, raw.industry)?,
            size_band: vocabulary("size_band", row, raw.size_band)?,
            revenue_band: label(raw.revenue_band),
            province: label(raw.province),
            city: label(raw.city),
            contact: present(raw.contact),
            contact_role: vocabulary("contact_role", row, raw.contact_role)?,
            contact_details: present(raw.contact_details),
            first_contact,
            channel: vocabulary("channel", row, raw.channel)?,
            notes: present(raw.notes),
            age_band: label(raw.age_band),
            device_type: vocabulary("device_type", row, raw.device_type)?,
        })
    }

    /// The record with its first contact set to a day number (days since 1970-01-01).
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidValue`] naming `first_contact` and `row` for a day outside
    /// 0001-01-01 ..= 9999-12-31.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::data::customers::{CustomerRecord, RawCustomerRecord};
    /// let raw = RawCustomerRecord { customer_id: Some("c1".into()), ..Default::default() };
    /// let record = CustomerRecord::from_raw(raw, 0)?.with_first_contact_day(19_783, 0)?;
    /// assert_eq!(record.first_contact(), Some(19_783));
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn with_first_contact_day(mut self, day: i64, row: usize) -> Result<Self> {
        self.first_contact = Some(crate::data::calendar::checked_day(
            "first_contact",
            row,
            day,
        )?);
        Ok(self)
    }

    /// The customer id.
    pub fn customer_id(&self) -> &str {
        &self.customer_id
    }
    /// The display name (personal).
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
    /// The industry code.
    pub fn industry(&self) -> Option<&str> {
        self.industry.as_deref()
    }
    /// The size band by employees.
    pub fn size_band(&self) -> Option<SizeBand> {
        self.size_band
    }
    /// The revenue band label.
    pub fn revenue_band(&self) -> Option<&str> {
        self.revenue_band.as_deref()
    }
    /// The province (or state).
    pub fn province(&self) -> Option<&str> {
        self.province.as_deref()
    }
    /// The city.
    pub fn city(&self) -> Option<&str> {
        self.city.as_deref()
    }
    /// The contact person (personal).
    pub fn contact(&self) -> Option<&str> {
        self.contact.as_deref()
    }
    /// The contact's role.
    pub fn contact_role(&self) -> Option<ContactRole> {
        self.contact_role
    }
    /// Contact details (personal).
    pub fn contact_details(&self) -> Option<&str> {
        self.contact_details.as_deref()
    }
    /// Day of first contact (days since 1970-01-01).
    pub fn first_contact(&self) -> Option<Day> {
        self.first_contact
    }
    /// The acquisition channel.
    pub fn channel(&self) -> Option<Channel> {
        self.channel
    }
    /// Free-text notes (may be personal).
    pub fn notes(&self) -> Option<&str> {
        self.notes.as_deref()
    }
    /// The age band label (B2C).
    pub fn age_band(&self) -> Option<&str> {
        self.age_band.as_deref()
    }
    /// The device type (B2C).
    pub fn device_type(&self) -> Option<DeviceType> {
        self.device_type
    }
}

impl TryFrom<RawCustomerRecord> for CustomerRecord {
    type Error = CrmkitError;
    fn try_from(raw: RawCustomerRecord) -> Result<Self> {
        Self::from_raw(raw, 0)
    }
}

impl From<CustomerRecord> for RawCustomerRecord {
    fn from(r: CustomerRecord) -> Self {
        let name = |v: Option<&'static str>| v.map(str::to_owned);
        Self {
            customer_id: Some(r.customer_id),
            name: r.name,
            industry: r.industry,
            size_band: name(r.size_band.map(<&str>::from)),
            revenue_band: r.revenue_band,
            province: r.province,
            city: r.city,
            contact: r.contact,
            contact_role: name(r.contact_role.map(<&str>::from)),
            contact_details: r.contact_details,
            first_contact: r.first_contact.map(format_day),
            channel: name(r.channel.map(<&str>::from)),
            notes: r.notes,
            age_band: r.age_band,
            device_type: name(r.device_type.map(<&str>::from)),
        }
    }
}

/// A table of validated customer records with unique ids, in the order given.
///
/// Serialises as a JSON array of records; deserialising checks every record and the
/// uniqueness of ids like [`CustomerRecords::from_raw`].
///
/// # Examples
///
/// ```
/// use crmkit::data::customers::{CustomerRecords, RawCustomerRecord};
/// let rows = vec![
///     RawCustomerRecord { customer_id: Some("a".into()), ..Default::default() },
///     RawCustomerRecord { customer_id: Some("a".into()), ..Default::default() },
/// ];
/// let err = CustomerRecords::from_raw(rows).unwrap_err();
/// assert_eq!((err.field(), err.row()), (Some("customer_id"), Some(1)));
/// assert!(!err.to_string().contains("\"a\""));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<RawCustomerRecord>", into = "Vec<RawCustomerRecord>")]
pub struct CustomerRecords {
    records: Vec<CustomerRecord>,
}

impl CustomerRecords {
    /// Checks every raw record (errors name its row) and that ids are unique.
    ///
    /// # Errors
    ///
    /// The errors of [`CustomerRecord::from_raw`]; [`CrmkitError::InvalidValue`] naming
    /// `customer_id` and the row of the second occurrence of an id (the id itself is not shown).
    ///
    /// # Examples
    ///
    /// See [`CustomerRecords`].
    pub fn from_raw(raw: Vec<RawCustomerRecord>) -> Result<Self> {
        let records = raw
            .into_iter()
            .enumerate()
            .map(|(row, r)| CustomerRecord::from_raw(r, row))
            .collect::<Result<Vec<_>>>()?;
        Self::new(records)
    }

    /// Validated records with unique ids.
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidValue`] naming `customer_id` and the row of a repeated id.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::data::customers::{CustomerRecord, CustomerRecords, RawCustomerRecord};
    /// let one = CustomerRecord::from_raw(RawCustomerRecord { customer_id: Some("a".into()), ..Default::default() }, 0)?;
    /// assert_eq!(CustomerRecords::new(vec![one])?.len(), 1);
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn new(records: Vec<CustomerRecord>) -> Result<Self> {
        let mut seen = HashSet::with_capacity(records.len());
        for (row, r) in records.iter().enumerate() {
            if !seen.insert(r.customer_id.as_str()) {
                return Err(CrmkitError::invalid_value(
                    "customer_id",
                    row,
                    "(customer id)",
                    "duplicate customer id: each customer has one record",
                ));
            }
        }
        Ok(Self { records })
    }

    /// Reads a JSON array of records, with typed errors naming field and row.
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidConfig`] naming `customers` for text that is not a JSON array of
    /// records with known keys and text values; otherwise the errors of
    /// [`CustomerRecords::from_raw`].
    ///
    /// # Examples
    ///
    /// See the [module documentation](self).
    pub fn from_json(text: &str) -> Result<Self> {
        let raw: Vec<RawCustomerRecord> = serde_json::from_str(text).map_err(|e| {
            CrmkitError::invalid_config(
                "customers",
                format!("JSON line {} column {}", e.line(), e.column()),
                "expected a JSON array of customer records with known keys and text values",
            )
        })?;
        Self::from_raw(raw)
    }

    /// The records, in the order given.
    pub fn records(&self) -> &[CustomerRecord] {
        &self.records
    }

    /// How many records.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether there are no records.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}

impl TryFrom<Vec<RawCustomerRecord>> for CustomerRecords {
    type Error = CrmkitError;
    fn try_from(raw: Vec<RawCustomerRecord>) -> Result<Self> {
        Self::from_raw(raw)
    }
}

impl From<CustomerRecords> for Vec<RawCustomerRecord> {
    fn from(r: CustomerRecords) -> Self {
        r.records.into_iter().map(RawCustomerRecord::from).collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn raw(id: &str) -> RawCustomerRecord {
        RawCustomerRecord {
            customer_id: Some(id.into()),
            ..Default::default()
        }
    }

    #[test]
    fn every_field_round_trips() {
        let full = RawCustomerRecord {
            customer_id: Some("CUS-2024-001".into()),
            name: Some("Zhang San".into()),
            industry: Some("F5211".into()),
            size_band: Some("200_999".into()),
            revenue_band: Some("10m-50m".into()),
            province: Some("Zhejiang".into()),
            city: Some("Hangzhou".into()),
            contact: Some("Li Si".into()),
            contact_role: Some("influencer".into()),
            contact_details: Some("lisi@example.com".into()),
            first_contact: Some("2024-02-29".into()),
            channel: Some("direct_visit".into()),
            notes: Some("prefers e-mail".into()),
            age_band: Some("25-34".into()),
            device_type: Some("tablet".into()),
        };
        let record = CustomerRecord::from_raw(full.clone(), 0).unwrap();
        assert_eq!(record.first_contact(), Some(19_782)); // 2024-02-29, counted by calendar
        assert_eq!(RawCustomerRecord::from(record.clone()), full);
        let json = serde_json::to_string(&record).unwrap();
        assert_eq!(
            serde_json::from_str::<CustomerRecord>(&json).unwrap(),
            record
        );
    }

    #[test]
    fn errors_name_field_and_row_never_personal_values() {
        let mut r = raw("john.doe@example.com");
        r.size_band = Some("huge".into());
        let records = vec![raw("x"), r];
        let err = CustomerRecords::from_raw(records).unwrap_err();
        assert_eq!((err.field(), err.row()), (Some("size_band"), Some(1)));
        assert!(!err.to_string().contains("john.doe"));

        let mut r = raw("a");
        r.industry = Some("not a code!".into());
        let err = CustomerRecord::from_raw(r, 3).unwrap_err();
        assert_eq!((err.field(), err.row()), (Some("industry"), Some(3)));

        let missing = RawCustomerRecord {
            customer_id: Some("  ".into()),
            ..Default::default()
        };
        let err = CustomerRecords::from_raw(vec![raw("a"), missing]).unwrap_err();
        assert!(matches!(err, CrmkitError::MissingValue { row: 1, .. }));

        let dup =
            CustomerRecords::from_raw(vec![raw("+1 555 123"), raw("+1 555 123")]).unwrap_err();
        assert_eq!((dup.field(), dup.row()), (Some("customer_id"), Some(1)));
        assert!(!dup.to_string().contains("555"));
    }

    #[test]
    fn deserialising_checks_like_constructing() {
        assert!(serde_json::from_str::<CustomerRecord>(r#"{"customer_id": ""}"#).is_err());
        assert!(
            serde_json::from_str::<CustomerRecord>(r#"{"customer_id": "a", "channel": "fax"}"#)
                .is_err()
        );
        assert!(
            serde_json::from_str::<CustomerRecord>(r#"{"customer_id": "a", "shoe_size": "9"}"#)
                .is_err()
        );
        assert!(
            serde_json::from_str::<CustomerRecords>(
                r#"[{"customer_id": "a"}, {"customer_id": "a"}]"#
            )
            .is_err()
        );
        let err = CustomerRecords::from_json("[{").unwrap_err();
        assert_eq!(err.field(), Some("customers"));
        let err = CustomerRecords::from_json(
            r#"[{"customer_id": "a"}, {"customer_id": "b", "contact_role": "boss"}]"#,
        )
        .unwrap_err();
        assert_eq!((err.field(), err.row()), (Some("contact_role"), Some(1)));
    }

    #[test]
    fn size_bands_cover_every_head_count() {
        assert_eq!(SizeBand::from_employees(0), SizeBand::Under50);
        assert_eq!(SizeBand::from_employees(50), SizeBand::From50To199);
        assert_eq!(SizeBand::from_employees(199), SizeBand::From50To199);
        assert_eq!(SizeBand::from_employees(999), SizeBand::From200To999);
        assert_eq!(SizeBand::from_employees(1000), SizeBand::From1000);
        assert_eq!(
            crate::names::all::<SizeBand>(),
            &["under_50", "50_199", "200_999", "1000_plus"]
        );
    }

    fn text() -> impl Strategy<Value = Option<String>> {
        proptest::option::of("[ a-zA-Z0-9@.+张三-]{0,12}")
    }

    fn pick<T>() -> impl Strategy<Value = Option<String>>
    where
        T: strum::IntoEnumIterator + Into<&'static str>,
    {
        let names = crate::names::all::<T>();
        proptest::option::of(proptest::sample::select(names).prop_map(str::to_owned))
    }

    proptest! {
        /// Any valid table survives JSON unchanged (every field, every vocabulary value, any
        /// text including non-ASCII), and the JSON of the loaded table is identical.
        #[test]
        fn json_round_trip_is_lossless(
            rows in proptest::collection::vec(
                (text(), text(), proptest::option::of("[A-Z0-9.-]{1,16}"), pick::<SizeBand>(),
                 pick::<ContactRole>(), pick::<Channel>(), pick::<DeviceType>(),
                 proptest::option::of(-719_162i64..=2_932_896), text(), text()),
                0..20),
        ) {
            let raws: Vec<RawCustomerRecord> = rows.into_iter().enumerate().map(
                |(i, (name, contact, industry, size, role, channel, device, day, city, notes))| {
                    RawCustomerRecord {
                        customer_id: Some(format!("CUS-{i}")),
                        name, contact, industry, size_band: size, contact_role: role, channel,
                        device_type: device, city, notes,
                        first_contact: day.map(|d| format_day(d as Day)),
                        ..Default::default()
                    }
                }).collect();
            let records = CustomerRecords::from_raw(raws).unwrap();
            let json = serde_json::to_string(&records).unwrap();
            let loaded = CustomerRecords::from_json(&json).unwrap();
            prop_assert_eq!(&loaded, &records);
            prop_assert_eq!(serde_json::to_string(&loaded).unwrap(), json);
        }
    }
}
