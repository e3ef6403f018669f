//! Named customer segments: rules over the integer (R, F, M) scores.
//!
//! Each customer has three scores in `1..=k` (k = 5 by default), where `k` is always the best
//! value: R = k for the most recent buyers, F = k for the most frequent, M = k for the biggest
//! spenders. A [`SegmentRules`] set is an ordered list of [`SegmentRule`]s; a customer belongs
//! to the segment of the **first** rule whose ranges contain all three scores.
//!
//! A rule set is validated once, when it is built ([`SegmentRules::new`],
//! [`SegmentRules::from_json`] or serde deserialisation), so a value of the type always
//! satisfies these rules:
//!
//! - `k` is in `2..=10` and there is at least one rule;
//! - every segment name is non-empty (not only whitespace);
//! - every range `[lo, hi]` has `1 <= lo <= hi <= k`;
//! - **complete cover**: every one of the k³ score combinations is matched by some rule, so
//!   every customer lands in exactly one segment. A set that does not cover the whole cube
//!   is rejected with an error naming one uncovered combination; the usual fix is a final
//!   catch-all rule without ranges, `{"segment": "others"}`;
//! - **no dead rules**: a rule whose every combination is already matched by earlier rules
//!   could never fire; such a set is almost always a mistake (a rule in the wrong place, a
//!   catch-all before the specific rules) and is rejected with an error naming the rule.
//!
//! Several rules may share a segment name (the segment is then the union of their cells).
//! Segments are identified by a code, the index of the name in [`SegmentRules::names`]
//! (distinct names in order of first appearance). At construction a k³ lookup table from
//! score combination to code is precomputed, so [`SegmentRules::assign_all`] costs one table
//! lookup per customer.
//!
//! # JSON format
//!
//! A rule set is a JSON object with exactly these keys:
//!
//! - `"k"` (optional, default 5): the number of score levels, an integer in `2..=10`;
//! - `"rules"` (required): a non-empty array of rules, tried in order.
//!
//! Each rule is an object with exactly these keys:
//!
//! - `"segment"` (required): the segment name, a non-empty string;
//! - `"r"`, `"f"`, `"m"` (each optional): an inclusive score range written as a two-element
//!   array `[lo, hi]` of integers with `1 <= lo <= hi <= k`. A missing key or `null` means
//!   "any score". A single score s is written `[s, s]`.
//!
//! Unknown keys are an error (a typo such as `"rf"` must not silently widen a rule).
//! [`SegmentRules::to_json`] writes this format back, leaving out missing ranges, and the
//! result reads back to an equal rule set.
//!
//! ```
//! use crmkit::rfm::segments::SegmentRules;
//!
//! let text = r#"{
//!     "k": 5,
//!     "rules": [
//!         {"segment": "champions", "r": [5, 5], "f": [4, 5]},
//!         {"segment": "big spenders", "m": [5, 5]},
//!         {"segment": "lapsed", "r": [1, 2]},
//!         {"segment": "others"}
//!     ]
//! }"#;
//! let rules = SegmentRules::from_json(text)?;
//! assert_eq!(rules.names(), ["champions", "big spenders", "lapsed", "others"]);
//! // (r, f, m) = (5, 5, 1): the first rule matches.
//! assert_eq!(rules.assign(5, 5, 1), Some(0));
//! // (1, 1, 5): both "big spenders" and "lapsed" match; the earlier rule wins.
//! assert_eq!(rules.assign(1, 1, 5), Some(1));
//! assert_eq!(rules.assign(3, 3, 3), Some(3));
//! assert_eq!(SegmentRules::from_json(&rules.to_json())?, rules);
//! # Ok::<(), crmkit::CrmkitError>(())
//! ```

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{CrmkitError, Result};

/// The default number of score levels.
pub const DEFAULT_K: u8 = 5;
/// The smallest allowed number of score levels.
pub const MIN_K: u8 = 2;
/// The largest allowed number of score levels.
pub const MAX_K: u8 = 10;

/// An inclusive range of scores `lo..=hi`.
///
/// Serialises as a two-element JSON array `[lo, hi]`. Whether the bounds fit a rule set's `k`
/// is checked by [`SegmentRules::new`].
///
/// # Examples
///
/// ```
/// use crmkit::rfm::segments::ScoreRange;
///
/// let top_two = ScoreRange::new(4, 5);
/// assert!(top_two.contains(4) && top_two.contains(5) && !top_two.contains(3));
/// assert_eq!(serde_json::to_string(&top_two).unwrap(), "[4,5]");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "Vec<u8>", into = "(u8, u8)")]
pub struct ScoreRange {
    /// Lowest score in the range (inclusive).
    pub lo: u8,
    /// Highest score in the range (inclusive).
    pub hi: u8,
}

impl ScoreRange {
    /// The range `lo..=hi`.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::rfm::segments::ScoreRange;
    /// assert_eq!(ScoreRange::new(1, 2), ScoreRange { lo: 1, hi: 2 });
    /// ```
    pub const fn new(lo: u8, hi: u8) -> Self {
        Self { lo, hi }
    }

    /// Whether `score` lies in the range.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::rfm::segments::ScoreRange;
    /// assert!(ScoreRange::new(3, 3).contains(3));
    /// assert!(!ScoreRange::new(3, 3).contains(4));
    /// ```
    pub const fn contains(&self, score: u8) -> bool {
        self.lo <= score && score <= self.hi
    }
}

impl TryFrom<Vec<u8>> for ScoreRange {
    type Error = String;

    fn try_from(bounds: Vec<u8>) -> Result<Self, String> {
        match bounds[..] {
            [lo, hi] => Ok(Self { lo, hi }),
            _ => Err(format!(
                "a score range is a two-element array [lo, hi], found {} element(s)",
                bounds.len()
            )),
        }
    }
}

impl From<(u8, u8)> for ScoreRange {
    fn from((lo, hi): (u8, u8)) -> Self {
        Self { lo, hi }
    }
}

impl From<ScoreRange> for (u8, u8) {
    fn from(range: ScoreRange) -> Self {
        (range.lo, range.hi)
    }
}

/// One rule of a rule set: a segment name and a range for each score (`None` = any score).
///
/// # Examples
///
/// ```
/// use crmkit::rfm::segments::{ScoreRange, SegmentRule};
///
/// let rule: SegmentRule =
///     serde_json::from_str(r#"{"segment": "champions", "r": [5, 5], "f": [4, 5]}"#).unwrap();
/// assert_eq!(rule.f, Some(ScoreRange::new(4, 5)));
/// assert_eq!(rule.m, None);
/// assert!(rule.matches(5, 4, 1));
/// assert!(!rule.matches(4, 4, 1));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentRule {
    /// The segment a matching customer belongs to.
    pub segment: String,
    /// Range of the recency score (k = most recent); `None` matches any score.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r: Option<ScoreRange>,
    /// Range of the frequency score (k = most frequent); `None` matches any score.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub f: Option<ScoreRange>,
    /// Range of the monetary score (k = highest spend); `None` matches any score.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub m: Option<ScoreRange>,
}

impl SegmentRule {
    /// Whether the rule matches the scores `(r, f, m)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::rfm::segments::SegmentRule;
    /// let others = SegmentRule { segment: "others".into(), r: None, f: None, m: None };
    /// assert!(others.matches(1, 2, 3));
    /// ```
    pub fn matches(&self, r: u8, f: u8, m: u8) -> bool {
        let fits = |range: Option<ScoreRange>, score: u8| range.is_none_or(|x| x.contains(score));
        fits(self.r, r) && fits(self.f, f) && fits(self.m, m)
    }
}

/// The serialised form of [`SegmentRules`]; deserialising goes through validation.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SegmentRulesSpec {
    #[serde(default = "default_k")]
    k: u8,
    rules: Vec<SegmentRule>,
}

fn default_k() -> u8 {
    DEFAULT_K
}

/// A validated, ordered set of segment rules over scores `1..=k`, with its lookup table.
///
/// See the [module documentation](self) for the rules' meaning, the validation and the JSON
/// format. Serde (de)serialises the same JSON format; deserialising validates.
///
/// # Examples
///
/// ```
/// use crmkit::rfm::segments::SegmentRules;
///
/// let grid = SegmentRules::rf_grid();
/// let codes = grid.assign_all(&[5, 3, 1], &[4, 3, 5], &[1, 1, 1])?;
/// let names: Vec<&str> = codes.iter().map(|&c| grid.names()[usize::from(c)].as_str()).collect();
/// assert_eq!(names, ["champions", "need attention", "cannot lose"]);
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "SegmentRulesSpec", into = "SegmentRulesSpec")]
pub struct SegmentRules {
    k: u8,
    rules: Vec<SegmentRule>,
    names: Vec<String>,
    /// Segment code of each score combination, at index `((r-1)·k + (f-1))·k + (m-1)`.
    table: Vec<u16>,
}

impl TryFrom<SegmentRulesSpec> for SegmentRules {
    type Error = CrmkitError;

    fn try_from(spec: SegmentRulesSpec) -> Result<Self> {
        Self::new(spec.k, spec.rules)
    }
}

impl From<SegmentRules> for SegmentRulesSpec {
    fn from(rules: SegmentRules) -> Self {
        Self {
            k: rules.k,
            rules: rules.rules,
        }
    }
}

impl Default for SegmentRules {
    /// The recency × frequency grid, [`SegmentRules::rf_grid`].
    fn default() -> Self {
        Self::rf_grid()
    }
}

/// First-match evaluation of a rule set over the whole k³ cube, in table order.
struct Compiled {
    /// The scores `[r, f, m]` of each cell.
    cells: Vec<[u8; 3]>,
    /// Index of the first matching rule per cell, `None` where no rule matches.
    first_rule: Vec<Option<usize>>,
}

impl Compiled {
    fn new(k: u8, rules: &[SegmentRule]) -> Self {
        let mut cells = Vec::with_capacity(usize::from(k).pow(3));
        for r in 1..=k {
            for f in 1..=k {
                for m in 1..=k {
                    cells.push([r, f, m]);
                }
            }
        }
        let first_rule = cells
            .iter()
            .map(|&[r, f, m]| rules.iter().position(|rule| rule.matches(r, f, m)))
            .collect();
        Self { cells, first_rule }
    }
}

fn range_text(range: Option<ScoreRange>) -> String {
    range.map_or_else(|| "any".to_owned(), |x| format!("{}-{}", x.lo, x.hi))
}

impl SegmentRules {
    /// Validates a rule set over scores `1..=k` and precomputes its lookup table.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::rfm::segments::{ScoreRange, SegmentRule, SegmentRules};
    ///
    /// let rules = SegmentRules::new(3, vec![
    ///     SegmentRule {
    ///         segment: "best".into(),
    ///         r: Some(ScoreRange::new(3, 3)),
    ///         f: None,
    ///         m: None,
    ///     },
    ///     SegmentRule { segment: "rest".into(), r: None, f: None, m: None },
    /// ])?;
    /// assert_eq!(rules.assign(3, 1, 1), Some(0));
    /// assert_eq!(rules.assign(2, 3, 3), Some(1));
    /// // Without the catch-all, (r, f, m) = (1, 1, 1) would land nowhere.
    /// let err = SegmentRules::new(3, rules.rules()[..1].to_vec()).unwrap_err();
    /// assert!(err.to_string().contains("r=1, f=1, m=1"));
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidConfig`] naming the field when
    /// - `k` is outside `2..=10` (field `k`);
    /// - the rule list is empty (field `rules`);
    /// - a segment name is empty or only whitespace (field `rules[i].segment`);
    /// - a range has `lo > hi`, `lo < 1` or `hi > k` (field `rules[i].r`, `.f` or `.m`);
    /// - a rule is shadowed completely by earlier rules, so it can never match (field
    ///   `rules[i]`, the message names the shadowing rules);
    /// - some score combination matches no rule (field `rules`, the message names one such
    ///   combination and suggests a final catch-all rule `{"segment": "others"}`).
    pub fn new(k: u8, rules: Vec<SegmentRule>) -> Result<Self> {
        if !(MIN_K..=MAX_K).contains(&k) {
            return Err(CrmkitError::invalid_config(
                "k",
                k,
                format!("the number of score levels must be in {MIN_K}..={MAX_K}"),
            ));
        }
        if rules.is_empty() {
            return Err(CrmkitError::invalid_config(
                "rules",
                "[]",
                "at least one rule is needed, e.g. [{\"segment\": \"all\"}]",
            ));
        }
        for (i, rule) in rules.iter().enumerate() {
            if rule.segment.trim().is_empty() {
                return Err(CrmkitError::invalid_config(
                    format!("rules[{i}].segment"),
                    &rule.segment,
                    "the segment name must not be empty",
                ));
            }
            for (name, range) in [("r", rule.r), ("f", rule.f), ("m", rule.m)] {
                let Some(range) = range else { continue };
                let reason = if range.lo > range.hi {
                    "lo must be <= hi in [lo, hi]".to_owned()
                } else if range.lo < 1 || range.hi > k {
                    format!("scores run from 1 to k = {k}")
                } else {
                    continue;
                };
                return Err(CrmkitError::invalid_config(
                    format!("rules[{i}].{name}"),
                    [range.lo, range.hi],
                    reason,
                ));
            }
        }

        let compiled = Compiled::new(k, &rules);
        let mut cells_per_rule = vec![0_usize; rules.len()];
        for &rule in compiled.first_rule.iter().flatten() {
            cells_per_rule[rule] += 1;
        }
        if let Some(dead) = cells_per_rule.iter().position(|&n| n == 0) {
            return Err(Self::dead_rule_error(&rules, &compiled, dead));
        }
        let uncovered: Vec<[u8; 3]> = compiled
            .cells
            .iter()
            .zip(&compiled.first_rule)
            .filter(|(_, first)| first.is_none())
            .map(|(&cell, _)| cell)
            .collect();
        if let Some(&[r, f, m]) = uncovered.first() {
            let others = match uncovered.len() - 1 {
                0 => String::new(),
                n => format!(" and {n} other combination(s)"),
            };
            return Err(CrmkitError::invalid_config(
                "rules",
                format!("{} rules", rules.len()),
                format!(
                    "no rule matches the scores r={r}, f={f}, m={m}{others}; every \
                     combination of scores from 1 to {k} must land in a segment: add a final \
                     catch-all rule such as {{\"segment\": \"others\"}}"
                ),
            ));
        }
        Ok(Self::from_compiled(k, rules, &compiled))
    }

    fn dead_rule_error(rules: &[SegmentRule], compiled: &Compiled, dead: usize) -> CrmkitError {
        let rule = &rules[dead];
        let mut shadowing: Vec<usize> = compiled
            .cells
            .iter()
            .zip(&compiled.first_rule)
            .filter(|&(&[r, f, m], _)| rule.matches(r, f, m))
            .filter_map(|(_, &first)| first)
            .collect();
        shadowing.sort_unstable();
        shadowing.dedup();
        let by: Vec<String> = shadowing
            .iter()
            .map(|&i| format!("rules[{i}] {:?}", rules[i].segment))
            .collect();
        CrmkitError::invalid_config(
            format!("rules[{dead}]"),
            format!(
                "{} (r {}, f {}, m {})",
                rule.segment,
                range_text(rule.r),
                range_text(rule.f),
                range_text(rule.m)
            ),
            format!(
                "the rule can never match: every score combination it covers is matched first \
                 by {}; remove it or move it before the rules that shadow it",
                by.join(", ")
            ),
        )
    }

    /// Builds the names and the code table from a first-match evaluation. Cells without a
    /// matching rule (impossible after validation) get the last rule's code.
    fn from_compiled(k: u8, rules: Vec<SegmentRule>, compiled: &Compiled) -> Self {
        let mut names: Vec<String> = Vec::new();
        let mut index: HashMap<&str, u16> = HashMap::new();
        let mut rule_code: Vec<u16> = Vec::with_capacity(rules.len());
        for rule in &rules {
            let code = *index.entry(rule.segment.as_str()).or_insert_with(|| {
                names.push(rule.segment.clone());
                // At most k³ <= 1000 rules survive the dead-rule check.
                u16::try_from(names.len() - 1).unwrap_or(u16::MAX)
            });
            rule_code.push(code);
        }
        let last = rule_code.last().copied().unwrap_or(0);
        let table = compiled
            .first_rule
            .iter()
            .map(|first| {
                first
                    .and_then(|i| rule_code.get(i).copied())
                    .unwrap_or(last)
            })
            .collect();
        Self {
            k,
            rules,
            names,
            table,
        }
    }

    /// Builds one of the crate's own rule sets; their validity is checked by the tests.
    fn builtin(rules: Vec<SegmentRule>) -> Self {
        let compiled = Compiled::new(DEFAULT_K, &rules);
        Self::from_compiled(DEFAULT_K, rules, &compiled)
    }

    /// Reads a rule set from JSON (format in the [module documentation](self)) and validates it.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::rfm::segments::SegmentRules;
    ///
    /// let rules = SegmentRules::from_json(
    ///     r#"{"rules": [{"segment": "recent", "r": [4, 5]}, {"segment": "others"}]}"#,
    /// )?;
    /// assert_eq!(rules.k(), 5);
    /// assert_eq!(rules.assign(4, 1, 1), Some(0));
    /// assert!(SegmentRules::from_json(r#"{"rules": [{"segment": "x", "rf": [1, 2]}]}"#).is_err());
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidConfig`] with field `segment_rules` and the parser's message for
    /// malformed JSON, unknown keys, missing `rules` or `segment`, or values of the wrong
    /// type; otherwise the errors of [`SegmentRules::new`].
    pub fn from_json(text: &str) -> Result<Self> {
        let spec: SegmentRulesSpec = serde_json::from_str(text).map_err(|e| {
            let excerpt: String = text.chars().take(60).collect();
            let excerpt = if excerpt.len() < text.len() {
                format!("{excerpt}…")
            } else {
                excerpt
            };
            CrmkitError::invalid_config(
                "segment_rules",
                excerpt,
                format!("not a valid rule set: {e}"),
            )
        })?;
        Self::new(spec.k, spec.rules)
    }

    /// Writes the rule set as compact JSON (format in the [module documentation](self)); the
    /// text reads back with [`SegmentRules::from_json`] to an equal rule set.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::rfm::segments::SegmentRules;
    ///
    /// let json = SegmentRules::four_tier().to_json();
    /// assert!(json.starts_with(r#"{"k":5,"rules":[{"segment":"high value","r":[4,5]"#));
    /// assert_eq!(SegmentRules::from_json(&json)?, SegmentRules::four_tier());
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn to_json(&self) -> String {
        // Written by hand so that writing cannot fail and keys keep the documented order;
        // the tests check that it equals the serde form.
        let mut json = format!("{{\"k\":{},\"rules\":[", self.k);
        for (i, rule) in self.rules.iter().enumerate() {
            if i > 0 {
                json.push(',');
            }
            // A JSON string `Value` displays as the escaped, quoted string.
            json.push_str(&format!(
                "{{\"segment\":{}",
                Value::from(rule.segment.as_str())
            ));
            for (name, range) in [("r", rule.r), ("f", rule.f), ("m", rule.m)] {
                if let Some(x) = range {
                    json.push_str(&format!(",\"{name}\":[{},{}]", x.lo, x.hi));
                }
            }
            json.push('}');
        }
        json.push_str("]}");
        json
    }

    /// The default rule set: the recency × frequency grid most analysts use (k = 5, M ignored).
    ///
    /// | segment | R | F |
    /// | --- | --- | --- |
    /// | champions | 5 | 4–5 |
    /// | loyal | 3–4 | 4–5 |
    /// | potential loyalist | 4–5 | 2–3 |
    /// | new | 5 | 1 |
    /// | promising | 4 | 1 |
    /// | need attention | 3 | 3 |
    /// | about to sleep | 3 | 1–2 |
    /// | at risk | 1–2 | 3–4 |
    /// | cannot lose | 1–2 | 5 |
    /// | hibernating | 1–2 | 1–2 |
    ///
    /// The ten cells partition the 5 × 5 grid, so no catch-all is needed.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::rfm::segments::SegmentRules;
    /// let grid = SegmentRules::rf_grid();
    /// assert_eq!(grid.names().len(), 10);
    /// assert_eq!(grid.names()[usize::from(grid.assign(5, 4, 2).unwrap())], "champions");
    /// ```
    pub fn rf_grid() -> Self {
        Self::builtin(vec![
            rule("champions", (5, 5), (4, 5), None),
            rule("loyal", (3, 4), (4, 5), None),
            rule("potential loyalist", (4, 5), (2, 3), None),
            rule("new", (5, 5), (1, 1), None),
            rule("promising", (4, 4), (1, 1), None),
            rule("need attention", (3, 3), (3, 3), None),
            rule("about to sleep", (3, 3), (1, 2), None),
            rule("at risk", (1, 2), (3, 4), None),
            rule("cannot lose", (1, 2), (5, 5), None),
            rule("hibernating", (1, 2), (1, 2), None),
        ])
    }

    /// The second built-in set, over all three scores (k = 5, first match wins):
    ///
    /// | segment | R | F | M |
    /// | --- | --- | --- | --- |
    /// | champions | 5 | 5 | 5 |
    /// | potential loyalist | 3–5 | 3–5 | 2–5 |
    /// | loyal | 2–4 | 2–4 | 2–4 |
    /// | promising | 3–4 | 1–3 | 3–5 |
    /// | new | 4–5 | 1–3 | 1–5 |
    /// | cannot lose | 1–2 | 3–4 | 4–5 |
    /// | at risk | 1–2 | 2–5 | 4–5 |
    /// | need attention | 1–3 | 3–5 | 3–5 |
    /// | about to sleep | 2–3 | 1–3 | 1–4 |
    /// | lost | 1 | 1–5 | 1–5 |
    /// | others | any | any | any |
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::rfm::segments::SegmentRules;
    /// let rfm = SegmentRules::rfm_classic();
    /// assert_eq!(rfm.names()[usize::from(rfm.assign(5, 5, 5).unwrap())], "champions");
    /// assert_eq!(rfm.names()[usize::from(rfm.assign(2, 1, 5).unwrap())], "others");
    /// ```
    pub fn rfm_classic() -> Self {
        Self::builtin(vec![
            rule("champions", (5, 5), (5, 5), Some((5, 5))),
            rule("potential loyalist", (3, 5), (3, 5), Some((2, 5))),
            rule("loyal", (2, 4), (2, 4), Some((2, 4))),
            rule("promising", (3, 4), (1, 3), Some((3, 5))),
            rule("new", (4, 5), (1, 3), Some((1, 5))),
            rule("cannot lose", (1, 2), (3, 4), Some((4, 5))),
            rule("at risk", (1, 2), (2, 5), Some((4, 5))),
            rule("need attention", (1, 3), (3, 5), Some((3, 5))),
            rule("about to sleep", (2, 3), (1, 3), Some((1, 4))),
            rule("lost", (1, 1), (1, 5), Some((1, 5))),
            catch_all("others"),
        ])
    }

    /// The classic four-tier CRM reading (k = 5, first match wins):
    ///
    /// | segment | R | F | M | reading |
    /// | --- | --- | --- | --- | --- |
    /// | high value | ≥ 4 | ≥ 4 | ≥ 4 | recent, frequent, big |
    /// | low value | ≥ 4 | ≤ 2 | ≤ 2 | recent but rare and small |
    /// | churn risk | ≤ 2 | ≤ 2 | ≤ 2 | all three low: long gone, rare and small |
    /// | potential | any | any | any | everyone else: a base to develop |
    ///
    /// A long-gone customer who bought often or much (R ≤ 2 with F or M ≥ 3) is "potential"
    /// here, not churn risk: the reading asks for all three scores to be low. The layered
    /// reading of the score ([`crate::rfm::tiers::LayeredThresholds`]) is the other four-tier
    /// reading.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::rfm::segments::SegmentRules;
    /// let tiers = SegmentRules::four_tier();
    /// assert_eq!(tiers.names(), ["high value", "low value", "churn risk", "potential"]);
    /// assert_eq!(tiers.assign(2, 1, 2), Some(2));
    /// assert_eq!(tiers.assign(2, 5, 5), Some(3));
    /// ```
    pub fn four_tier() -> Self {
        Self::builtin(vec![
            rule("high value", (4, 5), (4, 5), Some((4, 5))),
            rule("low value", (4, 5), (1, 2), Some((1, 2))),
            rule("churn risk", (1, 2), (1, 2), Some((1, 2))),
            catch_all("potential"),
        ])
    }

    /// The number of score levels: scores run over `1..=k`.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::rfm::segments::SegmentRules;
    /// assert_eq!(SegmentRules::rf_grid().k(), 5);
    /// ```
    pub fn k(&self) -> u8 {
        self.k
    }

    /// The rules, in the order they are tried.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::rfm::segments::SegmentRules;
    /// assert_eq!(SegmentRules::four_tier().rules()[3].segment, "potential");
    /// ```
    pub fn rules(&self) -> &[SegmentRule] {
        &self.rules
    }

    /// The distinct segment names, in order of first appearance in the rules; a segment code
    /// is an index into this list.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::rfm::segments::SegmentRules;
    /// let rules = SegmentRules::from_json(
    ///     r#"{"k": 2, "rules": [{"segment": "a", "r": [2, 2]}, {"segment": "b", "f": [2, 2]},
    ///                          {"segment": "a"}]}"#,
    /// )?;
    /// assert_eq!(rules.names(), ["a", "b"]);
    /// assert_eq!(rules.assign(1, 1, 1), Some(0));
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The segment code (index into [`names`](Self::names)) of one customer's scores; `None`
    /// only when a score is outside `1..=k`.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::rfm::segments::SegmentRules;
    /// let grid = SegmentRules::rf_grid();
    /// assert_eq!(grid.assign(3, 3, 1), Some(5)); // "need attention"
    /// assert_eq!(grid.assign(0, 3, 1), None);
    /// assert_eq!(grid.assign(3, 3, 6), None);
    /// ```
    #[inline]
    pub fn assign(&self, r: u8, f: u8, m: u8) -> Option<u16> {
        let k = self.k;
        let level = |score: u8| (1..=k).contains(&score).then(|| usize::from(score - 1));
        let k = usize::from(k);
        let index = (level(r)? * k + level(f)?) * k + level(m)?;
        self.table.get(index).copied()
    }

    /// The segment codes of many customers, one table lookup each.
    ///
    /// An empty input gives an empty result.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::rfm::segments::SegmentRules;
    /// let tiers = SegmentRules::four_tier();
    /// assert_eq!(tiers.assign_all(&[5, 5, 2, 3], &[5, 1, 2, 3], &[5, 1, 1, 3])?, [0, 1, 2, 3]);
    /// let err = tiers.assign_all(&[5, 5], &[5, 0], &[5, 1]).unwrap_err();
    /// assert_eq!(err.to_string(), "invalid `f_score` at row 1: 0 (scores run from 1 to k = 5)");
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// - [`CrmkitError::LengthMismatch`] when `f` or `m` is not as long as `r`;
    /// - [`CrmkitError::InvalidValue`] naming the field (`r_score`, `f_score` or `m_score`),
    ///   the row and the value of the first score outside `1..=k`.
    pub fn assign_all(&self, r: &[u8], f: &[u8], m: &[u8]) -> Result<Vec<u16>> {
        CrmkitError::check_len("f_score", r.len(), f.len())?;
        CrmkitError::check_len("m_score", r.len(), m.len())?;
        let mut codes = Vec::with_capacity(r.len());
        for (row, ((&rs, &fs), &ms)) in r.iter().zip(f).zip(m).enumerate() {
            match self.assign(rs, fs, ms) {
                Some(code) => codes.push(code),
                None => return Err(self.score_error(row, rs, fs, ms)),
            }
        }
        Ok(codes)
    }

    fn score_error(&self, row: usize, r: u8, f: u8, m: u8) -> CrmkitError {
        let k = self.k;
        let (field, value) = [("r_score", r), ("f_score", f), ("m_score", m)]
            .into_iter()
            .find(|&(_, s)| !(1..=k).contains(&s))
            .unwrap_or(("r_score", r));
        CrmkitError::invalid_value(field, row, value, format!("scores run from 1 to k = {k}"))
    }

    /// The number of customers per segment, in the order of [`names`](Self::names).
    ///
    /// Codes that are not an index into `names()` (never produced by
    /// [`assign_all`](Self::assign_all)) are not counted, so the counts sum to less than
    /// `codes.len()` exactly when such codes are present.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::rfm::segments::SegmentRules;
    /// let tiers = SegmentRules::four_tier();
    /// assert_eq!(tiers.rule_counts(&[0, 3, 3, 2]), [1, 0, 1, 2]);
    /// ```
    pub fn rule_counts(&self, codes: &[u16]) -> Vec<usize> {
        let mut counts = vec![0_usize; self.names.len()];
        for &code in codes {
            if let Some(count) = counts.get_mut(usize::from(code)) {
                *count += 1;
            }
        }
        counts
    }
}

fn rule(segment: &str, r: (u8, u8), f: (u8, u8), m: Option<(u8, u8)>) -> SegmentRule {
    SegmentRule {
        segment: segment.to_owned(),
        r: Some(r.into()),
        f: Some(f.into()),
        m: m.map(Into::into),
    }
}

fn catch_all(segment: &str) -> SegmentRule {
    SegmentRule {
        segment: segment.to_owned(),
        r: None,
        f: None,
        m: None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn name_of(rules: &SegmentRules, r: u8, f: u8, m: u8) -> &str {
        rules.names()[usize::from(rules.assign(r, f, m).unwrap())].as_str()
    }

    fn config_field(result: Result<SegmentRules>) -> String {
        match result {
            Err(CrmkitError::InvalidConfig { field, .. }) => field,
            other => panic!("expected InvalidConfig, got {other:?}"),
        }
    }

    fn range(lo: u8, hi: u8) -> Option<ScoreRange> {
        Some(ScoreRange::new(lo, hi))
    }

    fn builtins() -> [SegmentRules; 3] {
        [
            SegmentRules::rf_grid(),
            SegmentRules::rfm_classic(),
            SegmentRules::four_tier(),
        ]
    }

    /// The built-ins bypass `new`; this checks that they pass its validation (complete
    /// cover, no dead rule) and that the lookup table is what `new` builds.
    #[test]
    fn builtins_pass_validation() {
        for builtin in builtins() {
            let validated = SegmentRules::new(builtin.k(), builtin.rules().to_vec()).unwrap();
            assert_eq!(validated, builtin);
        }
        assert_eq!(SegmentRules::default(), SegmentRules::rf_grid());
    }

    /// Expected: the recency × frequency table of `rf_grid`'s documentation, transcribed by hand into a grid
    /// (rows R = 5..1, columns F = 1..5); M must not matter. Exact.
    #[test]
    fn rf_grid_matches_spec_table() {
        let grid = [
            [
                "new",
                "potential loyalist",
                "potential loyalist",
                "champions",
                "champions",
            ],
            [
                "promising",
                "potential loyalist",
                "potential loyalist",
                "loyal",
                "loyal",
            ],
            [
                "about to sleep",
                "about to sleep",
                "need attention",
                "loyal",
                "loyal",
            ],
            [
                "hibernating",
                "hibernating",
                "at risk",
                "at risk",
                "cannot lose",
            ],
            [
                "hibernating",
                "hibernating",
                "at risk",
                "at risk",
                "cannot lose",
            ],
        ];
        let rules = SegmentRules::rf_grid();
        for (row, r) in grid.iter().zip((1..=5).rev()) {
            for (expected, f) in row.iter().zip(1..=5) {
                for m in 1..=5 {
                    assert_eq!(name_of(&rules, r, f, m), *expected, "r={r} f={f} m={m}");
                }
            }
        }
        assert_eq!(name_of(&rules, 5, 4, 1), "champions");
        assert_eq!(name_of(&rules, 3, 3, 3), "need attention");
        assert_eq!(name_of(&rules, 1, 5, 2), "cannot lose");
        assert_eq!(
            rules.names(),
            [
                "champions",
                "loyal",
                "potential loyalist",
                "new",
                "promising",
                "need attention",
                "about to sleep",
                "at risk",
                "cannot lose",
                "hibernating"
            ]
        );
    }

    /// Expected: first match over the R/F/M ranges listed in `rfm_classic`'s documentation, worked by hand per cell. Exact.
    #[test]
    fn rfm_classic_matches_spec() {
        let rules = SegmentRules::rfm_classic();
        let cases = [
            ((5, 5, 5), "champions"),
            ((4, 4, 4), "potential loyalist"),
            ((5, 3, 1), "new"),    // potential loyalist needs M >= 2
            ((5, 5, 1), "others"), // and new needs F <= 3
            ((2, 2, 2), "loyal"),
            ((3, 1, 3), "promising"),
            ((5, 1, 1), "new"),
            ((1, 3, 4), "cannot lose"),
            ((1, 2, 5), "at risk"),
            ((1, 5, 3), "need attention"),
            ((2, 1, 1), "about to sleep"),
            ((3, 3, 1), "about to sleep"),
            ((1, 1, 1), "lost"),
            ((2, 1, 5), "others"),
        ];
        for ((r, f, m), expected) in cases {
            assert_eq!(name_of(&rules, r, f, m), expected, "r={r} f={f} m={m}");
        }
        assert_eq!(rules.names().len(), 11);
        assert_eq!(rules.names().last().unwrap(), "others");
    }

    /// Expected: the four-tier reading listed in `four_tier`'s documentation, worked by hand per cell. Exact.
    #[test]
    fn four_tier_matches_spec() {
        let rules = SegmentRules::four_tier();
        let cases = [
            ((5, 5, 5), "high value"),
            ((4, 4, 4), "high value"),
            ((5, 1, 1), "low value"),
            ((4, 2, 2), "low value"),
            ((2, 2, 2), "churn risk"),
            ((1, 1, 1), "churn risk"),
            ((2, 5, 5), "potential"),
            ((1, 3, 1), "potential"),
            ((2, 1, 3), "potential"),
            ((3, 3, 3), "potential"),
            ((4, 4, 3), "potential"),
            ((4, 3, 2), "potential"),
            ((3, 5, 5), "potential"),
        ];
        for ((r, f, m), expected) in cases {
            assert_eq!(name_of(&rules, r, f, m), expected, "r={r} f={f} m={m}");
        }
    }

    #[test]
    fn json_round_trip() {
        for builtin in builtins() {
            let json = builtin.to_json();
            assert_eq!(json, serde_json::to_string(&builtin).unwrap());
            assert_eq!(SegmentRules::from_json(&json).unwrap(), builtin);
            assert_eq!(
                serde_json::from_str::<SegmentRules>(&json).unwrap(),
                builtin
            );
        }
        let rules = SegmentRules::from_json(
            r#"{"rules": [{"segment": "top", "r": [5, 5], "f": null}, {"segment": "rest"}]}"#,
        )
        .unwrap();
        assert_eq!(rules.k(), DEFAULT_K);
        assert_eq!(rules.rules()[0].f, None);
        assert_eq!(
            rules.to_json(),
            r#"{"k":5,"rules":[{"segment":"top","r":[5,5]},{"segment":"rest"}]}"#
        );
    }

    #[test]
    fn invalid_rule_sets_name_the_field() {
        let others = catch_all("others");
        let bad = |k, rules| config_field(SegmentRules::new(k, rules));
        assert_eq!(bad(1, vec![others.clone()]), "k");
        assert_eq!(bad(11, vec![others.clone()]), "k");
        assert_eq!(bad(5, vec![]), "rules");
        assert_eq!(bad(5, vec![catch_all("")]), "rules[0].segment");
        assert_eq!(
            bad(5, vec![others.clone(), catch_all(" \t")]),
            "rules[1].segment"
        );
        let with = |r, f, m| {
            vec![
                rule("a", (5, 5), (5, 5), None),
                SegmentRule {
                    segment: "b".into(),
                    r,
                    f,
                    m,
                },
                others.clone(),
            ]
        };
        assert_eq!(bad(5, with(range(3, 2), None, None)), "rules[1].r");
        assert_eq!(bad(5, with(None, range(0, 2), None)), "rules[1].f");
        assert_eq!(bad(5, with(None, None, range(1, 6))), "rules[1].m");
        assert_eq!(bad(3, with(range(1, 1), None, None)), "rules[0].r");
        assert!(SegmentRules::new(5, with(range(1, 5), range(2, 2), range(5, 5))).is_ok());
    }

    #[test]
    fn gaps_are_reported_with_a_catch_all_hint() {
        let err =
            SegmentRules::new(5, SegmentRules::four_tier().rules()[..3].to_vec()).unwrap_err();
        let CrmkitError::InvalidConfig { field, reason, .. } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(field, "rules");
        // (1, 1, 3) is the first uncovered cell in table order: churn risk needs M <= 2.
        assert!(reason.contains("r=1, f=1, m=3"), "{reason}");
        assert!(reason.contains(r#"{"segment": "others"}"#), "{reason}");
        // Uncovered, by hand: 125 cells minus 8 high value, 8 low value and 8 churn risk
        // (2 × 2 × 2 each) = 101.
        assert!(reason.contains("and 100 other combination(s)"), "{reason}");
    }

    #[test]
    fn dead_rules_are_reported() {
        let mut rules = SegmentRules::rf_grid().rules().to_vec();
        rules.push(catch_all("others"));
        let err = SegmentRules::new(5, rules).unwrap_err();
        assert_eq!(err.field(), Some("rules[10]"));
        assert!(err.to_string().contains("can never match"), "{err}");

        // A catch-all placed first shadows everything after it.
        let err = SegmentRules::new(5, vec![catch_all("all"), rule("top", (5, 5), (5, 5), None)])
            .unwrap_err();
        assert_eq!(err.field(), Some("rules[1]"));
        assert!(err.to_string().contains(r#"rules[0] "all""#), "{err}");

        // Shadowed by the union of two earlier rules, each covering only part of it.
        let err = SegmentRules::new(
            5,
            vec![
                rule("a", (1, 2), (1, 5), None),
                rule("b", (3, 5), (1, 5), None),
                rule("c", (2, 4), (2, 2), None),
            ],
        )
        .unwrap_err();
        assert_eq!(err.field(), Some("rules[2]"));
        assert!(
            err.to_string().contains(r#"rules[0] "a", rules[1] "b""#),
            "{err}"
        );

        // A partly shadowed rule is fine: "b" still fires on R = 4 or F = 4.
        assert!(
            SegmentRules::new(
                5,
                vec![
                    rule("a", (5, 5), (5, 5), None),
                    rule("b", (4, 5), (4, 5), None),
                    others_rule()
                ]
            )
            .is_ok()
        );
    }

    fn others_rule() -> SegmentRule {
        catch_all("others")
    }

    #[test]
    fn malformed_json_is_invalid_config() {
        let cases = [
            (r#"{"rules": [{"segment": "x"}"#, "EOF"),
            (
                r#"{"rules": [{"segment": "x", "rf": [1, 2]}]}"#,
                "unknown field `rf`",
            ),
            (r#"{"k": 5, "rule": []}"#, "unknown field `rule`"),
            (r#"{"k": 5}"#, "missing field `rules`"),
            (r#"{"rules": [{"r": [1, 5]}]}"#, "missing field `segment`"),
            (
                r#"{"rules": [{"segment": "x", "r": [1, 2, 3]}]}"#,
                "found 3 element(s)",
            ),
            (
                r#"{"rules": [{"segment": "x", "r": [1]}]}"#,
                "found 1 element(s)",
            ),
            (
                r#"{"rules": [{"segment": "x", "r": "1-2"}]}"#,
                "invalid type",
            ),
            (
                r#"{"k": 300, "rules": [{"segment": "x"}]}"#,
                "invalid value",
            ),
        ];
        for (text, fragment) in cases {
            match SegmentRules::from_json(text) {
                Err(CrmkitError::InvalidConfig { field, reason, .. }) => {
                    assert_eq!(field, "segment_rules", "{text}");
                    assert!(reason.contains(fragment), "{text}: {reason}");
                }
                other => panic!("{text}: expected InvalidConfig, got {other:?}"),
            }
        }
        // Well-formed JSON, invalid set: the validation error with its field.
        let err =
            SegmentRules::from_json(r#"{"rules": [{"segment": "x", "f": [0, 1]}]}"#).unwrap_err();
        assert_eq!(err.field(), Some("rules[0].f"));
        // Plain serde deserialisation validates too.
        let err = serde_json::from_str::<SegmentRules>(
            r#"{"k": 5, "rules": [{"segment": "x", "r": [5, 5]}]}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("catch-all"), "{err}");
    }

    #[test]
    fn assign_all_errors_name_field_row_and_value() {
        let rules = SegmentRules::rf_grid();
        assert_eq!(rules.assign_all(&[], &[], &[]).unwrap(), Vec::<u16>::new());
        let err = rules.assign_all(&[1, 2], &[1], &[1, 2]).unwrap_err();
        assert!(
            matches!(err, CrmkitError::LengthMismatch { ref field, expected: 2, found: 1 }
                if field == "f_score")
        );
        let err = rules.assign_all(&[1, 2], &[1, 2], &[1, 2, 3]).unwrap_err();
        assert_eq!(err.field(), Some("m_score"));
        for (r, f, m, field) in [
            ([3, 0], [1, 1], [1, 1], "r_score"),
            ([3, 3], [1, 6], [1, 1], "f_score"),
            ([3, 3], [1, 1], [1, 255], "m_score"),
        ] {
            match rules.assign_all(&r, &f, &m).unwrap_err() {
                CrmkitError::InvalidValue {
                    field: got,
                    row,
                    value,
                    ..
                } => {
                    assert_eq!((got.as_str(), row), (field, 1));
                    let bad = [r[1], f[1], m[1]]
                        .into_iter()
                        .find(|s| !(1..=5).contains(s));
                    assert_eq!(value, bad.unwrap().to_string());
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(rules.assign(6, 1, 1), None);
        assert_eq!(rules.assign(1, 1, 0), None);
    }

    #[test]
    fn rule_counts_per_name() {
        // Two rules share the name "a": their customers are counted together.
        let rules = SegmentRules::new(
            2,
            vec![
                rule("a", (2, 2), (2, 2), None),
                rule("b", (2, 2), (1, 1), None),
                catch_all("a"),
            ],
        )
        .unwrap();
        let codes = rules
            .assign_all(&[2, 2, 1, 1, 2], &[2, 1, 1, 2, 1], &[1, 2, 1, 2, 2])
            .unwrap();
        assert_eq!(codes, [0, 1, 0, 0, 1]);
        assert_eq!(rules.rule_counts(&codes), [3, 2]);
        // Foreign codes are not counted.
        assert_eq!(rules.rule_counts(&[0, 7, u16::MAX]), [1, 0]);
    }

    fn any_range(k: u8) -> impl Strategy<Value = Option<ScoreRange>> {
        prop::option::of((1..=k, 1..=k).prop_map(|(a, b)| ScoreRange::new(a.min(b), a.max(b))))
    }

    fn scores(n: std::ops::Range<usize>) -> impl Strategy<Value = (Vec<u8>, Vec<u8>, Vec<u8>)> {
        n.prop_flat_map(|n| {
            (
                prop::collection::vec(1..=5_u8, n),
                prop::collection::vec(1..=5_u8, n),
                prop::collection::vec(1..=5_u8, n),
            )
        })
    }

    proptest! {
        /// The lookup table agrees with evaluating the rules one by one (first match wins);
        /// a rejected set is rejected only for a dead rule (the catch-all rules out gaps).
        #[test]
        fn table_is_first_match(
            (k, rules) in (2..=4_u8).prop_flat_map(|k| {
                (Just(k), prop::collection::vec(
                    ("[a-c]", any_range(k), any_range(k), any_range(k)).prop_map(
                        |(segment, r, f, m)| SegmentRule { segment, r, f, m }),
                    1..6))
            })
        ) {
            let mut rules = rules;
            rules.push(catch_all("others"));
            match SegmentRules::new(k, rules.clone()) {
                Ok(set) => {
                    for r in 1..=k { for f in 1..=k { for m in 1..=k {
                        let first = rules.iter().find(|x| x.matches(r, f, m)).unwrap();
                        prop_assert_eq!(name_of(&set, r, f, m), first.segment.as_str());
                    }}}
                }
                Err(err) => {
                    let field = err.field().unwrap_or_default().to_owned();
                    prop_assert!(field.starts_with("rules[") && !field.contains('.'), "{}", err);
                }
            }
        }

        #[test]
        fn codes_are_valid_names((r, f, m) in scores(0..200), which in 0..3_usize) {
            let rules = &builtins()[which];
            let codes = rules.assign_all(&r, &f, &m).unwrap();
            prop_assert_eq!(codes.len(), r.len());
            prop_assert!(codes.iter().all(|&c| usize::from(c) < rules.names().len()));
            prop_assert_eq!(rules.rule_counts(&codes).iter().sum::<usize>(), r.len());
        }

        #[test]
        fn independent_of_row_order(
            ((r, f, m), order) in scores(1..200).prop_flat_map(|s| {
                let n = s.0.len();
                (Just(s), Just((0..n).collect::<Vec<_>>()).prop_shuffle())
            }),
            which in 0..3_usize,
        ) {
            let rules = &builtins()[which];
            let codes = rules.assign_all(&r, &f, &m).unwrap();
            let pick = |x: &[u8]| order.iter().map(|&i| x[i]).collect::<Vec<_>>();
            let shuffled = rules.assign_all(&pick(&r), &pick(&f), &pick(&m)).unwrap();
            let expected: Vec<u16> = order.iter().map(|&i| codes[i]).collect();
            prop_assert_eq!(shuffled, expected);
        }
    }
}
