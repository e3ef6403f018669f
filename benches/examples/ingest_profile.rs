//! Times the fused `rfm_features_by_str` / `rfm_features_by_id` on the ingest bench's data (10 M
//! rows over 1 M customers), for profiling with `perf record`; prints each call's wall and CPU
//! time and its minor page faults (fresh memory touched):
//! `cargo run --release -p crmkit-benches --example ingest_profile -- [str|int|uni] [threads] [reps]`.

#![allow(
    clippy::expect_used,
    reason = "a profiling driver on known-good generated data"
)]
#![allow(clippy::print_stdout, reason = "prints its timings")]

use std::time::Instant;

use crmkit::data::transactions::Times;
use crmkit::rfm::features::{FeatureOptions, IntIds, rfm_features_by_id, rfm_features_by_str};
use crmkit::runtime::parallel::set_num_threads;
use crmkit_benches::{AS_OF_DAY, MICROS_PER_DAY, synthetic_log};

/// Field `i` of `/proc/self/stat` after the command (state is 0, minflt 7, utime 11, stime 12);
/// 0 where it cannot be read.
fn stat_field(i: usize) -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    after
        .split_whitespace()
        .nth(i)
        .and_then(|f| f.parse().ok())
        .unwrap_or(0)
}

/// The process's CPU time in seconds (user + system, clock ticks of 10 ms; 0 elsewhere than
/// Linux): on a loaded machine it moves much less than the wall time.
fn cpu_seconds() -> f64 {
    (stat_field(11) + stat_field(12)) as f64 / 100.0
}

/// The process's minor page faults so far (0 elsewhere than Linux): fresh memory costs a fault
/// per 4 KiB page touched.
fn minor_faults() -> u64 {
    stat_field(7)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let which = args.get(1).map_or("str", String::as_str).to_owned();
    let threads: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1);
    let reps: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(5);
    set_num_threads(threads).expect("threads");
    let log = synthetic_log(10_000_000, 1_000_000, 1);
    // "int": ids spread over four narrow ranges (clustered); "uni": spread over all of i64
    // (like the Python bench's random 62-bit ids)
    let factor: i64 = if which == "uni" {
        0x1E37_79B9_7F4A_7C15
    } else {
        0x3FFF_FFFF_FFFF_FFFB
    };
    let wide: Vec<i64> = log
        .customer_id
        .iter()
        .map(|&id| id.wrapping_mul(factor))
        .collect();
    // one buffer and offsets, like an Arrow string column
    let mut text = String::new();
    let mut offsets = vec![0usize];
    for id in &log.customer_id {
        text.push_str(&format!("CUS-{id:010}"));
        offsets.push(text.len());
    }
    let id_at = |r: usize| &text[offsets[r]..offsets[r + 1]];
    let times = Times::Ticks {
        values: &log.timestamp_us,
        per_day: MICROS_PER_DAY,
    };
    let options = FeatureOptions::default();
    for _ in 0..reps {
        let t = Instant::now();
        let cpu = cpu_seconds();
        let faults = minor_faults();
        let n = if which == "str" {
            rfm_features_by_str(
                log.customer_id.len(),
                id_at,
                times,
                &log.amount,
                AS_OF_DAY,
                &options,
            )
            .expect("valid")
            .first_row
            .len()
        } else {
            rfm_features_by_id(IntIds::I64(&wide), times, &log.amount, AS_OF_DAY, &options)
                .expect("valid")
                .first_row
                .len()
        };
        println!(
            "{which} {threads}t: {:.0} ms wall, {:.0} ms cpu, {} minor faults ({n} customers)",
            t.elapsed().as_secs_f64() * 1e3,
            (cpu_seconds() - cpu) * 1e3,
            minor_faults() - faults
        );
    }
}
