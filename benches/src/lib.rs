//! Seeded synthetic data for crmkit's benchmarks.
//!
//! Everything here is deterministic: the same arguments give the same data on every machine,
//! so timings of different commits are measured on identical inputs. The generators are
//! built on [`SplitMix64`] (no dependency on `rand`).
//!
//! The shape of the data follows a real retail log closely enough to exercise the same code
//! paths and memory patterns:
//! - a few customers buy a lot and most buy rarely (the customer of a row is drawn with a
//!   skew towards a small set of heavy buyers);
//! - heavy buyers are scattered over the id space (ids are a hashed permutation), so
//!   per-customer arrays are hit at random places, not in one hot block;
//! - rows come in time order, like an exported log; [`shuffled`] gives the unordered variant;
//! - amounts are heavy-tailed (roughly lognormal, rounded to cents).

/// The observation date of every synthetic log: 2025-12-31, in days since 1970-01-01.
///
/// # Examples
///
/// ```
/// assert_eq!(crmkit_benches::AS_OF_DAY, crmkit::data::calendar::day_from_ymd(2025, 12, 31));
/// ```
pub const AS_OF_DAY: i32 = 20_453;

/// Number of calendar days a synthetic log spans, ending at [`AS_OF_DAY`] (about two years).
///
/// # Examples
///
/// ```
/// use crmkit_benches::{synthetic_log, AS_OF_DAY, HISTORY_DAYS};
/// let log = synthetic_log(1_000, 50, 1);
/// assert!(log.day.iter().all(|&d| d > AS_OF_DAY - HISTORY_DAYS && d <= AS_OF_DAY));
/// ```
pub const HISTORY_DAYS: i32 = 730;

/// Microseconds per day: the `per_day` of the [`SyntheticLog::timestamp_us`] ticks.
///
/// # Examples
///
/// ```
/// use crmkit_benches::{synthetic_log, MICROS_PER_DAY};
/// let log = synthetic_log(10, 5, 1);
/// assert_eq!(log.timestamp_us[0].div_euclid(MICROS_PER_DAY), i64::from(log.day[0]));
/// ```
pub const MICROS_PER_DAY: i64 = 86_400_000_000;

/// The SplitMix64 generator (Steele, Lea & Flood 2014): tiny, fast and good enough for
/// benchmark data. Not for cryptography.
///
/// # Examples
///
/// ```
/// use crmkit_benches::SplitMix64;
/// let mut a = SplitMix64::new(7);
/// let mut b = SplitMix64::new(7);
/// assert_eq!(a.next_u64(), b.next_u64());
/// let u = a.next_f64();
/// assert!((0.0..1.0).contains(&u));
/// ```
#[derive(Clone, Debug)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator started from `seed` (any value, 0 included).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut rng = crmkit_benches::SplitMix64::new(0);
    /// assert_ne!(rng.next_u64(), rng.next_u64());
    /// ```
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next 64 random bits.
    ///
    /// # Examples
    ///
    /// ```
    /// // The first output for seed 0 (reference value of the published algorithm).
    /// assert_eq!(crmkit_benches::SplitMix64::new(0).next_u64(), 0xE220_A839_7B1D_CDAF);
    /// ```
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform float in `[0, 1)` with 53 random bits.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut rng = crmkit_benches::SplitMix64::new(3);
    /// assert!((0..1000).all(|_| (0.0..1.0).contains(&rng.next_f64())));
    /// ```
    #[inline]
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A uniform integer in `0..bound` (Lemire's multiply-shift; the bias is below
    /// `bound / 2^64`, irrelevant here). Returns 0 when `bound` is 0.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut rng = crmkit_benches::SplitMix64::new(3);
    /// assert!((0..1000).all(|_| rng.below(6) < 6));
    /// assert_eq!(rng.below(0), 0);
    /// ```
    #[inline]
    pub fn below(&mut self, bound: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(bound)) >> 64) as u64
    }
}

/// A synthetic transaction log, one entry per row in each column.
///
/// # Examples
///
/// ```
/// let log = crmkit_benches::synthetic_log(100, 10, 42);
/// assert_eq!(log.len(), 100);
/// assert!(!log.is_empty());
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SyntheticLog {
    /// Customer id of each row, in `1..=customers` (not every id need occur).
    pub customer_id: Vec<i64>,
    /// Purchase day (days since 1970-01-01), the day of [`SyntheticLog::timestamp_us`].
    pub day: Vec<i32>,
    /// Purchase time in microseconds since 1970-01-01 00:00.
    pub timestamp_us: Vec<i64>,
    /// Amount of the purchase (positive, rounded to cents).
    pub amount: Vec<f64>,
}

impl SyntheticLog {
    /// Number of rows.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(crmkit_benches::synthetic_log(7, 3, 1).len(), 7);
    /// ```
    pub fn len(&self) -> usize {
        self.amount.len()
    }

    /// Whether the log has no rows.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(crmkit_benches::synthetic_log(0, 3, 1).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.amount.is_empty()
    }
}

/// Generates a seeded log of `transactions` rows over `customers` possible customers, in time
/// order, all on or before [`AS_OF_DAY`].
///
/// - Customer: rank `⌊customers · u²⌋` for uniform u, so low ranks buy far more often (the
///   rank-r customer's share falls like `1/√r`); ranks are mapped to ids `1..=customers` by a
///   multiplicative hash (a permutation), so heavy buyers are spread over the id range.
///   With 10 rows per customer, about 99 % of the ids occur.
/// - Time: uniform over the [`HISTORY_DAYS`] days ending at [`AS_OF_DAY`], to the microsecond;
///   rows are sorted by time.
/// - Amount: `exp(3 + z)` rounded to cents (median about 20), where z, a centred and scaled
///   sum of four uniforms, is close to a standard normal.
///
/// `customers = 0` is treated as 1.
///
/// # Examples
///
/// ```
/// use crmkit_benches::{synthetic_log, AS_OF_DAY};
///
/// let log = synthetic_log(10_000, 1_000, 7);
/// assert_eq!(log, synthetic_log(10_000, 1_000, 7)); // seeded: reproducible
/// assert!(log.timestamp_us.is_sorted());
/// assert!(log.customer_id.iter().all(|&id| (1..=1_000).contains(&id)));
/// assert!(log.amount.iter().all(|&a| a > 0.0 && a.is_finite()));
/// assert_eq!(log.day.iter().max(), Some(&AS_OF_DAY));
/// // Skewed: the busiest customer has far more than the average 10 rows.
/// let mut counts = vec![0u32; 1_001];
/// for &id in &log.customer_id {
///     counts[id as usize] += 1;
/// }
/// assert!(counts.iter().max().copied().unwrap_or(0) > 100);
/// ```
pub fn synthetic_log(transactions: usize, customers: usize, seed: u64) -> SyntheticLog {
    let customers = customers.max(1) as u64;
    let mut rng = SplitMix64::new(seed);
    let multiplier = coprime_multiplier(customers);

    let customer_id = (0..transactions)
        .map(|_| {
            let u = rng.next_f64();
            let rank = ((customers as f64 * u * u) as u64).min(customers - 1);
            id_of_rank(rank, multiplier, customers) as i64 + 1
        })
        .collect();

    let first_micro = i64::from(AS_OF_DAY - HISTORY_DAYS + 1) * MICROS_PER_DAY;
    let span = (HISTORY_DAYS as u64) * MICROS_PER_DAY as u64;
    let mut timestamp_us: Vec<i64> = (0..transactions)
        .map(|_| first_micro + rng.below(span) as i64)
        .collect();
    timestamp_us.sort_unstable();
    let day = timestamp_us
        .iter()
        .map(|&t| t.div_euclid(MICROS_PER_DAY) as i32)
        .collect();

    let amount = (0..transactions)
        .map(|_| {
            let sum: f64 = (0..4).map(|_| rng.next_f64()).sum();
            // Four uniforms: mean 2, variance 4/12, so z has mean 0 and variance 1.
            let z = (sum - 2.0) * 3f64.sqrt();
            ((3.0 + z).exp() * 100.0).round().max(1.0) / 100.0
        })
        .collect();

    SyntheticLog {
        customer_id,
        day,
        timestamp_us,
        amount,
    }
}

/// The rows of `log` in a seeded random order (a Fisher–Yates shuffle of whole rows): the
/// same transactions, no longer in time order.
///
/// # Examples
///
/// ```
/// use crmkit_benches::{shuffled, synthetic_log};
///
/// let log = synthetic_log(1_000, 100, 1);
/// let mixed = shuffled(&log, 2);
/// assert_eq!(mixed.len(), log.len());
/// assert!(!mixed.timestamp_us.is_sorted());
/// // Same rows: sorting by time gives the original back.
/// let mut order: Vec<usize> = (0..mixed.len()).collect();
/// order.sort_by_key(|&row| mixed.timestamp_us[row]);
/// let restored: Vec<f64> = order.iter().map(|&row| mixed.amount[row]).collect();
/// assert_eq!(restored, log.amount);
/// ```
pub fn shuffled(log: &SyntheticLog, seed: u64) -> SyntheticLog {
    let mut rng = SplitMix64::new(seed);
    let mut order: Vec<usize> = (0..log.len()).collect();
    for i in (1..order.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        order.swap(i, j);
    }
    SyntheticLog {
        customer_id: order.iter().map(|&row| log.customer_id[row]).collect(),
        day: order.iter().map(|&row| log.day[row]).collect(),
        timestamp_us: order.iter().map(|&row| log.timestamp_us[row]).collect(),
        amount: order.iter().map(|&row| log.amount[row]).collect(),
    }
}

/// Seeded marketing RFM features of `customers` customers, as
/// `(days_since_last, frequency, monetary)`, for the scoring benchmarks.
///
/// - `days_since_last`: `⌊730 · u²⌋`, in `0..730`, most customers recent;
/// - `frequency`: `1 + ⌊−3 · ln(1 − u)⌋` (geometric-like, heavily tied at 1 and 2, as real
///   purchase counts are);
/// - `monetary`: `frequency` times a heavy-tailed basket value (as in [`synthetic_log`]),
///   rounded to cents.
///
/// # Examples
///
/// ```
/// let (r, f, m) = crmkit_benches::synthetic_features(1_000, 9);
/// assert_eq!((r.len(), f.len(), m.len()), (1_000, 1_000, 1_000));
/// assert!(r.iter().all(|&d| (0..730).contains(&d)));
/// assert!(f.iter().all(|&n| n >= 1));
/// assert!(m.iter().all(|&x| x > 0.0 && x.is_finite()));
/// assert_eq!((r, f, m), crmkit_benches::synthetic_features(1_000, 9));
/// ```
pub fn synthetic_features(customers: usize, seed: u64) -> (Vec<i64>, Vec<i64>, Vec<f64>) {
    let mut rng = SplitMix64::new(seed);
    let mut days_since_last = Vec::with_capacity(customers);
    let mut frequency = Vec::with_capacity(customers);
    let mut monetary = Vec::with_capacity(customers);
    for _ in 0..customers {
        let u = rng.next_f64();
        days_since_last.push((f64::from(HISTORY_DAYS) * u * u) as i64);
        let purchases = 1 + (-3.0 * (1.0 - rng.next_f64()).ln()) as i64;
        frequency.push(purchases);
        let sum: f64 = (0..4).map(|_| rng.next_f64()).sum();
        let basket = (3.0 + (sum - 2.0) * 3f64.sqrt()).exp();
        monetary.push((purchases as f64 * basket * 100.0).round().max(1.0) / 100.0);
    }
    (days_since_last, frequency, monetary)
}

/// An odd multiplier from the golden ratio (⌊2^32/φ⌋ mod `modulus`), moved up to the next
/// value coprime to `modulus`, so that [`id_of_rank`] is a permutation of `0..modulus`.
fn coprime_multiplier(modulus: u64) -> u64 {
    let mut multiplier: u64 = (0x9E37_79B9 % modulus.max(2)) | 1;
    while gcd(multiplier, modulus) != 1 {
        multiplier += 2;
    }
    multiplier
}

/// `(rank + 1) · multiplier mod customers`: the shift keeps the busiest rank, 0, off id 0.
#[inline]
fn id_of_rank(rank: u64, multiplier: u64, customers: u64) -> u64 {
    ((u128::from(rank) + 1) * u128::from(multiplier) % u128::from(customers)) as u64
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_a_permutation_of_ranks() {
        for customers in [1u64, 2, 3, 10, 97, 1_000, 65_536] {
            let multiplier = coprime_multiplier(customers);
            let mut seen = vec![false; customers as usize];
            for rank in 0..customers {
                let id = id_of_rank(rank, multiplier, customers) as usize;
                assert!(!seen[id], "id {id} twice for {customers} customers");
                seen[id] = true;
            }
        }
    }

    #[test]
    fn heavy_buyers_are_not_the_smallest_ids() {
        let log = synthetic_log(100_000, 10_000, 5);
        let mut counts = vec![0u32; 10_001];
        for &id in &log.customer_id {
            counts[id as usize] += 1;
        }
        let busiest = (1..counts.len()).max_by_key(|&id| counts[id]).unwrap_or(0);
        assert!(busiest > 1, "rank 0 must not map to id 1");
        let distinct = counts.iter().filter(|&&c| c > 0).count();
        assert!(distinct > 9_800, "most ids occur: {distinct}");
    }
}
