//! Customer needs: typed need records, their importance–urgency quadrant, common vs
//! individual need topics per customer group, and open / overdue work per owner.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use crate::data::calendar::Day;
use crate::names::named_enum;
use crate::value::quadrant::{NeedQuadrant, PriorityThresholds};
use crate::{CrmkitError, Result};

/// Default share of a group's customers who must raise a topic for it to be a common need.
///
/// # Examples
///
/// ```
/// assert_eq!(crmkit::needs::DEFAULT_COMMON_NEED_SHARE, 0.5);
/// ```
pub const DEFAULT_COMMON_NEED_SHARE: f64 = 0.5;

named_enum! {
    /// Where a need was captured.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::needs::NeedSource;
    /// assert_eq!(serde_json::to_string(&NeedSource::SalesCall).unwrap(), "\"sales_call\"");
    /// ```
    #[derive(Default, PartialOrd, Ord)]
    #[serde(rename_all = "snake_case")]
    #[strum(serialize_all = "snake_case")]
    pub enum NeedSource parsed as "source" {
        /// A sales call or visit.
        SalesCall,
        /// A service ticket.
        Ticket,
        /// A survey answer.
        Survey,
        /// Anything else (the default).
        #[default]
        Other,
    }
}

named_enum! {
    /// What kind of need it is.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::needs::NeedType;
    /// assert_eq!(serde_json::from_str::<NeedType>("\"experience\"").unwrap(), NeedType::Experience);
    /// ```
    #[derive(PartialOrd, Ord)]
    #[serde(rename_all = "snake_case")]
    #[strum(serialize_all = "snake_case")]
    pub enum NeedType parsed as "type" {
        /// A product feature or capability.
        Product,
        /// Service (support, delivery, training).
        Service,
        /// Price, terms, discounts.
        Price,
        /// The experience of dealing with us.
        Experience,
    }
}

named_enum! {
    /// How far a need has been met.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::needs::NeedStatus;
    /// assert_eq!(serde_json::to_string(&NeedStatus::PartlyMet).unwrap(), "\"partly_met\"");
    /// assert!(NeedStatus::PartlyMet.is_open());
    /// ```
    #[derive(Default, PartialOrd, Ord)]
    #[serde(rename_all = "snake_case")]
    #[strum(serialize_all = "snake_case")]
    pub enum NeedStatus parsed as "status" {
        /// Not met (the default).
        #[default]
        Unmet,
        /// Partly met.
        PartlyMet,
        /// Met.
        Met,
    }
}

impl NeedStatus {
    /// Whether the need still needs work (unmet or partly met).
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!crmkit::needs::NeedStatus::Met.is_open());
    /// ```
    pub fn is_open(self) -> bool {
        self != Self::Met
    }
}

/// One need of one customer.
///
/// `topic` is the normalised subject used to aggregate needs across customers (e.g.
/// `"api access"`; topics are compared exactly, so normalise case and spacing first),
/// `description` the free text. Importance and urgency are scores on a scale of
/// the caller's choice (match the [`PriorityThresholds`]); `completion` is the share done, in
/// [0, 1]. `due` is a calendar [`Day`]. JSON field names are the Rust names, except
/// `need_type`, which is `"type"`; unknown fields are rejected and `source`, `description`,
/// `importance`, `urgency`, `status`, `owner`, `due`, `completion` may be omitted.
///
/// # Examples
///
/// ```
/// use crmkit::needs::{Need, NeedStatus, NeedType};
/// let json = r#"{"customer_id":"CUS-1","topic":"api access","type":"product","importance":0.9,"urgency":0.2,"due":20000}"#;
/// let need: Need = serde_json::from_str(json).unwrap();
/// assert_eq!(need.need_type, NeedType::Product);
/// assert_eq!(need.status, NeedStatus::Unmet);
/// assert!(need.is_overdue(20_001));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Need {
    /// The customer who raised it.
    pub customer_id: String,
    /// Normalised topic, the key of the cross-customer aggregation.
    pub topic: String,
    /// Where it was captured.
    #[serde(default)]
    pub source: NeedSource,
    /// Free-text description.
    #[serde(default)]
    pub description: String,
    /// Product, service, price or experience.
    #[serde(rename = "type")]
    pub need_type: NeedType,
    /// Importance score.
    #[serde(default)]
    pub importance: f64,
    /// Urgency score.
    #[serde(default)]
    pub urgency: f64,
    /// Unmet, partly met or met.
    #[serde(default)]
    pub status: NeedStatus,
    /// Who is responsible (`None` = unassigned).
    #[serde(default)]
    pub owner: Option<String>,
    /// Due date.
    #[serde(default)]
    pub due: Option<Day>,
    /// Share done, in [0, 1].
    #[serde(default)]
    pub completion: f64,
}

impl Need {
    /// A new unmet need with scores 0, no owner, no due date and nothing done.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::needs::{Need, NeedType};
    /// let mut need = Need::new("CUS-1", "faster delivery", NeedType::Service);
    /// need.importance = 0.8;
    /// assert_eq!(need.completion, 0.0);
    /// ```
    pub fn new(
        customer_id: impl Into<String>,
        topic: impl Into<String>,
        need_type: NeedType,
    ) -> Self {
        Self {
            customer_id: customer_id.into(),
            topic: topic.into(),
            source: NeedSource::default(),
            description: String::new(),
            need_type,
            importance: 0.0,
            urgency: 0.0,
            status: NeedStatus::default(),
            owner: None,
            due: None,
            completion: 0.0,
        }
    }

    /// Checks the record; `row` is its position in the caller's list, used in the error.
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidValue`] naming `customer_id` or `topic` (empty), `importance` or
    /// `urgency` (not finite), or `completion` (outside [0, 1]).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::needs::{Need, NeedType};
    /// let mut need = Need::new("CUS-1", "x", NeedType::Price);
    /// need.completion = 1.5;
    /// assert_eq!(need.validate(7).unwrap_err().row(), Some(7));
    /// ```
    pub fn validate(&self, row: usize) -> Result<()> {
        if self.customer_id.trim().is_empty() {
            return Err(CrmkitError::MissingValue {
                field: "customer_id".into(),
                row,
            });
        }
        if self.topic.trim().is_empty() {
            return Err(CrmkitError::MissingValue {
                field: "topic".into(),
                row,
            });
        }
        for (field, v) in [("importance", self.importance), ("urgency", self.urgency)] {
            if !v.is_finite() {
                return Err(CrmkitError::invalid_value(field, row, v, "must be finite"));
            }
        }
        if !(0.0..=1.0).contains(&self.completion) {
            return Err(CrmkitError::invalid_value(
                "completion",
                row,
                self.completion,
                "the share done must lie in [0, 1]",
            ));
        }
        Ok(())
    }

    /// The importance–urgency quadrant (a score ≥ its threshold is high).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::needs::{Need, NeedType};
    /// use crmkit::value::quadrant::{NeedQuadrant, PriorityThresholds};
    /// let mut need = Need::new("CUS-1", "x", NeedType::Price);
    /// need.importance = 0.9;
    /// assert_eq!(need.quadrant(&PriorityThresholds::default()), NeedQuadrant::Schedule);
    /// ```
    pub fn quadrant(&self, thresholds: &PriorityThresholds) -> NeedQuadrant {
        NeedQuadrant::from_scores(self.importance, self.urgency, thresholds)
    }

    /// Whether the need is overdue on `as_of`: it has a due date before `as_of` and is not met.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::needs::{Need, NeedStatus, NeedType};
    /// let mut need = Need::new("CUS-1", "x", NeedType::Price);
    /// need.due = Some(100);
    /// assert!(!need.is_overdue(100));
    /// assert!(need.is_overdue(101));
    /// need.status = NeedStatus::Met;
    /// assert!(!need.is_overdue(101));
    /// ```
    pub fn is_overdue(&self, as_of: Day) -> bool {
        self.status.is_open() && self.due.is_some_and(|due| due < as_of)
    }
}

fn validate_needs(needs: &[Need]) -> Result<()> {
    needs
        .iter()
        .enumerate()
        .try_for_each(|(row, need)| need.validate(row))
}

/// Needs as a sorted work list: quadrant (do now, schedule, delegate, defer), then
/// importance + urgency descending, then input order. Met needs are left out — they need no
/// work.
///
/// # Formula
///
/// As [`crate::value::quadrant::prioritise_needs_by_scores`] on the open needs.
///
/// # Errors
///
/// As [`Need::validate`] (the row is the need's index), and [`CrmkitError::InvalidConfig`] for
/// non-finite thresholds.
///
/// # Examples
///
/// ```
/// use crmkit::needs::{need_work_list, Need, NeedType};
/// use crmkit::value::quadrant::{NeedQuadrant, PriorityThresholds};
/// let a = Need::new("CUS-1", "x", NeedType::Price);
/// let mut b = Need::new("CUS-2", "y", NeedType::Service);
/// (b.importance, b.urgency) = (0.9, 0.9);
/// let list = need_work_list(&[a, b], &PriorityThresholds::default())?;
/// assert_eq!((list[0].row, list[0].quadrant), (1, NeedQuadrant::DoNow));
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
pub fn need_work_list(
    needs: &[Need],
    thresholds: &PriorityThresholds,
) -> Result<Vec<crate::value::quadrant::NeedPriority>> {
    validate_needs(needs)?;
    let importance: Vec<f64> = needs.iter().map(|n| n.importance).collect();
    let urgency: Vec<f64> = needs.iter().map(|n| n.urgency).collect();
    let list =
        crate::value::quadrant::prioritise_needs_by_scores(&importance, &urgency, thresholds)?;
    Ok(list
        .into_iter()
        .filter(|p| needs.get(p.row).is_some_and(|n| n.status.is_open()))
        .collect())
}

named_enum! {
    /// Whether a topic is common to a group or individual.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::needs::NeedScope;
    /// assert_eq!(serde_json::to_string(&NeedScope::Common).unwrap(), "\"common\"");
    /// ```
    #[serde(rename_all = "snake_case")]
    #[strum(serialize_all = "snake_case")]
    pub enum NeedScope parsed as "scope" {
        /// Raised by at least the threshold share of the group's customers.
        Common,
        /// Raised by fewer.
        Individual,
    }
}

/// How widely one topic is raised within one group.
///
/// # Examples
///
/// ```
/// use crmkit::needs::{aggregate_need_topics, Need, NeedScope, NeedType};
/// let needs = [Need::new("a", "api", NeedType::Product)];
/// let rows = aggregate_need_topics(&needs, &["a", "b"], &["retail", "retail"], 0.5)?;
/// assert_eq!((rows[0].share, rows[0].scope), (0.5, NeedScope::Common));
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NeedTopicShare {
    /// The group (industry code, size band, …).
    pub group: String,
    /// The need topic.
    pub topic: String,
    /// Distinct customers of the group who raised the topic.
    pub customers_raising: usize,
    /// Customers in the group (the population given, not only those with needs).
    pub group_customers: usize,
    /// `customers_raising / group_customers`.
    pub share: f64,
    /// Common when `share ≥ threshold`, else individual.
    pub scope: NeedScope,
}

/// Common versus individual need topics per customer group.
///
/// The population is given as parallel slices `customer_ids` / `groups` (every customer once,
/// with its group: an industry code, a size band, any string key), so that customers without
/// any need count in the denominator.
///
/// Rows are sorted by group, then topic; only topics raised at least once in a group appear.
///
/// # Formula
///
/// share(group, topic) = #distinct customers of the group with a need on the topic /
/// #customers of the group; common ⇔ share ≥ `common_threshold` (default
/// [`DEFAULT_COMMON_NEED_SHARE`] = 0.5).
///
/// # Errors
///
/// [`CrmkitError::LengthMismatch`] (field `groups`); [`CrmkitError::InvalidValue`] naming
/// `customer_ids` for a duplicate id, or `customer_id` (with the need's row) for a need of a
/// customer outside the population; [`CrmkitError::InvalidConfig`] naming `common_threshold`
/// unless it lies in (0, 1]; the errors of [`Need::validate`].
///
/// # Examples
///
/// ```
/// use crmkit::needs::{aggregate_need_topics, Need, NeedScope, NeedType};
/// let needs = [
///     Need::new("a", "api", NeedType::Product),
///     Need::new("a", "api", NeedType::Product), // the same customer counts once
///     Need::new("b", "api", NeedType::Product),
///     Need::new("c", "price", NeedType::Price),
/// ];
/// let rows = aggregate_need_topics(&needs, &["a", "b", "c", "d"], &["it", "it", "it", "retail"], 0.5)?;
/// assert_eq!(rows.len(), 2);
/// assert_eq!((rows[0].topic.as_str(), rows[0].customers_raising, rows[0].group_customers), ("api", 2, 3));
/// assert_eq!(rows[0].scope, NeedScope::Common);
/// assert_eq!(rows[1].scope, NeedScope::Individual);
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
pub fn aggregate_need_topics<I: AsRef<str>, G: AsRef<str>>(
    needs: &[Need],
    customer_ids: &[I],
    groups: &[G],
    common_threshold: f64,
) -> Result<Vec<NeedTopicShare>> {
    CrmkitError::check_len("groups", customer_ids.len(), groups.len())?;
    if !(common_threshold > 0.0 && common_threshold <= 1.0) {
        return Err(CrmkitError::invalid_config(
            "common_threshold",
            common_threshold,
            "a share in (0, 1] is needed",
        ));
    }
    validate_needs(needs)?;
    let mut group_of: HashMap<&str, &str> = HashMap::with_capacity(customer_ids.len());
    let mut group_size: BTreeMap<&str, usize> = BTreeMap::new();
    for (row, (id, group)) in customer_ids.iter().zip(groups).enumerate() {
        let id = id.as_ref();
        if group_of.insert(id, group.as_ref()).is_some() {
            return Err(CrmkitError::invalid_value(
                "customer_ids",
                row,
                "(customer id)",
                "duplicate customer id",
            ));
        }
        *group_size.entry(group.as_ref()).or_default() += 1;
    }
    let mut raised: BTreeMap<(&str, &str), BTreeSet<&str>> = BTreeMap::new();
    for (row, need) in needs.iter().enumerate() {
        let id = need.customer_id.as_str();
        let Some(&group) = group_of.get(id) else {
            return Err(CrmkitError::invalid_value(
                "customer_id",
                row,
                "(customer id)",
                "the need's customer is not in `customer_ids`",
            ));
        };
        raised
            .entry((group, need.topic.as_str()))
            .or_default()
            .insert(id);
    }
    Ok(raised
        .into_iter()
        .map(|((group, topic), customers)| {
            let group_customers = group_size.get(group).copied().unwrap_or(0).max(1);
            let share = customers.len() as f64 / group_customers as f64;
            NeedTopicShare {
                group: group.to_owned(),
                topic: topic.to_owned(),
                customers_raising: customers.len(),
                group_customers,
                share,
                scope: if share >= common_threshold {
                    NeedScope::Common
                } else {
                    NeedScope::Individual
                },
            }
        })
        .collect())
}

/// Open work of one owner.
///
/// # Examples
///
/// ```
/// use crmkit::needs::{owner_workload, Need, NeedType};
/// let mut need = Need::new("CUS-1", "x", NeedType::Price);
/// need.owner = Some("team-a".into());
/// let rows = owner_workload(&[need], 0)?;
/// assert_eq!((rows[0].owner.as_deref(), rows[0].unmet), (Some("team-a"), 1));
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerWorkload {
    /// The owner; `None` collects the unassigned needs.
    pub owner: Option<String>,
    /// Needs of this owner in total.
    pub needs: usize,
    /// Needs with status unmet.
    pub unmet: usize,
    /// Needs with status partly met.
    pub partly_met: usize,
    /// Open needs (not met) whose due date is before `as_of`.
    pub overdue: usize,
}

/// Per owner: total, unmet, partly met and overdue needs as of a date.
///
/// Rows are sorted by owner, unassigned (`None`) first.
///
/// # Formula
///
/// overdue ⇔ due < `as_of` and status ≠ met (a need due on `as_of` is not yet overdue).
///
/// # Errors
///
/// The errors of [`Need::validate`], naming the need's row.
///
/// # Examples
///
/// ```
/// use crmkit::needs::{owner_workload, Need, NeedStatus, NeedType};
/// let mut a = Need::new("CUS-1", "x", NeedType::Price);
/// a.owner = Some("ann".into());
/// a.due = Some(10);
/// let mut b = a.clone();
/// b.status = NeedStatus::Met;
/// let rows = owner_workload(&[a, b], 11)?;
/// assert_eq!((rows[0].needs, rows[0].unmet, rows[0].overdue), (2, 1, 1));
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
pub fn owner_workload(needs: &[Need], as_of: Day) -> Result<Vec<OwnerWorkload>> {
    validate_needs(needs)?;
    let mut by_owner: BTreeMap<Option<&str>, OwnerWorkload> = BTreeMap::new();
    for need in needs {
        let owner = need.owner.as_deref();
        let row = by_owner.entry(owner).or_insert_with(|| OwnerWorkload {
            owner: owner.map(str::to_owned),
            needs: 0,
            unmet: 0,
            partly_met: 0,
            overdue: 0,
        });
        row.needs += 1;
        match need.status {
            NeedStatus::Unmet => row.unmet += 1,
            NeedStatus::PartlyMet => row.partly_met += 1,
            NeedStatus::Met => {}
        }
        row.overdue += usize::from(need.is_overdue(as_of));
    }
    Ok(by_owner.into_values().collect())
}

/// Rows of the needs that are overdue on `as_of` (due before `as_of`, not met), in input order.
///
/// # Errors
///
/// The errors of [`Need::validate`].
///
/// # Examples
///
/// ```
/// use crmkit::needs::{overdue_needs, Need, NeedType};
/// let mut a = Need::new("CUS-1", "x", NeedType::Price);
/// a.due = Some(5);
/// let b = Need::new("CUS-2", "y", NeedType::Price); // no due date: never overdue
/// assert_eq!(overdue_needs(&[b, a], 6)?, vec![1]);
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
pub fn overdue_needs(needs: &[Need], as_of: Day) -> Result<Vec<usize>> {
    validate_needs(needs)?;
    Ok(needs
        .iter()
        .enumerate()
        .filter(|(_, n)| n.is_overdue(as_of))
        .map(|(row, _)| row)
        .collect())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::data::calendar::day_from_ymd;
    use proptest::prelude::*;

    fn need(customer: &str, topic: &str) -> Need {
        Need::new(customer, topic, NeedType::Product)
    }

    #[test]
    fn serde_round_trip_and_unknown_fields() {
        let mut n = need("CUS-2024-001", "api access");
        n.source = NeedSource::Ticket;
        n.description = "wants a REST API".into();
        n.importance = 4.0;
        n.urgency = 2.0;
        n.status = NeedStatus::PartlyMet;
        n.owner = Some("solutions".into());
        n.due = Some(day_from_ymd(2024, 6, 30));
        n.completion = 0.4;
        let json = serde_json::to_string(&n).unwrap();
        assert!(json.contains(r#""type":"product""#), "{json}");
        assert!(json.contains(r#""status":"partly_met""#));
        assert_eq!(serde_json::from_str::<Need>(&json).unwrap(), n);
        let bad = json.replace(r#""topic""#, r#""topik""#);
        assert!(serde_json::from_str::<Need>(&bad).is_err());
    }

    #[test]
    fn validation_errors() {
        type Spoil = fn(&mut Need);
        let cases: [(Spoil, &str); 6] = [
            (|n| n.customer_id = " ".into(), "customer_id"),
            (|n| n.topic = String::new(), "topic"),
            (|n| n.importance = f64::NAN, "importance"),
            (|n| n.urgency = f64::INFINITY, "urgency"),
            (|n| n.completion = -0.1, "completion"),
            (|n| n.completion = f64::NAN, "completion"),
        ];
        for (spoil, field) in cases {
            let mut bad = need("a", "t");
            spoil(&mut bad);
            let needs = [need("a", "t"), bad];
            let err = owner_workload(&needs, 0).unwrap_err();
            assert_eq!((err.field(), err.row()), (Some(field), Some(1)));
            assert!(overdue_needs(&needs, 0).is_err());
            assert!(need_work_list(&needs, &PriorityThresholds::default()).is_err());
            assert!(aggregate_need_topics(&needs, &["a"], &["g"], 0.5).is_err());
        }
    }

    #[test]
    fn aggregation_hand_computed() {
        // Industry "it": customers a, b, c, d; "retail": e, f.
        let ids = ["a", "b", "c", "d", "e", "f"];
        let groups = ["it", "it", "it", "it", "retail", "retail"];
        let needs = [
            need("a", "api"),
            need("b", "api"),
            need("b", "api"), // duplicate raise by b
            need("c", "sso"),
            need("e", "api"),
            need("e", "price"),
            need("f", "price"),
        ];
        let rows = aggregate_need_topics(&needs, &ids, &groups, DEFAULT_COMMON_NEED_SHARE).unwrap();
        let got: Vec<(&str, &str, usize, usize, f64, NeedScope)> = rows
            .iter()
            .map(|r| {
                (
                    r.group.as_str(),
                    r.topic.as_str(),
                    r.customers_raising,
                    r.group_customers,
                    r.share,
                    r.scope,
                )
            })
            .collect();
        use NeedScope::*;
        assert_eq!(
            got,
            vec![
                ("it", "api", 2, 4, 0.5, Common),
                ("it", "sso", 1, 4, 0.25, Individual),
                ("retail", "api", 1, 2, 0.5, Common),
                ("retail", "price", 2, 2, 1.0, Common),
            ]
        );
        // A stricter threshold turns 0.5 shares individual.
        let strict = aggregate_need_topics(&needs, &ids, &groups, 0.75).unwrap();
        assert_eq!(strict.iter().filter(|r| r.scope == Common).count(), 1);
    }

    #[test]
    fn aggregation_errors() {
        let needs = [need("a", "api"), need("zz", "api")];
        let err = aggregate_need_topics(&needs, &["a"], &["g"], 0.5).unwrap_err();
        assert!(
            matches!(&err, CrmkitError::InvalidValue { field, row: 1, .. } if field == "customer_id")
        );
        let err = aggregate_need_topics(&needs[..1], &["a", "a"], &["g", "h"], 0.5).unwrap_err();
        assert!(
            matches!(&err, CrmkitError::InvalidValue { field, row: 1, .. } if field == "customer_ids")
        );
        assert!(matches!(
            aggregate_need_topics(&needs[..1], &["a"], &["g", "h"], 0.5),
            Err(CrmkitError::LengthMismatch { .. })
        ));
        for bad in [0.0, 1.01, f64::NAN] {
            let err = aggregate_need_topics(&needs[..1], &["a"], &["g"], bad).unwrap_err();
            assert_eq!(err.field(), Some("common_threshold"));
        }
        assert!(
            aggregate_need_topics(&[], &["a"], &["g"], 0.5)
                .unwrap()
                .is_empty()
        );
        // String ids and groups work too.
        let ids = vec!["a".to_owned()];
        let groups = vec!["g".to_owned()];
        assert_eq!(
            aggregate_need_topics(&needs[..1], &ids, &groups, 1.0).unwrap()[0].share,
            1.0
        );
    }

    #[test]
    fn workload_and_overdue_hand_computed() {
        let as_of = day_from_ymd(2024, 7, 1);
        let mk = |owner: Option<&str>, status, due: Option<Day>| {
            let mut n = need("a", "t");
            n.owner = owner.map(str::to_owned);
            n.status = status;
            n.due = due;
            n
        };
        let needs = [
            mk(Some("bo"), NeedStatus::Unmet, Some(as_of - 1)), // overdue
            mk(Some("bo"), NeedStatus::PartlyMet, Some(as_of - 30)), // overdue
            mk(Some("bo"), NeedStatus::Met, Some(as_of - 30)),  // met: not overdue
            mk(Some("al"), NeedStatus::Unmet, Some(as_of)),     // due today: not overdue
            mk(None, NeedStatus::Unmet, None),
        ];
        let rows = owner_workload(&needs, as_of).unwrap();
        let got: Vec<(Option<&str>, usize, usize, usize, usize)> = rows
            .iter()
            .map(|r| {
                (
                    r.owner.as_deref(),
                    r.needs,
                    r.unmet,
                    r.partly_met,
                    r.overdue,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (None, 1, 1, 0, 0),
                (Some("al"), 1, 1, 0, 0),
                (Some("bo"), 3, 1, 1, 2),
            ]
        );
        assert_eq!(overdue_needs(&needs, as_of).unwrap(), vec![0, 1]);
        let json = serde_json::to_string(&rows).unwrap();
        assert_eq!(
            serde_json::from_str::<Vec<OwnerWorkload>>(&json).unwrap(),
            rows
        );
    }

    #[test]
    fn work_list_skips_met_needs() {
        let mut a = need("a", "t");
        (a.importance, a.urgency) = (0.9, 0.9);
        let mut b = a.clone();
        b.status = NeedStatus::Met;
        let mut c = need("c", "t");
        (c.importance, c.urgency) = (0.9, 0.1);
        let list = need_work_list(&[a, b, c], &PriorityThresholds::default()).unwrap();
        let rows: Vec<(usize, NeedQuadrant)> = list.iter().map(|p| (p.row, p.quadrant)).collect();
        assert_eq!(
            rows,
            vec![(0, NeedQuadrant::DoNow), (2, NeedQuadrant::Schedule)]
        );
    }

    proptest! {
        #[test]
        fn aggregation_invariants(
            raises in proptest::collection::vec((0_usize..8, 0_usize..3), 0..40),
            group_of in proptest::collection::vec(0_usize..3, 8),
            threshold in 0.01_f64..=1.0,
        ) {
            let ids: Vec<String> = (0..8).map(|i| format!("c{i}")).collect();
            let groups: Vec<String> = group_of.iter().map(|g| format!("g{g}")).collect();
            let needs: Vec<Need> = raises.iter().map(|&(c, t)| need(&ids[c], &format!("t{t}"))).collect();
            let rows = aggregate_need_topics(&needs, &ids, &groups, threshold).unwrap();
            for r in &rows {
                prop_assert!(r.share > 0.0 && r.share <= 1.0);
                prop_assert!(r.customers_raising <= r.group_customers);
                prop_assert_eq!(r.scope == NeedScope::Common, r.share >= threshold);
            }
            // Order of the needs does not matter.
            let mut rev = needs.clone();
            rev.reverse();
            prop_assert_eq!(aggregate_need_topics(&rev, &ids, &groups, threshold).unwrap(), rows);
        }
    }
}
