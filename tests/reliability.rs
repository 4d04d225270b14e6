//! Bad and extreme inputs beyond shapes: panicking user types, NaN and infinities,
//! allocations that cannot be had, slow element types. Each test is a row of the failure
//! catalogue in docs/reliability.md.

use std::ops::{Add, Mul};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;

use parmat::{Blocked, Error, MatRef, Matrix, MulStrategy, PerCell, RowParallel, Strategy};

/// Serialises the tests that replace the process-wide panic hook.
static PANIC_HOOK: Mutex<()> = Mutex::new(());

/// A user type whose multiplication panics on one value.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Fragile(i64);

const BOOM: i64 = 13;

impl Add for Fragile {
    type Output = Fragile;
    fn add(self, o: Fragile) -> Fragile {
        Fragile(self.0.wrapping_add(o.0))
    }
}
impl Mul for Fragile {
    type Output = Fragile;
    fn mul(self, o: Fragile) -> Fragile {
        assert!(self.0 != BOOM && o.0 != BOOM, "Fragile: multiplied {BOOM}");
        Fragile(self.0.wrapping_mul(o.0))
    }
}
impl num_traits::Zero for Fragile {
    fn zero() -> Fragile {
        Fragile(0)
    }
    fn is_zero(&self) -> bool {
        self.0 == 0
    }
}

fn parallel_strategies() -> Vec<Strategy> {
    vec![
        Strategy::Serial,
        RowParallel::with_workers(2).into(),
        PerCell::with_workers(3).into(),
        Blocked::with_workers(2).into(),
        Strategy::Auto(Default::default()),
    ]
}

#[test]
fn panic_in_a_user_type_reaches_the_caller_and_leaves_the_output_untouched() {
    let _hook = PANIC_HOOK.lock().unwrap_or_else(|e| e.into_inner());
    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut a = Matrix::from_fn(40, 30, |i, j| Fragile((i * 3 + j) as i64 % 7));
    a[(37, 11)] = Fragile(BOOM); // late in the product: earlier cells are done by then
    let b = Matrix::from_fn(30, 20, |i, j| Fragile((i + j) as i64 % 5));
    for strategy in parallel_strategies() {
        let mut c = Matrix::from_fn(40, 20, |_, _| Fragile(-1));
        let caught = catch_unwind(AssertUnwindSafe(|| {
            strategy.mul_into(a.view(), b.view(), c.view_mut())
        }));
        assert!(
            caught.is_err(),
            "{strategy:?}: the panic did not reach the caller"
        );
        assert!(
            c.as_slice().iter().all(|&x| x == Fragile(-1)),
            "{strategy:?}: the output was half written"
        );
        let mut d = Matrix::from_fn(40, 20, |_, _| Fragile(-1));
        let caught = catch_unwind(AssertUnwindSafe(|| {
            parmat::gemm(
                &strategy,
                Fragile(1),
                a.view(),
                b.view(),
                Fragile(1),
                d.view_mut(),
            )
        }));
        assert!(caught.is_err());
        assert!(
            d.as_slice().iter().all(|&x| x == Fragile(-1)),
            "{strategy:?}: gemm wrote"
        );
    }
    std::panic::set_hook(quiet);
    // The pools still work afterwards, and no lock or worker was lost.
    let ok = Matrix::from_fn(64, 64, |i, j| ((i + j) % 9) as f64);
    for strategy in parallel_strategies() {
        assert_eq!(
            ok.mul_with(&ok, &strategy).unwrap(),
            ok.mul_with(&ok, &Strategy::Serial).unwrap()
        );
    }
}

#[test]
fn nan_and_infinities_propagate_as_in_the_reference() {
    let mut a = Matrix::from_fn(20, 20, |i, j| ((i * 7 + j) % 5) as f64 - 2.0);
    a[(3, 4)] = f64::NAN;
    a[(9, 0)] = f64::INFINITY;
    a[(9, 1)] = f64::NEG_INFINITY; // +∞ and −∞ in one row: the sums of row 9 are NaN
    a[(12, 5)] = f64::INFINITY;
    let mut b = Matrix::from_fn(20, 20, |i, j| ((i + 3 * j) % 7) as f64 - 3.0);
    for j in 0..20 {
        b[(5, j)] = if j % 2 == 0 { 1.0 } else { 0.0 }; // ∞·0 = NaN, ∞·1 = ∞
    }
    let reference = |i: usize, j: usize| -> f64 { (0..20).map(|p| a[(i, p)] * b[(p, j)]).sum() };
    for strategy in Strategy::all().into_iter().chain([
        Blocked::with_workers(1).into(),
        PerCell::with_workers(2).into(),
    ]) {
        let c = a.mul_with(&b, &strategy).unwrap();
        for i in 0..20 {
            for j in 0..20 {
                let (got, want) = (c[(i, j)], reference(i, j));
                if want.is_nan() {
                    assert!(got.is_nan(), "{strategy}: ({i}, {j}) is {got}, want NaN");
                } else if want.is_infinite() {
                    assert_eq!(got, want, "{strategy}: ({i}, {j})");
                } else {
                    assert!(
                        (got - want).abs() < 1e-9,
                        "{strategy}: ({i}, {j}) {got} vs {want}"
                    );
                }
            }
        }
    }
}

#[test]
fn allocations_that_cannot_be_had_are_errors() {
    assert!(matches!(
        Matrix::<f64>::try_zeros(1 << 40, 1 << 10),
        Err(Error::AllocationFailed { .. } | Error::SizeOverflow { .. })
    ));
    assert!(matches!(
        Matrix::<u8>::try_zeros(usize::MAX, 2),
        Err(Error::SizeOverflow { .. })
    ));
    // A product whose output is far too large for memory: an error, not an abort.
    let data: [f64; 0] = [];
    let a = MatRef::from_slice_strided(&data, 1 << 30, 0, 0, 0).unwrap();
    let b = MatRef::from_slice_strided(&data, 0, 1 << 30, 0, 0).unwrap();
    let err = parmat::mul(&Strategy::Serial, a, b).unwrap_err();
    assert!(matches!(err, Error::AllocationFailed { .. }), "{err}");
    assert!(
        err.to_string()
            .starts_with("allocation failed: a 1073741824×1073741824 matrix")
    );
}

/// A user type that is slow (a few hundred nanoseconds per multiply-add): the planner
/// still gives small products one worker and large ones several, and the results agree.
#[test]
fn slow_user_types_keep_a_sane_plan() {
    #[derive(Clone, Copy, Debug, PartialEq)]
    struct Slow(u64);
    impl Add for Slow {
        type Output = Slow;
        fn add(self, o: Slow) -> Slow {
            Slow(self.0.wrapping_add(o.0))
        }
    }
    impl Mul for Slow {
        type Output = Slow;
        fn mul(self, o: Slow) -> Slow {
            // Deliberately expensive and opaque to the optimiser.
            let mut x = std::hint::black_box(self.0.wrapping_mul(o.0));
            for _ in 0..50 {
                x = std::hint::black_box(x.rotate_left(7).wrapping_add(x));
            }
            std::hint::black_box(x);
            Slow(self.0.wrapping_mul(o.0))
        }
    }
    impl num_traits::Zero for Slow {
        fn zero() -> Slow {
            Slow(0)
        }
        fn is_zero(&self) -> bool {
            self.0 == 0
        }
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    pool.install(|| {
        assert_eq!(parmat::plan::<Slow>(4, 4, 4).workers(), 1);
        assert_eq!(parmat::plan::<Slow>(64, 64, 64).workers(), 2);
        let a = Matrix::from_fn(48, 48, |i, j| Slow((i * 48 + j) as u64));
        assert_eq!(
            a.par_mul(&a).unwrap(),
            a.mul_with(&a, &Strategy::Serial).unwrap()
        );
    });
}
