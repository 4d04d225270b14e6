//! The planner against the measured oracle: for every shape family and size, times every
//! strategy at every worker count (the oracle is the fastest of them) and `auto`, and
//! prints auto / oracle (1.00 means auto was as fast as the best choice).
//!
//! ```text
//! cargo run --release -p parmat-bench --example sweep                       # f64 and i32, every family
//! cargo run --release -p parmat-bench --example sweep -- --types f64 --families square,matvec --sizes 64,512
//! cargo run --release -p parmat-bench --example sweep -- --detail   # every candidate's time ÷ the oracle's
//! cargo run --release -p parmat-bench --example sweep -- --calibrated   # auto with Auto::calibrated()
//! cargo run --release -p parmat-bench --example sweep -- --plan 4x1000000x4   # only print auto's plans
//! cargo run --release -p parmat-bench --example sweep -- --svg docs/img/auto-vs-oracle.svg \
//!     --overhead-svg docs/img/overhead.svg
//! ```
//!
//! Threads come from the global rayon pool (`RAYON_NUM_THREADS` to change them); worker
//! counts 1..=threads are tried for each parallel strategy. Candidates are timed round-robin
//! (each round runs every candidate twice untimed, then a batch long enough for the clock)
//! and the best round counts, so a burst of noise on a shared machine hits one round of one candidate,
//! not the comparison. A candidate more than 10× slower than the best after the first round
//! is dropped (it cannot be the oracle). Every result is checked against the serial one.
//! `--passes N` measures the whole sweep N times and keeps each candidate's best, so that
//! noise lasting longer than one point (another process on a shared machine) is outvoted.
//! Then every point where auto came out below 0.95 of the oracle is timed again: auto and
//! the candidates within 1 ÷ 0.85 of the oracle only, head to head, for four times the
//! budget (marked † in the table; `--no-confirm` skips this). The oracle is a minimum over
//! many noisy timings and so biased low; timing the close contenders again removes that
//! bias where it decides the verdict. A point still below 0.90 after that is timed head to
//! head `--verdicts N` times in all (3 unless told), the re-timings of all such points taken
//! in turn so that each point's are minutes apart, and its ratio is the median of the N
//! (marked ‡, and every one of them printed below the table): a second core busy with
//! another process for a while slows every two-worker candidate of the points timed then,
//! and one head-to-head timing cannot tell that from a wrong choice.

use std::collections::BTreeMap;
use std::time::Instant;

use parmat::{
    Auto, Blocked, Element, MatMut, MatRef, Matrix, MulStrategy, PerCell, RowParallel, Serial,
    SplitK, Strategy,
};

/// Element types of the sweep.
trait Sample: Element + PartialEq + std::fmt::Debug {
    const NAME: &'static str;
    fn random(rng: &mut fastrand::Rng) -> Self;
    /// Whether `x` matches the serial `reference` of a `k`-term product.
    fn close(x: &Matrix<Self>, reference: &Matrix<Self>, k: usize) -> bool;
}

impl Sample for f64 {
    const NAME: &'static str = "f64";
    fn random(rng: &mut fastrand::Rng) -> Self {
        rng.f64() * 2.0 - 1.0
    }
    fn close(x: &Matrix<Self>, reference: &Matrix<Self>, k: usize) -> bool {
        // Entries in [-1, 1]: every cell's error is below k·ε·k in the worst case.
        let bound = (k.max(1) as f64).powi(2) * f64::EPSILON;
        x.as_slice()
            .iter()
            .zip(reference.as_slice())
            .all(|(a, b)| (a - b).abs() <= bound)
    }
}

impl Sample for i32 {
    const NAME: &'static str = "i32";
    fn random(rng: &mut fastrand::Rng) -> Self {
        rng.i32(-100..=100)
    }
    fn close(x: &Matrix<Self>, reference: &Matrix<Self>, _k: usize) -> bool {
        x == reference
    }
}

/// A shape family: `(m, k, n)` for a size `s`.
struct Family {
    name: &'static str,
    shape: fn(usize) -> (usize, usize, usize),
}

const FAMILIES: [Family; 8] = [
    Family {
        name: "square",
        shape: |s| (s, s, s),
    },
    Family {
        name: "tall-skinny",
        shape: |s| (16 * s, 64, 16),
    },
    Family {
        name: "short-wide",
        shape: |s| (16, 64, 16 * s),
    },
    Family {
        name: "outer",
        shape: |s| (s, 1, s),
    },
    Family {
        name: "matvec",
        shape: |s| (s, s, 1),
    },
    Family {
        name: "vecmat",
        shape: |s| (1, s, s),
    },
    Family {
        name: "reduce-4",
        shape: |s| (4, (500 * s).min(1_000_000), 4),
    },
    Family {
        name: "reduce-16",
        shape: |s| (16, (500 * s).min(1_000_000), 16),
    },
];

const SIZES: [usize; 16] = [
    1, 2, 4, 8, 16, 32, 48, 64, 96, 128, 192, 256, 384, 512, 1024, 2048,
];

/// One contestant: a strategy with a fixed worker count, split-k, or auto.
#[derive(Clone, Copy)]
enum Candidate {
    Plain(Strategy),
    Split(SplitK),
}

impl Candidate {
    fn run<T: Element>(&self, a: MatRef<'_, T>, b: MatRef<'_, T>, c: MatMut<'_, T>) {
        match self {
            Candidate::Plain(s) => s.mul_into(a, b, c),
            Candidate::Split(s) => s.mul_into(a, b, c),
        }
        .expect("shapes fit")
    }
}

/// Every strategy at every worker count, then auto (always last).
fn candidates(threads: usize, auto: Auto) -> Vec<(String, Candidate)> {
    let mut list = vec![("serial".to_owned(), Candidate::Plain(Strategy::Serial))];
    for w in 1..=threads {
        list.push((
            format!("row-parallel×{w}"),
            Candidate::Plain(RowParallel::with_workers(w).into()),
        ));
        list.push((
            format!("per-cell×{w}"),
            Candidate::Plain(PerCell::with_workers(w).into()),
        ));
        list.push((
            format!("blocked×{w}"),
            Candidate::Plain(Blocked::with_workers(w).into()),
        ));
        list.push((
            format!("split-k×{w}"),
            Candidate::Split(SplitK::with_workers(w)),
        ));
    }
    list.push(("auto".to_owned(), Candidate::Plain(Strategy::Auto(auto))));
    list
}

/// Result of one point of the sweep.
#[derive(Clone)]
struct Point {
    family: &'static str,
    size: usize,
    shape: (usize, usize, usize),
    /// Best time per candidate label (seconds), `auto` included.
    times: BTreeMap<String, f64>,
    plan: String,
    /// Whether auto and the close contenders were timed again head to head (see `confirm`).
    confirmed: bool,
    /// auto / oracle of each head-to-head timing, where there were several (`--verdicts`).
    verdicts: Vec<f64>,
}

impl Point {
    /// The fastest candidate other than auto.
    fn oracle(&self) -> (&str, f64) {
        self.times
            .iter()
            .filter(|(label, _)| *label != "auto")
            .map(|(label, &t)| (label.as_str(), t))
            .min_by(|x, y| x.1.total_cmp(&y.1))
            .expect("candidates")
    }
    fn auto(&self) -> f64 {
        self.times["auto"]
    }
    fn auto_vs_oracle(&self) -> f64 {
        self.oracle().1 / self.auto()
    }
    fn auto_vs_serial(&self) -> f64 {
        self.times["serial"] / self.auto()
    }
    /// Keeps the better time of each candidate from `other`, a later pass over the same point.
    fn merge(&mut self, other: Point) {
        for (label, t) in other.times {
            let best = self.times.entry(label).or_insert(t);
            *best = best.min(t);
        }
    }
}

fn measure<T: Sample>(
    family: &'static Family,
    size: usize,
    budget: f64,
    threads: usize,
    auto: Auto,
    rng: &mut fastrand::Rng,
) -> Point {
    let (m, k, n) = (family.shape)(size);
    let a = Matrix::from_fn(m, k, |_, _| T::random(rng));
    let b = Matrix::from_fn(k, n, |_, _| T::random(rng));
    let reference = a.mul_with(&b, &Serial).expect("shapes fit");
    // Written once here, so that the first candidate does not pay for touching C's pages
    // for the first time (a first run over 10× the fastest drops out of the rounds).
    let mut c = Matrix::from_fn(m, n, |_, _| T::random(rng));
    let list = candidates(threads, auto);

    // Round 0: one run each (checked), which also sizes the batches.
    let mut single = Vec::with_capacity(list.len());
    for (label, candidate) in &list {
        // Fresh garbage in place (the pages stay touched), so that every candidate must
        // write every cell to pass.
        for x in c.as_mut_slice() {
            *x = T::random(rng);
        }
        let start = Instant::now();
        candidate.run(a.view(), b.view(), c.view_mut());
        single.push(start.elapsed().as_secs_f64().max(1e-9));
        assert!(
            T::close(&c, &reference, k),
            "{label} disagrees with serial on {m}×{k}×{n} {}",
            T::NAME
        );
    }
    let fastest = single.iter().cloned().fold(f64::INFINITY, f64::min);
    let auto_index = list.len() - 1;
    let alive: Vec<usize> = (0..list.len())
        .filter(|&i| i == auto_index || single[i] <= 10.0 * fastest)
        .collect();
    // Batches of at least 200 µs; about `budget` seconds per candidate over 3–60 rounds.
    let batch: Vec<usize> = single
        .iter()
        .map(|t| ((200e-6 / t).ceil() as usize).max(1))
        .collect();
    let rounds = alive
        .iter()
        .map(|&i| (budget / (single[i] * batch[i] as f64)) as usize)
        .max()
        .unwrap_or(3)
        .clamp(3, 60);
    let mut best = single.clone();
    // Candidates of 5 ms or more skip the untimed calls: the pool's state is noise to them.
    let warm = |i: usize| single[i] < 5e-3;
    let operands = (&a, &b, &mut c);
    best_of_rounds(&list, &alive, &batch, warm, rounds, operands, &mut best);
    let times: BTreeMap<String, f64> = list
        .iter()
        .zip(&best)
        .map(|((label, _), &t)| (label.clone(), t))
        .collect();
    // The plan of a call back to back with one, as the timed calls were (called after an
    // idle pool, `Auto` may give a product fewer workers).
    auto.mul_into(a.view(), b.view(), c.view_mut())
        .expect("shapes fit");
    let plan = auto.plan::<T>(m, k, n);
    let plan = if plan.depth_parts() > 1 {
        format!("split-k×{} ({} parts)", plan.workers(), plan.depth_parts())
    } else {
        match plan.strategy() {
            Strategy::Serial => "serial".to_owned(),
            other => format!("{other}×{}", plan.workers()),
        }
    };
    Point {
        family: family.name,
        size,
        shape: (m, k, n),
        times,
        plan,
        confirmed: false,
        verdicts: Vec::new(),
    }
}

/// Times the candidates `which` of `list` round-robin for `rounds` rounds, each as a batch
/// of `batch[i]` calls after two untimed calls where `warm(i)` (so that each is timed in the
/// state it leaves the pool in, its threads awake or asleep, not in its predecessor's: two,
/// because `Auto` takes one call to see that it is called back to back), and lowers
/// `best[i]` to the fastest time per call seen.
fn best_of_rounds<T: Element>(
    list: &[(String, Candidate)],
    which: &[usize],
    batch: &[usize],
    warm: impl Fn(usize) -> bool,
    rounds: usize,
    (a, b, c): (&Matrix<T>, &Matrix<T>, &mut Matrix<T>),
    best: &mut [f64],
) {
    for _ in 0..rounds {
        for &i in which {
            let candidate = &list[i].1;
            if warm(i) {
                for _ in 0..2 {
                    candidate.run(a.view(), b.view(), c.view_mut());
                }
            }
            let start = Instant::now();
            for _ in 0..batch[i] {
                candidate.run(a.view(), b.view(), c.view_mut());
            }
            best[i] = best[i].min(start.elapsed().as_secs_f64() / batch[i] as f64);
        }
    }
}

/// Times auto again against every candidate within 1 ÷ 0.85 of the oracle, round-robin as
/// in `measure`, for four times the budget, and replaces their times with the new ones.
///
/// The oracle is the minimum over a few dozen noisy timings, so its time is biased low
/// (whichever candidate caught the quietest moment wins); timing the contenders again, alone,
/// removes that bias where it decides the verdict. Only points where auto came out below
/// 0.95 of the oracle are confirmed.
fn confirm<T: Sample>(p: &mut Point, budget: f64, threads: usize, auto: Auto) {
    let (m, k, n) = p.shape;
    let mut rng = fastrand::Rng::with_seed(7);
    let a = Matrix::from_fn(m, k, |_, _| T::random(&mut rng));
    let b = Matrix::from_fn(k, n, |_, _| T::random(&mut rng));
    let mut c = a.mul_with(&b, &Serial).expect("shapes fit");
    let oracle = p.oracle().1;
    let list: Vec<(String, Candidate)> = candidates(threads, auto)
        .into_iter()
        .filter(|(label, _)| label == "auto" || p.times[label] <= oracle / 0.85)
        .collect();
    let mut single = Vec::with_capacity(list.len());
    for (_, candidate) in &list {
        let start = Instant::now();
        candidate.run(a.view(), b.view(), c.view_mut());
        single.push(start.elapsed().as_secs_f64().max(1e-9));
    }
    let batch: Vec<usize> = single
        .iter()
        .map(|t| ((200e-6 / t).ceil() as usize).max(1))
        .collect();
    let per_round: f64 = single.iter().zip(&batch).map(|(t, b)| t * *b as f64).sum();
    let rounds = ((4.0 * budget * list.len() as f64 / per_round) as usize).clamp(5, 400);
    let mut best = vec![f64::INFINITY; list.len()];
    let every: Vec<usize> = (0..list.len()).collect();
    let operands = (&a, &b, &mut c);
    best_of_rounds(&list, &every, &batch, |_| true, rounds, operands, &mut best);
    for ((label, _), t) in list.iter().zip(best) {
        p.times.insert(label.clone(), t);
    }
    p.confirmed = true;
}

/// Times every point still below 0.90 after `confirm` head to head again, until each has
/// `--verdicts` timings, taking the points in turn (so that one point's timings are spread
/// over the others'), and keeps for each the timing with the median auto / oracle.
fn retime_misses<T: Sample>(points: &mut [Point], options: &Options, threads: usize) {
    let misses: Vec<usize> = (0..points.len())
        .filter(|&i| points[i].confirmed && points[i].auto_vs_oracle() < 0.90)
        .collect();
    if options.verdicts < 2 || misses.is_empty() {
        return;
    }
    // Each point's first head-to-head timing, then the others in turn.
    let mut timings: Vec<Vec<Point>> = misses.iter().map(|&i| vec![points[i].clone()]).collect();
    for _ in 1..options.verdicts {
        for (slot, &i) in timings.iter_mut().zip(&misses) {
            eprintln!(
                "{}: timing {} s = {} again ({} of {})",
                T::NAME,
                points[i].family,
                points[i].size,
                slot.len() + 1,
                options.verdicts
            );
            // From the point as measured, so that the same contenders are timed.
            let mut again = points[i].clone();
            confirm::<T>(&mut again, options.budget, threads, options.auto);
            slot.push(again);
        }
    }
    for (mut slot, &i) in timings.into_iter().zip(&misses) {
        let verdicts: Vec<f64> = slot.iter().map(Point::auto_vs_oracle).collect();
        slot.sort_by(|x, y| x.auto_vs_oracle().total_cmp(&y.auto_vs_oracle()));
        // The lower median for an even count: never the better of two.
        let mut kept = slot.swap_remove((slot.len() - 1) / 2);
        kept.verdicts = verdicts;
        points[i] = kept;
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

fn sweep<T: Sample>(options: &Options) -> Vec<Point> {
    let threads = rayon::current_num_threads();
    println!(
        "\n{}: auto / oracle over {} families, {threads} threads in the pool",
        T::NAME,
        options.families.len()
    );
    println!(
        "{:<12} {:>5} {:>20} {:>18} {:>22} {:>11} {:>11}",
        "family", "s", "m×k×n", "oracle", "auto's plan", "auto/oracle", "auto/serial"
    );
    println!(
        "(* marks auto's plan differing from the oracle's choice; † a point re-timed head to head; \
         ‡ the median of several such timings)"
    );
    let mut points: Vec<Point> = Vec::new();
    for pass in 0..options.passes {
        if options.passes > 1 {
            eprintln!("{}: pass {} of {}", T::NAME, pass + 1, options.passes);
        }
        let mut rng = fastrand::Rng::with_seed(2026);
        let mut index = 0;
        for family in FAMILIES
            .iter()
            .filter(|f| options.families.iter().any(|name| name == f.name))
        {
            for &size in &options.sizes {
                let p = measure::<T>(
                    family,
                    size,
                    options.budget,
                    threads,
                    options.auto,
                    &mut rng,
                );
                if pass == 0 {
                    points.push(p);
                } else {
                    points[index].merge(p);
                }
                index += 1;
            }
        }
    }
    if options.confirm {
        for p in points.iter_mut().filter(|p| p.auto_vs_oracle() < 0.95) {
            confirm::<T>(p, options.budget, threads, options.auto);
        }
        retime_misses::<T>(&mut points, options, threads);
    }
    for p in &points {
        let (m, k, n) = p.shape;
        let oracle = p.oracle();
        // "split-k×2 (16 parts)" is the candidate "split-k×2"; serial is row-parallel×1.
        let plan_label = p.plan.split(" (").next().unwrap_or_default();
        let same = plan_label == oracle.0 || (p.plan == "serial" && oracle.0 == "row-parallel×1");
        println!(
            "{:<12} {:>5} {:>20} {:>18} {:>22} {:>11.2} {:>11.2}",
            p.family,
            p.size,
            format!("{m}×{k}×{n}"),
            oracle.0,
            format!(
                "{}{}{}",
                p.plan,
                if same { " " } else { "*" },
                if p.verdicts.len() > 1 {
                    "‡"
                } else if p.confirmed {
                    "†"
                } else {
                    " "
                }
            ),
            p.auto_vs_oracle(),
            p.auto_vs_serial()
        );
        if options.detail {
            let mut times: Vec<(&String, &f64)> = p.times.iter().collect();
            times.sort_by(|x, y| x.1.total_cmp(y.1));
            let line: Vec<String> = times
                .iter()
                .map(|(label, t)| format!("{label} {:.2}", **t / oracle.1))
                .collect();
            println!("    time ÷ oracle: {}", line.join(", "));
        }
    }
    for p in points.iter().filter(|p| p.verdicts.len() > 1) {
        let each: Vec<String> = p.verdicts.iter().map(|r| format!("{r:.2}")).collect();
        println!(
            "‡ {} s = {}: auto / oracle in {} head-to-head timings {}, median {:.2}",
            p.family,
            p.size,
            p.verdicts.len(),
            each.join(", "),
            p.auto_vs_oracle()
        );
    }
    let mut ratios: Vec<f64> = points.iter().map(Point::auto_vs_oracle).collect();
    let worst = points
        .iter()
        .min_by(|x, y| x.auto_vs_oracle().total_cmp(&y.auto_vs_oracle()))
        .map(|p| format!("{} s = {}", p.family, p.size))
        .unwrap_or_default();
    let below = ratios.iter().filter(|&&r| r < 0.90).count();
    let min = ratios.iter().cloned().fold(f64::INFINITY, f64::min);
    println!(
        "{}: auto / oracle median {:.3}, minimum {:.3} ({worst}), {below} of {} points below 0.90",
        T::NAME,
        median(&mut ratios),
        min,
        points.len()
    );
    let small: Vec<&Point> = points
        .iter()
        .filter(|p| p.family == "square" && p.size <= 64)
        .collect();
    if !small.is_empty() {
        let slowest = small
            .iter()
            .map(|p| p.auto_vs_serial())
            .fold(f64::INFINITY, f64::min);
        println!(
            "{}: square n ≤ 64, auto vs serial: lowest {slowest:.2} (≥ 1 means never slower)",
            T::NAME
        );
    }
    points
}

struct Options {
    types: Vec<String>,
    families: Vec<String>,
    sizes: Vec<usize>,
    budget: f64,
    svg: Option<String>,
    overhead_svg: Option<String>,
    detail: bool,
    /// Re-time close calls head to head (on unless `--no-confirm`).
    confirm: bool,
    /// Head-to-head timings of a point still below 0.90 after the first (`--verdicts`).
    verdicts: usize,
    auto: Auto,
    passes: usize,
    /// Shapes whose plans to print instead of sweeping (`--plan`).
    plans: Option<Vec<(usize, usize, usize)>>,
}

fn parse_options() -> Options {
    let mut options = Options {
        types: vec!["f64".into(), "i32".into()],
        families: FAMILIES.iter().map(|f| f.name.to_owned()).collect(),
        sizes: SIZES.to_vec(),
        budget: 0.04,
        svg: None,
        overhead_svg: None,
        detail: false,
        confirm: true,
        verdicts: 3,
        auto: Auto::default(),
        passes: 1,
        plans: None,
    };
    let mut args = std::env::args().skip(1);
    let list = |v: Option<String>| -> Vec<String> {
        v.expect("a comma-separated list")
            .split(',')
            .map(str::to_owned)
            .collect()
    };
    let count = |v: Option<String>, flag: &str| -> usize {
        v.and_then(|v| v.parse().ok())
            .filter(|&c| c >= 1)
            .unwrap_or_else(|| panic!("{flag} needs a count of at least 1"))
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--types" => options.types = list(args.next()),
            "--families" => options.families = list(args.next()),
            "--sizes" => {
                options.sizes = list(args.next())
                    .iter()
                    .map(|s| s.parse().expect("sizes are numbers"))
                    .collect()
            }
            "--budget-ms" => {
                let ms: f64 = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--budget-ms needs a number");
                options.budget = ms / 1e3;
            }
            "--svg" => options.svg = args.next(),
            "--overhead-svg" => options.overhead_svg = args.next(),
            "--detail" => options.detail = true,
            "--no-confirm" => options.confirm = false,
            "--verdicts" => options.verdicts = count(args.next(), "--verdicts"),
            "--passes" => options.passes = count(args.next(), "--passes"),
            "--calibrated" => options.auto = Auto::calibrated(),
            "--plan" => {
                // Only explain: `--plan 4x1000000x4,2048x2048x1`, for each of `--types`.
                let shapes = list(args.next()).into_iter().map(|shape| {
                    let dims: Vec<usize> = shape
                        .split(['x', '×'])
                        .map(|d| d.parse().expect("a shape is MxKxN"))
                        .collect();
                    let [m, k, n] = dims[..] else {
                        panic!("a shape is MxKxN, not {shape:?}")
                    };
                    (m, k, n)
                });
                options.plans = Some(shapes.collect());
            }
            _ => {
                println!(
                    "usage: sweep [--types f64,i32] [--families {}] [--sizes 1,2,..] \
                     [--budget-ms MS] [--svg FILE] [--overhead-svg FILE] [--detail] [--calibrated] [--passes N] [--no-confirm] [--verdicts N] [--plan MxKxN,..]",
                    FAMILIES.map(|f| f.name).join(",")
                );
                std::process::exit(if arg == "-h" || arg == "--help" { 0 } else { 2 });
            }
        }
    }
    options
}

type Plotted = Vec<(String, Vec<(f64, f64)>)>;

/// One panel per element type: a line per series, x = size on a log scale.
fn draw(
    path: &str,
    panels: &[(String, Plotted)],
    y_desc: &str,
    y_range: std::ops::Range<f64>,
) -> Result<(), Box<dyn std::error::Error>> {
    use plotters::prelude::*;
    let root = SVGBackend::new(path, (560, 360 * panels.len().max(1) as u32)).into_drawing_area();
    root.fill(&WHITE)?;
    let areas = root.split_evenly((panels.len().max(1), 1));
    let colors = [
        RED,
        BLUE,
        GREEN,
        MAGENTA,
        CYAN,
        BLACK,
        RGBColor(230, 140, 0),
        RGBColor(120, 80, 40),
    ];
    for ((title, series), area) in panels.iter().zip(areas) {
        let max_x = series
            .iter()
            .flat_map(|(_, s)| s.iter().map(|p| p.0))
            .fold(2.0f64, f64::max);
        let mut chart = ChartBuilder::on(&area)
            .caption(title, ("sans-serif", 18))
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(45)
            .build_cartesian_2d((1.0..max_x).log_scale(), y_range.clone())?;
        chart
            .configure_mesh()
            .x_desc("size s")
            .y_desc(y_desc)
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| format!("{y:.2}"))
            .draw()?;
        for (color, (label, points)) in colors.iter().cycle().zip(series) {
            chart
                .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))?
                .label(label.as_str())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2))
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
    }
    root.present()?;
    Ok(())
}

fn main() {
    let options = parse_options();
    if let Some(calibration) = options.auto.calibration() {
        println!("auto is calibrated: {calibration}");
    }
    if let Some(shapes) = &options.plans {
        for &(m, k, n) in shapes {
            for name in &options.types {
                let plan = match name.as_str() {
                    "f64" => options.auto.plan::<f64>(m, k, n),
                    "i32" => options.auto.plan::<i32>(m, k, n),
                    other => panic!("unknown type {other:?}: use f64 or i32"),
                };
                println!("{name}: {plan}");
            }
        }
        return;
    }
    let mut results: Vec<(String, Vec<Point>)> = Vec::new();
    for name in &options.types {
        let points = match name.as_str() {
            "f64" => sweep::<f64>(&options),
            "i32" => sweep::<i32>(&options),
            other => panic!("unknown type {other:?}: use f64 or i32"),
        };
        results.push((name.clone(), points));
    }
    let threads = rayon::current_num_threads();
    if let Some(path) = &options.svg {
        let panels: Vec<(String, Plotted)> = results
            .iter()
            .map(|(name, points)| {
                let series = options
                    .families
                    .iter()
                    .map(|family| {
                        let line = points
                            .iter()
                            .filter(|p| p.family == family)
                            .map(|p| (p.size as f64, p.auto_vs_oracle().min(1.2)))
                            .collect();
                        (family.clone(), line)
                    })
                    .collect();
                (format!("{name}: auto / oracle, {threads} threads"), series)
            })
            .collect();
        draw(path, &panels, "auto / oracle", 0.5..1.2).expect("the SVG is written");
        println!("wrote {path}");
    }
    if let Some(path) = &options.overhead_svg {
        // Square products: time with every worker ÷ time with one, per parallel strategy.
        let panels: Vec<(String, Plotted)> = results
            .iter()
            .map(|(name, points)| {
                let series = ["row-parallel", "per-cell", "blocked"]
                    .iter()
                    .map(|strategy| {
                        let line = points
                            .iter()
                            .filter(|p| p.family == "square")
                            .filter_map(|p| {
                                let one = p.times.get(&format!("{strategy}×1"))?;
                                let all = p.times.get(&format!("{strategy}×{threads}"))?;
                                Some((p.size as f64, (one / all).min(2.5)))
                            })
                            .collect();
                        (format!("{strategy}: {threads} workers vs 1"), line)
                    })
                    .collect();
                (
                    format!("{name}, square: speedup of {threads} workers"),
                    series,
                )
            })
            .collect();
        draw(path, &panels, "speedup (time 1 ÷ time all)", 0.0..2.5).expect("the SVG is written");
        println!("wrote {path}");
    }
}
