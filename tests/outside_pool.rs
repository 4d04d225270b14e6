//! Products called from outside every rayon pool after it has idled: the blocked kernels
//! need more work per worker, since the pool's threads must be woken first. A test binary
//! of its own, so that no other test's products keep the pool awake meanwhile.

mod common;

use common::pool;
use parmat::{Matrix, MulStrategy, plan};

fn words(plan: &parmat::Plan) -> String {
    plan.to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// After an idle, a 96³ product called from outside the pool keeps one worker where a
/// thread of a pool gives it two, and says why; only the worker count differs, so the
/// result has the same bits either way. Large products still get the pool's threads.
#[test]
fn after_an_idle_outside_the_pool_packed_workers_need_more_work() {
    // Longer than the pool's threads stay awake after a product.
    std::thread::sleep(std::time::Duration::from_millis(5));
    let outside = plan::<f64>(96, 96, 96);
    let large = plan::<f64>(512, 512, 512);
    let inside = pool(2).install(|| plan::<f64>(96, 96, 96));
    assert_eq!(inside.workers(), 2, "{inside}");
    assert!(!words(&inside).contains("asleep"), "{inside}");
    assert_eq!(outside.workers(), 1, "{outside}");
    assert_eq!(outside.strategy().name(), inside.strategy().name());
    assert_eq!(outside.depth_parts(), inside.depth_parts());
    assert!(
        words(&outside).contains("called from outside every rayon pool, which has had no work"),
        "{outside}"
    );
    assert_eq!(
        large.workers(),
        rayon::current_num_threads().min(2),
        "{large}"
    );
    let a = Matrix::from_fn(96, 96, |i, j| ((i * 7 + j * 3) % 11) as f64 / 7.0 - 0.5);
    let c_outside = a.par_mul(&a).expect("square");
    let c_inside = pool(2).install(|| a.par_mul(&a).expect("square"));
    assert_eq!(c_inside, c_outside);
}
