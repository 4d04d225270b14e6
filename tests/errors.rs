//! Every error case: the right variant, a message naming the shapes, and untouched output.

use parmat::{Error, MatMut, MatRef, Matrix, MulStrategy, Strategy};

fn all_strategies() -> [Strategy; 6] {
    Strategy::all()
}

#[test]
fn inner_dimension_mismatch_is_reported_by_every_entry_point() {
    let a = Matrix::<f64>::zeros(2, 3);
    let b = Matrix::<f64>::zeros(4, 5);
    let expected = Error::ShapeMismatch {
        operation: "multiply",
        left: (2, 3),
        right: (4, 5),
        output: None,
    };
    assert_eq!(a.par_mul(&b).unwrap_err(), expected);
    for s in all_strategies() {
        assert_eq!(a.mul_with(&b, &s).unwrap_err(), expected, "{s}");
        assert_eq!(parmat::mul(&s, a.view(), b.view()).unwrap_err(), expected);
    }
    assert_eq!(
        expected.to_string(),
        "shape mismatch: cannot multiply a 2×3 matrix by a 4×5 matrix (inner dimensions 3 and 4 differ)"
    );
}

#[test]
fn wrong_output_shape_leaves_output_untouched() {
    let a = Matrix::from_fn(2, 3, |i, j| (i + j) as i32);
    let b = Matrix::from_fn(3, 4, |i, j| (i * j) as i32);
    for s in all_strategies() {
        let mut c = Matrix::from_fn(4, 2, |i, j| (100 + i * 2 + j) as i32);
        let before = c.clone();
        let err = s.mul_into(a.view(), b.view(), c.view_mut()).unwrap_err();
        assert_eq!(
            err,
            Error::ShapeMismatch {
                operation: "write the product of",
                left: (2, 3),
                right: (3, 4),
                output: Some((4, 2)),
            },
            "{s}"
        );
        assert_eq!(c, before, "{s} wrote into the output before failing");
        let err = parmat::gemm(&s, 1, a.view(), b.view(), 1, c.view_mut()).unwrap_err();
        assert!(matches!(err, Error::ShapeMismatch { .. }));
        assert_eq!(c, before);
    }
    let err = Strategy::Serial
        .mul_into(a.view(), b.view(), Matrix::zeros(4, 2).view_mut())
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "shape mismatch: cannot write the product of a 2×3 matrix by a 3×4 matrix into a 4×2 output (it must be 2×4)"
    );
}

#[test]
#[should_panic(
    expected = "shape mismatch: cannot multiply a 1×2 matrix by a 1×2 matrix (inner dimensions 2 and 1 differ)"
)]
fn mul_operator_panics_with_the_error_message() {
    let a = parmat::matrix![[1, 2]];
    let _ = &a * &a;
}

#[test]
fn invalid_lengths() {
    assert_eq!(
        Matrix::from_vec(2, 3, vec![0; 5]).unwrap_err(),
        Error::InvalidLength {
            rows: 2,
            cols: 3,
            expected: 6,
            actual: 5
        }
    );
    assert!(matches!(
        MatRef::from_slice(&[1, 2, 3], 2, 2),
        Err(Error::InvalidLength {
            expected: 4,
            actual: 3,
            ..
        })
    ));
    assert!(matches!(
        MatMut::from_slice(&mut [1, 2, 3, 4, 5], 2, 2),
        Err(Error::InvalidLength {
            expected: 4,
            actual: 5,
            ..
        })
    ));
    // A strided view whose last element would be past the end.
    assert_eq!(
        MatRef::from_slice_strided(&[0; 10], 3, 3, 4, 1).unwrap_err(),
        Error::InvalidLength {
            rows: 3,
            cols: 3,
            expected: 11,
            actual: 10
        }
    );
    assert!(matches!(
        Matrix::from_rows(vec![vec![1, 2], vec![3]]),
        Err(Error::InvalidLength {
            expected: 2,
            actual: 1,
            ..
        })
    ));
}

#[test]
#[should_panic(expected = "matrix!: rows of different lengths")]
fn matrix_macro_panics_on_ragged_rows() {
    let _ = parmat::matrix![[1, 2], [3]];
}

#[test]
fn size_overflow() {
    let err = Matrix::<u8>::from_vec(usize::MAX, 2, Vec::new()).unwrap_err();
    assert_eq!(
        err,
        Error::SizeOverflow {
            rows: usize::MAX,
            cols: 2
        }
    );
    assert!(
        err.to_string()
            .contains("more elements than usize can count")
    );
    assert!(matches!(
        MatRef::from_slice(&[0u8; 0], usize::MAX, usize::MAX),
        Err(Error::SizeOverflow { .. })
    ));
    assert!(matches!(
        MatRef::from_slice_strided(&[0u8; 4], 2, 2, usize::MAX, 1),
        Err(Error::InvalidLayout {
            reason: "a stride exceeds isize::MAX",
            ..
        })
    ));
    assert!(matches!(
        MatRef::from_slice_strided(&[0u8; 4], 3, 3, isize::MAX as usize, 1),
        Err(Error::SizeOverflow { rows: 3, cols: 3 })
    ));
    assert!(matches!(
        MatRef::from_slice_strided(&[0u8; 4], 2, 2, isize::MAX as usize, 1),
        Err(Error::InvalidLength { actual: 4, .. })
    ));
    // A product whose output cannot be counted: huge×0 · 0×huge.
    let data: [u8; 0] = [];
    let a = MatRef::from_slice_strided(&data, usize::MAX / 2, 0, 0, 0).unwrap();
    let b = MatRef::from_slice_strided(&data, 0, 3, 0, 0).unwrap();
    assert!(matches!(
        parmat::mul(&Strategy::Serial, a, b),
        Err(Error::SizeOverflow { rows, cols: 3 }) if rows == usize::MAX / 2
    ));
}

#[test]
fn aliasing_output_layouts_are_refused() {
    let mut buf = [0i32; 16];
    for (rows, cols, rs, cs) in [
        (2, 2, 1, 1),
        (2, 2, 0, 1),
        (3, 1, 0, 1),
        (2, 3, 2, 1),
        (1, 3, 5, 0),
    ] {
        let err = MatMut::from_slice_strided(&mut buf, rows, cols, rs, cs).unwrap_err();
        assert!(
            matches!(err, Error::InvalidLayout { .. }),
            "{rows}×{cols} strides ({rs}, {cs}) gave {err:?}"
        );
        assert!(err.to_string().contains("share one memory location"));
    }
    // The same layouts are fine for reading (a broadcast view).
    assert!(MatRef::from_slice_strided(&buf, 2, 2, 0, 1).is_ok());
    // Disjoint interleavings are accepted.
    assert!(MatMut::from_slice_strided(&mut buf, 2, 3, 3, 1).is_ok());
    assert!(MatMut::from_slice_strided(&mut buf, 3, 2, 1, 3).is_ok());
    assert!(MatMut::from_slice_strided(&mut buf, 4, 1, 0, 4).is_err());
    assert!(MatMut::from_slice_strided(&mut buf, 1, 4, 0, 4).is_ok());
}

#[test]
fn unknown_strategy_names_the_input() {
    let err = "fast".parse::<Strategy>().unwrap_err();
    assert_eq!(
        err,
        Error::UnknownStrategy {
            name: "fast".into()
        }
    );
    assert_eq!(
        err.to_string(),
        "unknown strategy \"fast\": expected one of serial, row-parallel, per-cell, blocked, split-k, auto"
    );
    for s in Strategy::all() {
        assert_eq!(s.to_string().parse::<Strategy>().unwrap(), s);
    }
}

#[test]
fn zero_sized_dimensions_are_valid() {
    // m×0 · 0×n is the m×n zero matrix, for every strategy.
    let a = Matrix::<i64>::zeros(3, 0);
    let b = Matrix::<i64>::zeros(0, 4);
    for s in all_strategies() {
        let c = a.mul_with(&b, &s).unwrap();
        assert_eq!(c, Matrix::zeros(3, 4), "{s}");
        // And writing into an existing buffer overwrites it with zeros.
        let mut d = Matrix::from_fn(3, 4, |i, j| (i + j) as i64 + 1);
        s.mul_into(a.view(), b.view(), d.view_mut()).unwrap();
        assert_eq!(d, Matrix::zeros(3, 4), "{s}");
    }
    let e = Matrix::<f32>::zeros(0, 5)
        .par_mul(&Matrix::zeros(5, 7))
        .unwrap();
    assert_eq!(e.shape(), (0, 7));
    let f = Matrix::<f32>::zeros(7, 5)
        .par_mul(&Matrix::zeros(5, 0))
        .unwrap();
    assert_eq!(f.shape(), (7, 0));
}

#[test]
fn errors_are_std_errors() {
    fn takes_error(_: &dyn std::error::Error) {}
    takes_error(&Error::Overflow { row: 1, col: 2 });
    assert_eq!(
        Error::Overflow { row: 1, col: 2 }.to_string(),
        "integer overflow in the checked product at output cell (1, 2)"
    );
}

#[test]
fn distributed_errors_name_what_was_wrong() {
    // Returned by `parmat::dist` (feature `mpi`); the variants exist in every build.
    let cases = [
        (
            Error::InvalidGrid {
                rows: 3,
                cols: 1,
                processes: 2,
                reason: "the grid must have exactly one place for each process",
            },
            "invalid process grid: a 3×1 grid of 2 processes: the grid must have exactly one place for each process",
        ),
        (
            Error::GridMismatch {
                left: (1, 2),
                right: (2, 1),
            },
            "grid mismatch: cannot multiply a matrix distributed over a 1×2 process grid by one distributed over a 2×1 grid",
        ),
        (
            Error::GridMismatch {
                left: (2, 2),
                right: (2, 2),
            },
            "grid mismatch: cannot multiply matrices distributed over two different 2×2 process grids (both operands must be on the same Grid)",
        ),
        (
            Error::InvalidRoot {
                root: 4,
                processes: 4,
                reason: "the root is not a process of the grid",
            },
            "invalid root: process 4 of a grid of 4 processes: the root is not a process of the grid",
        ),
        (
            Error::ProcessesDisagree {
                operation: "scatter",
                rank: 1,
                detail: "the root is 0 on process 0 and 1 on process 1".into(),
            },
            "processes disagree in scatter: process 1 differs from process 0: the root is 0 on process 0 and 1 on process 1",
        ),
        (
            Error::TooLargeForMpi {
                rows: 50_000,
                cols: 50_000,
            },
            "too large for MPI: a 50000×50000 block has more than 2147483647 elements, the most one MPI message can carry",
        ),
    ];
    for (error, message) in cases {
        assert_eq!(error.to_string(), message);
    }
}
