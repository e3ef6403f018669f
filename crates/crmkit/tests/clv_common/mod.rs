//! Shared loaders for the CLV integration tests (data bundled under `data/`, see data/README.md).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

/// CDNOW summary (weeks): columns x, t_x, T, zbar of `cdnow_customers_summary_with_transactions.csv`.
pub struct Cdnow {
    pub x: Vec<f64>,
    pub t_x: Vec<f64>,
    pub t: Vec<f64>,
    pub zbar: Vec<f64>,
}

pub fn cdnow() -> Cdnow {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/cdnow/cdnow_customers_summary_with_transactions.csv"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let mut c = Cdnow {
        x: vec![],
        t_x: vec![],
        t: vec![],
        zbar: vec![],
    };
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let f: Vec<f64> = line.split(',').map(|v| v.trim().parse().unwrap()).collect();
        c.x.push(f[1]);
        c.t_x.push(f[2]);
        c.t.push(f[3]);
        c.zbar.push(f[4]);
    }
    c
}

/// Reads a headed CSV of numbers into columns.
pub fn csv_columns(relative: &str) -> Vec<Vec<f64>> {
    let path = format!("{}/../../data/{relative}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).unwrap();
    let mut cols: Vec<Vec<f64>> = Vec::new();
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        for (i, v) in line.split(',').enumerate() {
            if cols.len() <= i {
                cols.push(Vec::new());
            }
            cols[i].push(v.trim().parse().unwrap());
        }
    }
    cols
}

/// |measured − published| ≤ rel · |published|.
pub fn assert_rel(name: &str, measured: f64, published: f64, rel: f64) {
    assert!(
        (measured - published).abs() <= rel * published.abs(),
        "{name}: measured {measured}, published {published}, relative tolerance {rel}"
    );
}

/// |measured − published| ≤ abs.
pub fn assert_abs(name: &str, measured: f64, published: f64, abs: f64) {
    assert!(
        (measured - published).abs() <= abs,
        "{name}: measured {measured}, published {published}, absolute tolerance {abs}"
    );
}

/// The published figure is `measured` rounded to `decimals` places: |measured − published| ≤ ½·10^−decimals
/// (plus 1e-12 for the binary representation of the published decimal).
pub fn assert_rounds_to(name: &str, measured: f64, published: f64, decimals: i32) {
    let half_unit = 0.5 * 10f64.powi(-decimals);
    assert!(
        (measured - published).abs() <= half_unit + 1e-12,
        "{name}: measured {measured} does not round to the published {published} ({decimals} decimals)"
    );
}
