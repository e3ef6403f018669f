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
//! [`RfmTier`] and [`AlertLevel`] mirror the RFM tier (plus the "low value" tier of
//! the classic four-tier reading, §3.2) and the churn alert level (§6.2) of the scoring
//! modules, with the same stable string forms (`"high value"`, `"potential"`, `"churn risk"`,
//! `"low value"`; `"red"`, `"yellow"`, `"green"`), so results of those modules convert by name.
//! The value quadrant is [`ValueQuadrant`].

use std::collections::{BTreeMap, HashSet};
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::value::quadrant::ValueQuadrant;
use crate::{CrmkitError, Result};

/// RFM tier of a customer (mirrors the tier of the RFM module).
///
/// # Examples
///
/// ```
/// use crmkit::playbook::RfmTier;
/// assert_eq!(serde_json::to_string(&RfmTier::ChurnRisk).unwrap(), "\"churn risk\"");
/// assert_eq!("high value".parse::<RfmTier>()?, RfmTier::HighValue);
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum RfmTier {
    /// Score ≥ 0.8 (or R, F, M ≥ 4 in the four-tier reading).
    #[serde(rename = "high value")]
    HighValue,
    /// 0.5 ≤ score < 0.8 (or "everyone else" in the four-tier reading).
    #[serde(rename = "potential")]
    Potential,
    /// Score < 0.5 (or R ≤ 2 in the four-tier reading).
    #[serde(rename = "churn risk")]
    ChurnRisk,
    /// Recent but rare and small buyers (four-tier reading only).
    #[serde(rename = "low value")]
    LowValue,
}

impl RfmTier {
    /// The stable string form.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(crmkit::playbook::RfmTier::LowValue.as_str(), "low value");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::HighValue => "high value",
            Self::Potential => "potential",
            Self::ChurnRisk => "churn risk",
            Self::LowValue => "low value",
        }
    }
}

impl FromStr for RfmTier {
    type Err = CrmkitError;
    fn from_str(s: &str) -> Result<Self> {
        [
            Self::HighValue,
            Self::Potential,
            Self::ChurnRisk,
            Self::LowValue,
        ]
        .into_iter()
        .find(|t| t.as_str() == s)
        .ok_or_else(|| {
            CrmkitError::invalid_config(
                "tier",
                s,
                "expected \"high value\", \"potential\", \"churn risk\" or \"low value\"",
            )
        })
    }
}

impl std::fmt::Display for RfmTier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Churn alert level (mirrors the alert level of the churn module: 8–10 red, 5–7 yellow,
/// 1–4 green on the churn risk index).
///
/// # Examples
///
/// ```
/// use crmkit::playbook::AlertLevel;
/// assert_eq!(serde_json::to_string(&AlertLevel::Red).unwrap(), "\"red\"");
/// assert_eq!("green".parse::<AlertLevel>()?, AlertLevel::Green);
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertLevel {
    /// High churn risk.
    Red,
    /// Medium churn risk.
    Yellow,
    /// Low churn risk.
    Green,
}

impl AlertLevel {
    /// The stable string form.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(crmkit::playbook::AlertLevel::Yellow.as_str(), "yellow");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Red => "red",
            Self::Yellow => "yellow",
            Self::Green => "green",
        }
    }
}

impl FromStr for AlertLevel {
    type Err = CrmkitError;
    fn from_str(s: &str) -> Result<Self> {
        [Self::Red, Self::Yellow, Self::Green]
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| {
                CrmkitError::invalid_config("alert", s, "expected \"red\", \"yellow\" or \"green\"")
            })
    }
}

impl std::fmt::Display for AlertLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The four sections of a playbook, as used in the priority order.
///
/// # Examples
///
/// ```
/// use crmkit::playbook::PlaybookSection;
/// assert_eq!(serde_json::to_string(&PlaybookSection::Alerts).unwrap(), "\"alerts\"");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
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
        match self {
            Self::Alerts => "alerts",
            Self::Tiers => "tiers",
            Self::Segments => "segments",
            Self::Quadrants => "quadrants",
        }
    }
}

/// What to do for one key of one section.
///
/// # Examples
///
/// ```
/// use crmkit::playbook::PlaybookEntry;
/// let e = PlaybookEntry::new(&["new-product trial voucher"], &["email"]);
/// assert_eq!(e.actions, ["new-product trial voucher"]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaybookEntry {
    /// Recommended actions, most important first.
    #[serde(default)]
    pub actions: Vec<String>,
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
            actions: actions.iter().map(|s| (*s).to_owned()).collect(),
            channels: channels.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    fn validate(&self, field: &str) -> Result<()> {
        for (list, what) in [(&self.actions, "actions"), (&self.channels, "channels")] {
            if list.iter().any(|s| s.trim().is_empty()) {
                return Err(CrmkitError::invalid_config(
                    field,
                    list,
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
/// use crmkit::playbook::{CustomerContext, Playbook, RfmTier};
/// let pb = Playbook::default();
/// let rec = pb.recommend(&CustomerContext { tier: Some(RfmTier::HighValue), ..Default::default() });
/// assert!(rec.actions.iter().any(|a| a.contains("dedicated account manager")));
/// assert_eq!(rec.channels, ["phone", "visit"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Value")]
pub struct Playbook {
    /// Entries per RFM tier.
    pub tiers: BTreeMap<RfmTier, PlaybookEntry>,
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
                RfmTier::HighValue,
                entry(
                    &[DEDICATED_MANAGER, PRIORITY_SERVICE, CO_CREATION],
                    &["phone", "visit"],
                ),
            ),
            (
                RfmTier::Potential,
                entry(
                    &[EDUCATION, CASE_STUDIES, TIERED_INCENTIVES],
                    &["email", "phone"],
                ),
            ),
            (
                RfmTier::ChurnRisk,
                entry(&[LEARN_CAUSE, FIX_CAUSE, WIN_BACK], &["phone", "email"]),
            ),
            (
                RfmTier::LowValue,
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
                        "personal call-back",
                        "exclusive retention offer",
                        LEARN_CAUSE,
                    ],
                    &["phone"],
                ),
            ),
            (
                AlertLevel::Yellow,
                entry(&["new-product trial voucher"], &["email", "sms"]),
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
    /// use crmkit::playbook::{AlertLevel, CustomerContext, Playbook, RfmTier};
    /// let pb = Playbook::default();
    /// let ctx = CustomerContext { tier: Some(RfmTier::ChurnRisk), alert: Some(AlertLevel::Red), ..Default::default() };
    /// let rec = pb.recommend(&ctx);
    /// assert_eq!(rec.actions[0], "personal call-back");
    /// assert_eq!(rec.matched, ["alerts.red", "tiers.churn risk"]);
    /// // The shared "learn the cause" action is listed once.
    /// assert_eq!(rec.actions.iter().filter(|a| a.contains("learn the cause")).count(), 1);
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
    /// use crmkit::playbook::{AlertLevel, Playbook, RfmTier};
    /// use crmkit::value::quadrant::ValueQuadrant;
    /// let pb = Playbook::default();
    /// let tiers = [Some(RfmTier::Potential), None];
    /// let quadrants = [None, Some(ValueQuadrant::Automate)];
    /// let recs = pb.apply(Some(&tiers), None::<&[Option<&str>]>, Some(&quadrants), None)?;
    /// assert_eq!(recs[0].actions[0], "product education");
    /// assert_eq!(recs[1].channels, ["email", "sms"]);
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn apply<S: AsRef<str>>(
        &self,
        tiers: Option<&[Option<RfmTier>]>,
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
    pub tier: Option<RfmTier>,
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
    pub actions: Vec<String>,
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
            tier(RfmTier::HighValue)
                .actions
                .contains(&DEDICATED_MANAGER.to_owned())
        );
        assert!(
            tier(RfmTier::HighValue)
                .actions
                .contains(&CO_CREATION.to_owned())
        );
        assert_eq!(tier(RfmTier::HighValue).channels, ["phone", "visit"]);
        assert_eq!(
            tier(RfmTier::Potential).actions,
            [EDUCATION, CASE_STUDIES, TIERED_INCENTIVES]
        );
        assert_eq!(
            tier(RfmTier::ChurnRisk).actions,
            [LEARN_CAUSE, FIX_CAUSE, WIN_BACK]
        );
        assert_eq!(tier(RfmTier::LowValue).channels, ["email", "sms"]);
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
            RfmTier::HighValue,
            RfmTier::Potential,
            RfmTier::ChurnRisk,
            RfmTier::LowValue,
        ])
        .unwrap();
        assert_eq!(
            json,
            r#"["high value","potential","churn risk","low value"]"#
        );
        let json = serde_json::to_string(&[AlertLevel::Red, AlertLevel::Yellow, AlertLevel::Green])
            .unwrap();
        assert_eq!(json, r#"["red","yellow","green"]"#);
        assert!("High Value".parse::<RfmTier>().is_err());
        assert!("orange".parse::<AlertLevel>().is_err());
        let json = Playbook::default().to_json().unwrap();
        assert!(json.contains("\"high value\""));
        assert!(json.contains("\"deepen\""));
    }

    #[test]
    fn recommend_priority_and_dedup() {
        let pb = Playbook::default();
        let ctx = CustomerContext {
            tier: Some(RfmTier::HighValue),
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
                "new-product trial voucher",
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
        let tiers = [Some(RfmTier::ChurnRisk), None, Some(RfmTier::HighValue)];
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

    fn tier_strategy() -> impl Strategy<Value = Option<RfmTier>> {
        proptest::option::of(prop_oneof![
            Just(RfmTier::HighValue),
            Just(RfmTier::Potential),
            Just(RfmTier::ChurnRisk),
            Just(RfmTier::LowValue),
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
