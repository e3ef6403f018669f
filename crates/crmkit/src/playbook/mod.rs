//! The playbook: from what we know about a customer (RFM tier, RFM segment, value quadrant,
//! churn alert level) to recommended actions and contact channels.
//!
//! A [`Playbook`] is data: four sections of entries (`tiers`, `segments`, `quadrants`,
//! `alerts`), each entry a list of actions and a list of channels, plus the `priority` order
//! of the sections. [`Playbook::default`] encodes the usual CRM treatments; a team can
//! serialise it to JSON, edit it and load it back with [`Playbook::from_json`], which rejects
//! unknown sections, unknown keys and unknown fields with an error naming the entry
//! (e.g. `playbook.segments.champions`).
//!
//! The keys are crmkit's own types, not copies: the tier is [`Tier`] of the RFM scores (with
//! the "low value" tier of the four-tier reading), the alert is [`AlertLevel`] of the churn
//! index, the quadrant is [`ValueQuadrant`]. Actions are [`Action`]s, the vocabulary shared
//! with the churn index: known retention actions by their code (`personal_call_back`, …), any
//! other treatment as written. Playbooks saved with the older action texts
//! (`"personal call-back"`) load with the codes (see [`Action`]).

pub mod action;

pub use crate::churn::AlertLevel;
pub use crate::rfm::score::Tier;
pub use action::Action;

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::names::named_enum;
use crate::value::quadrant::ValueQuadrant;
use crate::{CrmkitError, Result};

named_enum! {
    /// The four sections of a playbook, as used in the priority order.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::playbook::PlaybookSection;
    /// assert_eq!(serde_json::to_string(&PlaybookSection::Alerts).unwrap(), "\"alerts\"");
    /// ```
    #[derive(PartialOrd, Ord)]
    #[serde(rename_all = "lowercase")]
    #[strum(serialize_all = "lowercase")]
    pub enum PlaybookSection {
        /// Churn alert level.
        Alerts,
        /// RFM tier.
        Tiers,
        /// RFM segment name.
        Segments,
        /// Value quadrant.
        Quadrants,
    }
}

impl PlaybookSection {
    /// The default priority: alerts, tiers, segments, quadrants — an urgent churn alert comes
    /// first, then the broad value tier, then the finer segment and quadrant treatments.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::playbook::{Playbook, PlaybookSection};
    /// assert_eq!(Playbook::default().priority, PlaybookSection::DEFAULT_PRIORITY);
    /// ```
    pub const DEFAULT_PRIORITY: [PlaybookSection; 4] = [
        PlaybookSection::Alerts,
        PlaybookSection::Tiers,
        PlaybookSection::Segments,
        PlaybookSection::Quadrants,
    ];

    fn as_str(self) -> &'static str {
        self.into()
    }
}

/// What to do for one key of one section.
///
/// # Examples
///
/// ```
/// use crmkit::playbook::PlaybookEntry;
/// let e = PlaybookEntry::new(&["new-product trial voucher"], &["email"]);
/// // An older text of a known action reads as its code (one vocabulary with the churn index).
/// assert_eq!(e.actions, ["new_product_trial_voucher"]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaybookEntry {
    /// Recommended actions, most important first.
    #[serde(default)]
    pub actions: Vec<Action>,
    /// Contact channels, preferred first.
    #[serde(default)]
    pub channels: Vec<String>,
}

impl PlaybookEntry {
    /// An entry from string slices.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::playbook::PlaybookEntry;
    /// assert!(PlaybookEntry::new(&[], &[]).actions.is_empty());
    /// ```
    pub fn new(actions: &[&str], channels: &[&str]) -> Self {
        Self {
            actions: actions.iter().map(|s| Action::from(*s)).collect(),
            channels: channels.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    fn validate(&self, field: &str) -> Result<()> {
        let actions = self.actions.iter().map(Action::as_str);
        let channels = self.channels.iter().map(String::as_str);
        for (mut list, what) in [
            (
                Box::new(actions) as Box<dyn Iterator<Item = &str>>,
                "actions",
            ),
            (Box::new(channels), "channels"),
        ] {
            if list.any(|s| s.trim().is_empty()) {
                let shown: Vec<&str> = match what {
                    "actions" => self.actions.iter().map(Action::as_str).collect(),
                    _ => self.channels.iter().map(String::as_str).collect(),
                };
                return Err(CrmkitError::invalid_config(
                    field,
                    shown,
                    format!("{what} must be non-empty text"),
                ));
            }
        }
        Ok(())
    }
}

/// A playbook: entries per tier, segment, quadrant and alert level, and the priority order.
///
/// Serialises to JSON as
/// `{"tiers": {"high value": {"actions": [...], "channels": [...]}, ...}, "segments": {...},
/// "quadrants": {"deepen": ...}, "alerts": {"red": ...}, "priority": ["alerts", "tiers",
/// "segments", "quadrants"]}`. Deserialising runs [`Playbook::from_value`]'s checks; a
/// section left out is empty, a left-out priority is [`PlaybookSection::DEFAULT_PRIORITY`].
///
/// # Examples
///
/// ```
/// use crmkit::playbook::{CustomerContext, Playbook, Tier};
/// let pb = Playbook::default();
/// let rec = pb.recommend(&CustomerContext { tier: Some(Tier::HighValue), ..Default::default() });
/// assert!(rec.actions.iter().any(|a| a.as_str().contains("dedicated account manager")));
/// assert_eq!(rec.channels, ["phone", "visit"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Value")]
pub struct Playbook {
    /// Entries per RFM tier.
    pub tiers: BTreeMap<Tier, PlaybookEntry>,
    /// Entries per RFM segment name (e.g. `"champions"`, `"at risk"`).
    pub segments: BTreeMap<String, PlaybookEntry>,
    /// Entries per value quadrant.
    pub quadrants: BTreeMap<ValueQuadrant, PlaybookEntry>,
    /// Entries per churn alert level.
    pub alerts: BTreeMap<AlertLevel, PlaybookEntry>,
    /// The order in which sections contribute actions; a section not listed is not used.
    pub priority: Vec<PlaybookSection>,
}

impl TryFrom<Value> for Playbook {
    type Error = CrmkitError;
    fn try_from(value: Value) -> Result<Self> {
        Self::from_value(value)
    }
}

fn entry(actions: &[&str], channels: &[&str]) -> PlaybookEntry {
    PlaybookEntry::new(actions, channels)
}

const DEDICATED_MANAGER: &str = "assign a dedicated account manager";
const PRIORITY_SERVICE: &str = "priority service";
const CO_CREATION: &str = "invite to co-creation events";
const EDUCATION: &str = "product education";
const CASE_STUDIES: &str = "share case studies";
const TIERED_INCENTIVES: &str = "tiered incentives";
const LEARN_CAUSE: &str = "service outreach to learn the cause";
const FIX_CAUSE: &str = "fix the cause";
const WIN_BACK: &str = "win-back offer";
const AUTOMATED: &str = "automated e-mail / SMS journey";
const SMALL_INCENTIVES: &str = "small incentives to find the promising ones";

impl Default for Playbook {
    /// The default treatments (common CRM practice for quadrants, alerts and RFM tiers).
    fn default() -> Self {
        let tiers = BTreeMap::from([
            (
                Tier::HighValue,
                entry(
                    &[DEDICATED_MANAGER, PRIORITY_SERVICE, CO_CREATION],
                    &["phone", "visit"],
                ),
            ),
            (
                Tier::Potential,
                entry(
                    &[EDUCATION, CASE_STUDIES, TIERED_INCENTIVES],
                    &["email", "phone"],
                ),
            ),
            (
                Tier::ChurnRisk,
                entry(&[LEARN_CAUSE, FIX_CAUSE, WIN_BACK], &["phone", "email"]),
            ),
            (
                Tier::LowValue,
                entry(&[AUTOMATED, SMALL_INCENTIVES], &["email", "sms"]),
            ),
        ]);
        let quadrants = BTreeMap::from([
            (
                ValueQuadrant::Deepen,
                entry(&[DEDICATED_MANAGER, CO_CREATION], &["phone", "visit"]),
            ),
            (
                ValueQuadrant::Maintain,
                entry(
                    &[PRIORITY_SERVICE, "regular satisfaction check-in"],
                    &["phone", "email"],
                ),
            ),
            (
                ValueQuadrant::Develop,
                entry(
                    &[EDUCATION, CASE_STUDIES, TIERED_INCENTIVES],
                    &["email", "phone"],
                ),
            ),
            (
                ValueQuadrant::Automate,
                entry(&[AUTOMATED, SMALL_INCENTIVES], &["email", "sms"]),
            ),
        ]);
        let alerts = BTreeMap::from([
            (
                AlertLevel::Red,
                entry(
                    &[
                        Action::PersonalCallBack.as_str(),
                        Action::ExclusiveRetentionOffer.as_str(),
                        LEARN_CAUSE,
                    ],
                    &["phone"],
                ),
            ),
            (
                AlertLevel::Yellow,
                entry(
                    &[Action::NewProductTrialVoucher.as_str()],
                    &["email", "sms"],
                ),
            ),
            (AlertLevel::Green, entry(&[], &[])),
        ]);
        let segments = [
            (
                "champions",
                entry(
                    &[
                        "reward and ask for referrals",
                        "early access to new products",
                    ],
                    &["phone", "email"],
                ),
            ),
            (
                "loyal",
                entry(
                    &["upsell higher-value products", "loyalty programme"],
                    &["email", "phone"],
                ),
            ),
            (
                "potential loyalist",
                entry(
                    &["membership or loyalty offer", "personal recommendations"],
                    &["email"],
                ),
            ),
            (
                "new",
                entry(&["onboarding support", "welcome series"], &["email"]),
            ),
            ("promising", entry(&[EDUCATION, "free trial"], &["email"])),
            (
                "need attention",
                entry(
                    &["limited-time offer", "recommendations from past purchases"],
                    &["email", "sms"],
                ),
            ),
            (
                "about to sleep",
                entry(
                    &["share popular products", "renewal discount"],
                    &["email", "sms"],
                ),
            ),
            (
                "at risk",
                entry(&[LEARN_CAUSE, WIN_BACK], &["phone", "email"]),
            ),
            (
                "cannot lose",
                entry(
                    &["personal outreach by a senior contact", WIN_BACK],
                    &["phone", "visit"],
                ),
            ),
            (
                "hibernating",
                entry(&[AUTOMATED, "reactivation offer"], &["email", "sms"]),
            ),
            ("lost", entry(&[AUTOMATED], &["email"])),
        ]
        .into_iter()
        .map(|(k, e)| (k.to_owned(), e))
        .collect();
        Self {
            tiers,
            segments,
            quadrants,
            alerts,
            priority: PlaybookSection::DEFAULT_PRIORITY.to_vec(),
        }
    }
}

fn config_error(field: String, value: &Value, reason: impl Into<String>) -> CrmkitError {
    CrmkitError::InvalidConfig {
        field,
        value: value.to_string(),
        reason: reason.into(),
    }
}

fn parse_section<K: Ord>(
    section: &str,
    value: Value,
    parse_key: impl Fn(&str) -> Option<K>,
    expected_keys: &str,
) -> Result<BTreeMap<K, PlaybookEntry>> {
    let Value::Object(map) = value else {
        return Err(config_error(
            format!("playbook.{section}"),
            &value,
            "expected an object of entries",
        ));
    };
    let mut out = BTreeMap::new();
    for (key, raw) in map {
        let field = format!("playbook.{section}.{key}");
        let Some(k) = parse_key(&key) else {
            return Err(config_error(
                field,
                &raw,
                format!("unknown key; expected {expected_keys}"),
            ));
        };
        let parsed: PlaybookEntry = serde_json::from_value(raw.clone())
            .map_err(|e| config_error(field.clone(), &raw, e.to_string()))?;
        parsed.validate(&field)?;
        out.insert(k, parsed);
    }
    Ok(out)
}

impl Playbook {
    /// Parses and checks a playbook from JSON text.
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidConfig`] naming the part at fault: `playbook` for text that is
    /// not a JSON object, `playbook.<section>` for an unknown section, `playbook.<section>.<key>`
    /// for an unknown tier / quadrant / alert key, an unknown field or a wrong type in an entry,
    /// or an empty action or channel; `playbook.priority` for a bad or repeated section name.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::playbook::{AlertLevel, Playbook};
    /// let pb = Playbook::from_json(r#"{"alerts": {"red": {"actions": ["call now"], "channels": ["phone"]}}}"#)?;
    /// assert_eq!(pb.alerts[&AlertLevel::Red].actions, ["call now"]);
    /// let err = Playbook::from_json(r#"{"segments": {"champions": {"actons": []}}}"#).unwrap_err();
    /// assert_eq!(err.field(), Some("playbook.segments.champions"));
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn from_json(text: &str) -> Result<Self> {
        let value: Value = serde_json::from_str(text).map_err(|e| {
            CrmkitError::invalid_config("playbook", "<json text>", format!("invalid JSON: {e}"))
        })?;
        Self::from_value(value)
    }

    /// Checks a playbook given as a parsed JSON value; see [`Playbook::from_json`].
    ///
    /// # Errors
    ///
    /// As [`Playbook::from_json`].
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::playbook::Playbook;
    /// let v = serde_json::json!({"priority": ["tiers", "tiers"]});
    /// assert_eq!(Playbook::from_value(v).unwrap_err().field(), Some("playbook.priority"));
    /// ```
    pub fn from_value(value: Value) -> Result<Self> {
        let Value::Object(top) = value else {
            return Err(config_error(
                "playbook".into(),
                &value,
                "expected a JSON object",
            ));
        };
        let mut pb = Self {
            tiers: BTreeMap::new(),
            segments: BTreeMap::new(),
            quadrants: BTreeMap::new(),
            alerts: BTreeMap::new(),
            priority: PlaybookSection::DEFAULT_PRIORITY.to_vec(),
        };
        for (section, v) in top {
            match section.as_str() {
                "tiers" => {
                    pb.tiers = parse_section(
                        "tiers",
                        v,
                        |k| k.parse().ok(),
                        "\"high value\", \"potential\", \"churn risk\" or \"low value\"",
                    )?;
                }
                "segments" => {
                    pb.segments = parse_section(
                        "segments",
                        v,
                        |k| (!k.trim().is_empty()).then(|| k.to_owned()),
                        "a non-empty segment name",
                    )?;
                }
                "quadrants" => {
                    pb.quadrants = parse_section(
                        "quadrants",
                        v,
                        |k| ValueQuadrant::ALL.into_iter().find(|q| q.as_str() == k),
                        "\"deepen\", \"maintain\", \"develop\" or \"automate\"",
                    )?;
                }
                "alerts" => {
                    pb.alerts = parse_section(
                        "alerts",
                        v,
                        |k| k.parse().ok(),
                        "\"red\", \"yellow\" or \"green\"",
                    )?;
                }
                "priority" => {
                    let field = "playbook.priority".to_owned();
                    let order: Vec<PlaybookSection> = serde_json::from_value(v.clone())
                        .map_err(|e| config_error(field.clone(), &v, e.to_string()))?;
                    let mut seen = order.clone();
                    seen.sort_unstable();
                    seen.dedup();
                    if seen.len() != order.len() {
                        return Err(config_error(field, &v, "a section is listed twice"));
                    }
                    pb.priority = order;
                }
                _ => {
                    return Err(config_error(
                        format!("playbook.{section}"),
                        &v,
                        "unknown section; expected tiers, segments, quadrants, alerts or priority",
                    ));
                }
            }
        }
        Ok(pb)
    }

    /// The playbook as pretty-printed JSON.
    ///
    /// # Errors
    ///
    /// [`CrmkitError::Numerical`] if serialisation fails (it does not for valid playbooks).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::playbook::Playbook;
    /// let pb = Playbook::default();
    /// assert_eq!(Playbook::from_json(&pb.to_json()?)?, pb);
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self).map_err(|e| CrmkitError::Numerical {
            context: "playbook serialisation".into(),
            reason: e.to_string(),
        })
    }

    /// Recommendations for one customer.
    ///
    /// Sections contribute in [`Playbook::priority`] order (default: alert, tier, segment,
    /// quadrant); within an entry its own order is kept. Actions and channels are
    /// deduplicated, keeping the first (highest-priority) occurrence. A key the playbook has
    /// no entry for (e.g. a custom segment name) contributes nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::playbook::{Action, AlertLevel, CustomerContext, Playbook, Tier};
    /// let pb = Playbook::default();
    /// let ctx = CustomerContext { tier: Some(Tier::ChurnRisk), alert: Some(AlertLevel::Red), ..Default::default() };
    /// let rec = pb.recommend(&ctx);
    /// assert_eq!(rec.actions[0], Action::PersonalCallBack);
    /// assert_eq!(rec.matched, ["alerts.red", "tiers.churn risk"]);
    /// // The shared "learn the cause" action is listed once.
    /// assert_eq!(rec.actions.iter().filter(|a| a.as_str().contains("learn the cause")).count(), 1);
    /// ```
    pub fn recommend(&self, customer: &CustomerContext) -> Recommendation {
        let mut rec = Recommendation::default();
        // Linear de-duplication: the texts already listed (a search of the list per action
        // was quadratic: 2e5 actions took over 5 s).
        let mut seen_actions: HashSet<&str> = HashSet::new();
        let mut seen_channels: HashSet<&str> = HashSet::new();
        for section in &self.priority {
            let found: Option<(String, &PlaybookEntry)> = match section {
                PlaybookSection::Alerts => customer
                    .alert
                    .and_then(|a| self.alerts.get(&a).map(|e| (a.as_str().to_owned(), e))),
                PlaybookSection::Tiers => customer
                    .tier
                    .and_then(|t| self.tiers.get(&t).map(|e| (t.as_str().to_owned(), e))),
                PlaybookSection::Segments => customer
                    .segment
                    .as_ref()
                    .and_then(|s| self.segments.get(s).map(|e| (s.clone(), e))),
                PlaybookSection::Quadrants => customer
                    .quadrant
                    .and_then(|q| self.quadrants.get(&q).map(|e| (q.as_str().to_owned(), e))),
            };
            if let Some((key, e)) = found {
                rec.matched.push(format!("{}.{key}", section.as_str()));
                for a in &e.actions {
                    if seen_actions.insert(a.as_str()) {
                        rec.actions.push(a.clone());
                    }
                }
                for c in &e.channels {
                    if seen_channels.insert(c.as_str()) {
                        rec.channels.push(c.clone());
                    }
                }
            }
        }
        rec
    }

    /// Recommendations for many customers, given as optional parallel columns.
    ///
    /// Each column is `None` (not known for anyone) or one optional value per customer; all
    /// given columns must have the same length, which is the number of customers.
    ///
    /// # Errors
    ///
    /// [`CrmkitError::EmptyInput`] (field `playbook inputs`) when no column is given;
    /// [`CrmkitError::LengthMismatch`] naming the first column whose length differs.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::playbook::{AlertLevel, Playbook, Tier};
    /// use crmkit::value::quadrant::ValueQuadrant;
    /// let pb = Playbook::default();
    /// let tiers = [Some(Tier::Potential), None];
    /// let quadrants = [None, Some(ValueQuadrant::Automate)];
    /// let recs = pb.apply(Some(&tiers), None::<&[Option<&str>]>, Some(&quadrants), None)?;
    /// assert_eq!(recs[0].actions[0], "product education");
    /// assert_eq!(recs[1].channels, ["email", "sms"]);
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn apply<S: AsRef<str>>(
        &self,
        tiers: Option<&[Option<Tier>]>,
        segments: Option<&[Option<S>]>,
        quadrants: Option<&[Option<ValueQuadrant>]>,
        alerts: Option<&[Option<AlertLevel>]>,
    ) -> Result<Vec<Recommendation>> {
        let lengths = [
            ("tiers", tiers.map(<[_]>::len)),
            ("segments", segments.map(<[_]>::len)),
            ("quadrants", quadrants.map(<[_]>::len)),
            ("alerts", alerts.map(<[_]>::len)),
        ];
        let Some(n) = lengths.iter().find_map(|(_, l)| *l) else {
            return Err(CrmkitError::empty("playbook inputs"));
        };
        for (field, len) in lengths {
            if let Some(len) = len {
                CrmkitError::check_len(field, n, len)?;
            }
        }
        Ok((0..n)
            .map(|i| {
                let ctx = CustomerContext {
                    tier: tiers.and_then(|c| c.get(i).copied().flatten()),
                    segment: segments.and_then(|c| {
                        c.get(i)
                            .and_then(|s| s.as_ref().map(|s| s.as_ref().to_owned()))
                    }),
                    quadrant: quadrants.and_then(|c| c.get(i).copied().flatten()),
                    alert: alerts.and_then(|c| c.get(i).copied().flatten()),
                };
                self.recommend(&ctx)
            })
            .collect())
    }
}

/// What is known about one customer; every part is optional.
///
/// # Examples
///
/// ```
/// use crmkit::playbook::CustomerContext;
/// let ctx = CustomerContext { segment: Some("champions".into()), ..Default::default() };
/// assert!(ctx.tier.is_none());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerContext {
    /// RFM tier.
    #[serde(default)]
    pub tier: Option<Tier>,
    /// RFM segment name.
    #[serde(default)]
    pub segment: Option<String>,
    /// Value quadrant.
    #[serde(default)]
    pub quadrant: Option<ValueQuadrant>,
    /// Churn alert level.
    #[serde(default)]
    pub alert: Option<AlertLevel>,
}

/// The playbook's answer for one customer.
///
/// # Examples
///
/// ```
/// use crmkit::playbook::{CustomerContext, Playbook};
/// let rec = Playbook::default().recommend(&CustomerContext::default());
/// assert!(rec.actions.is_empty() && rec.matched.is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recommendation {
    /// Actions, deduplicated, in priority order.
    pub actions: Vec<Action>,
    /// Contact channels, deduplicated, in priority order.
    pub channels: Vec<String>,
    /// The entries that fired, as `section.key` (e.g. `"alerts.red"`), in priority order.
    pub matched: Vec<String>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn default_covers_the_brief() {
        let pb = Playbook::default();
        let tier = |t| pb.tiers[&t].clone();
        assert!(
            tier(Tier::HighValue)
                .actions
                .contains(&Action::from(DEDICATED_MANAGER))
        );
        assert!(
            tier(Tier::HighValue)
                .actions
                .contains(&Action::from(CO_CREATION))
        );
        assert_eq!(tier(Tier::HighValue).channels, ["phone", "visit"]);
        assert_eq!(
            tier(Tier::Potential).actions,
            [EDUCATION, CASE_STUDIES, TIERED_INCENTIVES]
        );
        assert_eq!(
            tier(Tier::ChurnRisk).actions,
            [LEARN_CAUSE, FIX_CAUSE, WIN_BACK]
        );
        assert_eq!(tier(Tier::LowValue).channels, ["email", "sms"]);
        assert!(pb.alerts[&AlertLevel::Green].actions.is_empty());
        for q in ValueQuadrant::ALL {
            assert!(pb.quadrants.contains_key(&q));
        }
        // Every segment of the default RFM grid has an entry.
        for s in [
            "champions",
            "loyal",
            "potential loyalist",
            "new",
            "promising",
            "need attention",
            "about to sleep",
            "at risk",
            "cannot lose",
            "hibernating",
        ] {
            assert!(pb.segments.contains_key(s), "{s}");
        }
    }

    #[test]
    fn string_forms_are_stable() {
        let json = serde_json::to_string(&[
            Tier::HighValue,
            Tier::Potential,
            Tier::ChurnRisk,
            Tier::LowValue,
        ])
        .unwrap();
        assert_eq!(
            json,
            r#"["high value","potential","churn risk","low value"]"#
        );
        let json = serde_json::to_string(&[AlertLevel::Red, AlertLevel::Yellow, AlertLevel::Green])
            .unwrap();
        assert_eq!(json, r#"["red","yellow","green"]"#);
        assert!("High Value".parse::<Tier>().is_err());
        assert!("orange".parse::<AlertLevel>().is_err());
        let json = Playbook::default().to_json().unwrap();
        assert!(json.contains("\"high value\""));
        assert!(json.contains("\"deepen\""));
    }

    #[test]
    fn recommend_priority_and_dedup() {
        let pb = Playbook::default();
        let ctx = CustomerContext {
            tier: Some(Tier::HighValue),
            segment: Some("champions".into()),
            quadrant: Some(ValueQuadrant::Deepen),
            alert: Some(AlertLevel::Yellow),
        };
        let rec = pb.recommend(&ctx);
        assert_eq!(
            rec.matched,
            [
                "alerts.yellow",
                "tiers.high value",
                "segments.champions",
                "quadrants.deepen"
            ]
        );
        assert_eq!(
            rec.actions,
            [
                "new_product_trial_voucher",
                DEDICATED_MANAGER,
                PRIORITY_SERVICE,
                CO_CREATION,
                "reward and ask for referrals",
                "early access to new products",
            ]
        );
        assert_eq!(rec.channels, ["email", "sms", "phone", "visit"]);
        // A custom order changes the ranking.
        let mut custom = pb.clone();
        custom.priority = vec![PlaybookSection::Quadrants];
        let rec = custom.recommend(&ctx);
        assert_eq!(rec.actions, [DEDICATED_MANAGER, CO_CREATION]);
        assert_eq!(rec.matched, ["quadrants.deepen"]);
        // Unknown segment contributes nothing.
        let rec = pb.recommend(&CustomerContext {
            segment: Some("vip-2024".into()),
            ..Default::default()
        });
        assert!(rec.actions.is_empty());
    }

    #[test]
    fn json_round_trip_and_errors() {
        let pb = Playbook::default();
        let json = serde_json::to_string(&pb).unwrap();
        let back: Playbook = serde_json::from_str(&json).unwrap();
        assert_eq!(back, pb);
        let cases = [
            ("[1, 2]", "playbook"),
            ("not json", "playbook"),
            (r#"{"tier": {}}"#, "playbook.tier"),
            (r#"{"tiers": []}"#, "playbook.tiers"),
            (r#"{"tiers": {"vip": {}}}"#, "playbook.tiers.vip"),
            (
                r#"{"tiers": {"high value": {"actions": ["x"], "colour": "red"}}}"#,
                "playbook.tiers.high value",
            ),
            (
                r#"{"segments": {"champions": {"actions": "call"}}}"#,
                "playbook.segments.champions",
            ),
            (r#"{"segments": {" ": {}}}"#, "playbook.segments. "),
            (r#"{"quadrants": {"grow": {}}}"#, "playbook.quadrants.grow"),
            (r#"{"alerts": {"orange": {}}}"#, "playbook.alerts.orange"),
            (
                r#"{"alerts": {"red": {"actions": [""]}}}"#,
                "playbook.alerts.red",
            ),
            (
                r#"{"alerts": {"red": {"channels": ["  "]}}}"#,
                "playbook.alerts.red",
            ),
            (r#"{"priority": ["alerts", "moods"]}"#, "playbook.priority"),
            (r#"{"priority": ["alerts", "alerts"]}"#, "playbook.priority"),
        ];
        for (text, field) in cases {
            let err = Playbook::from_json(text).unwrap_err();
            assert!(
                matches!(&err, CrmkitError::InvalidConfig { field: f, .. } if f == field),
                "{text}: {err}"
            );
            // The serde path gives the same checks.
            assert!(serde_json::from_str::<Playbook>(text).is_err());
        }
        // Sections left out are empty; the priority defaults.
        let pb = Playbook::from_json("{}").unwrap();
        assert!(pb.tiers.is_empty());
        assert_eq!(pb.priority, PlaybookSection::DEFAULT_PRIORITY);
    }

    #[test]
    fn apply_columns() {
        let pb = Playbook::default();
        let tiers = [Some(Tier::ChurnRisk), None, Some(Tier::HighValue)];
        let segments = [None, Some("new".to_owned()), None];
        let alerts = [Some(AlertLevel::Green), None, None];
        let recs = pb
            .apply(Some(&tiers), Some(&segments), None, Some(&alerts))
            .unwrap();
        assert_eq!(recs.len(), 3);
        assert_eq!(recs[0].matched, ["alerts.green", "tiers.churn risk"]);
        assert_eq!(recs[0].actions[0], LEARN_CAUSE);
        assert_eq!(recs[1].actions, ["onboarding support", "welcome series"]);
        assert_eq!(recs[2].actions[0], DEDICATED_MANAGER);
        assert!(matches!(
            pb.apply(Some(&tiers[..2]), Some(&segments), None, None),
            Err(CrmkitError::LengthMismatch { ref field, .. }) if field == "segments"
        ));
        assert!(matches!(
            pb.apply(None, None::<&[Option<String>]>, None, None),
            Err(CrmkitError::EmptyInput { .. })
        ));
        let json = serde_json::to_string(&recs).unwrap();
        assert_eq!(
            serde_json::from_str::<Vec<Recommendation>>(&json).unwrap(),
            recs
        );
    }

    fn tier_strategy() -> impl Strategy<Value = Option<Tier>> {
        proptest::option::of(prop_oneof![
            Just(Tier::HighValue),
            Just(Tier::Potential),
            Just(Tier::ChurnRisk),
            Just(Tier::LowValue),
        ])
    }

    fn alert_strategy() -> impl Strategy<Value = Option<AlertLevel>> {
        proptest::option::of(prop_oneof![
            Just(AlertLevel::Red),
            Just(AlertLevel::Yellow),
            Just(AlertLevel::Green),
        ])
    }

    fn quadrant_strategy() -> impl Strategy<Value = Option<ValueQuadrant>> {
        proptest::option::of((0_usize..4).prop_map(|i| ValueQuadrant::ALL[i]))
    }

    proptest! {
        #[test]
        fn recommendations_are_deduplicated_and_cover_entries(
            tier in tier_strategy(),
            alert in alert_strategy(),
            quadrant in quadrant_strategy(),
            segment in proptest::option::of(prop_oneof![Just("champions"), Just("at risk"), Just("custom")]),
        ) {
            let pb = Playbook::default();
            let ctx = CustomerContext { tier, segment: segment.map(str::to_owned), quadrant, alert };
            let rec = pb.recommend(&ctx);
            let mut a = rec.actions.clone();
            a.sort();
            a.dedup();
            prop_assert_eq!(a.len(), rec.actions.len());
            let mut c = rec.channels.clone();
            c.sort();
            c.dedup();
            prop_assert_eq!(c.len(), rec.channels.len());
            // Every action of every matching entry is present.
            if let Some(t) = tier {
                for x in &pb.tiers[&t].actions { prop_assert!(rec.actions.contains(x)); }
            }
            if let Some(q) = quadrant {
                for x in &pb.quadrants[&q].actions { prop_assert!(rec.actions.contains(x)); }
            }
            // The highest-priority entry's actions come first.
            if let Some(al) = alert {
                let first = &pb.alerts[&al].actions;
                prop_assert_eq!(&rec.actions[..first.len()], &first[..]);
            }
        }
    }
}
