//! Split fits give the same bits with one pool thread or two, called from outside the pool
//! (the fit as one pool job, its parts taken by a helper) and from a thread of the pool (a fit
//! inside a parallel pass): Pareto/NBD on CDNOW (1,016 distinct rows, above its threshold of
//! 256) and BG/NBD and MBG/NBD on 6,000 distinct synthetic rows (above 4,096).
#![allow(clippy::unwrap_used)]

mod clv_common;

use clv_common::cdnow;
use crmkit::clv::{BgNbd, BtydData, FitOptions, MbgNbd, ParetoNbd};
use crmkit::runtime::parallel::{install, set_num_threads};

/// 6,000 distinct summaries (x, t_x, T) from a fixed sequence.
fn synthetic() -> BtydData {
    let (mut x, mut t_x, mut t) = (Vec::new(), Vec::new(), Vec::new());
    let mut s = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    for i in 0..6000 {
        let big_t = 20.0 + 20.0 * next();
        let n = (8.0 * next() * next()).floor();
        x.push(n);
        t_x.push(if n == 0.0 { 0.0 } else { big_t * next() });
        // a distinct T per row
        t.push(big_t + f64::from(i) * 1e-6);
    }
    BtydData::new(&x, &t_x, &t).unwrap()
}

/// Parameters, standard errors, log-likelihood and evaluations as bits.
type Bits = (Vec<u64>, Vec<u64>, u64, usize);

fn bits(params: &[f64], se: &[f64], ll: f64, evaluations: usize) -> Bits {
    (
        params.iter().map(|v| v.to_bits()).collect(),
        se.iter().map(|v| v.to_bits()).collect(),
        ll.to_bits(),
        evaluations,
    )
}

fn fits(c: &BtydData, s: &BtydData) -> Vec<Bits> {
    let opts = FitOptions::default();
    let p = ParetoNbd::fit(c, &opts).unwrap();
    // the synthetic rows leave dropout weakly identified: a penalty keeps the optimum inside
    let penalised = FitOptions {
        penalty: 0.01,
        ..FitOptions::default()
    };
    let b = BgNbd::fit(s, &penalised).unwrap();
    let m = MbgNbd::fit(s, &penalised).unwrap();
    let (ps, bs, ms) = (
        p.standard_errors.unwrap(),
        b.standard_errors.unwrap(),
        m.standard_errors.unwrap(),
    );
    vec![
        bits(
            &[p.params.r, p.params.alpha, p.params.s, p.params.beta],
            &[ps.r, ps.alpha, ps.s, ps.beta],
            p.log_likelihood,
            p.report.function_evaluations,
        ),
        bits(
            &[b.params.r, b.params.alpha, b.params.a, b.params.b],
            &[bs.r, bs.alpha, bs.a, bs.b],
            b.log_likelihood,
            b.report.function_evaluations,
        ),
        bits(
            &[m.params.r, m.params.alpha, m.params.a, m.params.b],
            &[ms.r, ms.alpha, ms.a, ms.b],
            m.log_likelihood,
            m.report.function_evaluations,
        ),
    ]
}

#[test]
fn split_fits_are_the_same_with_one_thread_or_two() {
    let c = cdnow();
    let cd = BtydData::new(&c.x, &c.t_x, &c.t).unwrap();
    let s = synthetic();
    set_num_threads(1).unwrap();
    let one = fits(&cd, &s);
    set_num_threads(2).unwrap();
    // several times: the helper may or may not take parts, the bits stay
    for _ in 0..5 {
        assert_eq!(fits(&cd, &s), one);
    }
    // from a thread of the pool (the parts with `join`, no helper)
    assert_eq!(install(|| fits(&cd, &s)), one);
}
