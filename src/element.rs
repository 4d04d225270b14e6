//! The [`Element`] trait and the arithmetic the kernels are written in ([`Scalar`]); the
//! dispatch from one to the other is in `dispatch.rs`.
//!
//! `Element` is blanket-implemented, so users never implement it. Inside the crate every
//! product is run by kernels written once over the private [`Scalar`] trait. A product over
//! a primitive type (`f32`, `f64`, the integers) runs the kernels at that primitive type,
//! with integer arithmetic wrapping on overflow in every build profile; any other type runs
//! them through the [`Generic`] wrapper, which uses the type's own `Zero`, `Add` and `Mul`.
//! The choice is made by comparing [`TypeId`]s, which the compiler folds to a constant, so
//! the dispatch costs nothing at run time (the same technique ndarray uses to route `f32` and
//! `f64` to its matrixmultiply kernels).

use std::any::TypeId;
use std::ops::{Add, Mul};

use num_traits::Zero;

/// A type that `parmat` can multiply.
///
/// Blanket-implemented for every `T: Copy + Send + Sync + Zero + Add + Mul + 'static`, so
/// the primitive integers and floats, `num_complex::Complex<f64>` and a user's own numeric
/// type all work with no extra code.
///
/// # Arithmetic
///
/// - Primitive integers (`i8`…`i128`, `u8`…`u128`, `isize`, `usize`) use two's-complement
///   **wrapping** arithmetic in every strategy and every build profile, so a product that
///   overflows gives the same result everywhere (the exact result modulo 2<sup>bits</sup>).
/// - `f32` and `f64` use IEEE arithmetic. Strategies may add the terms of a dot product in
///   different orders, so results can differ in the last bits between strategies; for one
///   strategy the result never depends on the number of workers.
/// - `num_complex::Complex<f32>` and `Complex<f64>` (with the default `complex` feature) use
///   IEEE arithmetic on their parts. The hand-written kernels sum the four real products
///   of each step in two fused accumulators and combine them once per tile, so their last
///   bits can differ from the portable kernel's, as for the real floats.
/// - Other types use their own `+` and `*`, in the order `((0 + a₀b₀) + a₁b₁) + …` in
///   the serial strategy.
///
/// # Examples
///
/// A user-defined element type: integers modulo 7.
///
/// ```
/// use parmat::Matrix;
/// use std::ops::{Add, Mul};
///
/// #[derive(Clone, Copy, Debug, PartialEq)]
/// struct Mod7(u8);
/// impl Add for Mod7 {
///     type Output = Mod7;
///     fn add(self, o: Mod7) -> Mod7 { Mod7((self.0 + o.0) % 7) }
/// }
/// impl Mul for Mod7 {
///     type Output = Mod7;
///     fn mul(self, o: Mod7) -> Mod7 { Mod7((self.0 * o.0) % 7) }
/// }
/// impl num_traits::Zero for Mod7 {
///     fn zero() -> Mod7 { Mod7(0) }
///     fn is_zero(&self) -> bool { self.0 == 0 }
/// }
///
/// let a = Matrix::from_fn(2, 2, |i, j| Mod7((i + 2 * j) as u8 % 7));
/// let c = a.par_mul(&a)?;
/// assert_eq!(c[(1, 1)], Mod7((1 * 2 + 3 * 3) % 7));
/// # Ok::<(), parmat::Error>(())
/// ```
pub trait Element:
    Copy + Send + Sync + Zero + Add<Output = Self> + Mul<Output = Self> + 'static
{
}

impl<T> Element for T where
    T: Copy + Send + Sync + Zero + Add<Output = T> + Mul<Output = T> + 'static
{
}

/// How fast the kernels can go on an element type: the planner sizes work per worker by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ElementClass {
    /// `f32` and `f64`: vectorised floating-point kernels.
    Float,
    /// Primitive integers: vectorised wrapping kernels.
    Integer,
    /// Any other type (complex numbers, user types): the generic kernel.
    Generic,
}

impl ElementClass {
    /// The class of `T`.
    ///
    /// # Examples
    ///
    /// ```
    /// use parmat::plan::ElementClass;
    /// assert_eq!(ElementClass::of::<f64>(), ElementClass::Float);
    /// assert_eq!(ElementClass::of::<u16>(), ElementClass::Integer);
    /// assert_eq!(ElementClass::of::<(u8, u8)>(), ElementClass::Generic);
    /// ```
    pub fn of<T: 'static>() -> ElementClass {
        // Written as one chain of comparisons so that it folds to a constant per type.
        let is = |other: TypeId| TypeId::of::<T>() == other;
        if is(TypeId::of::<f32>()) || is(TypeId::of::<f64>()) {
            ElementClass::Float
        } else if is(TypeId::of::<i8>())
            || is(TypeId::of::<i16>())
            || is(TypeId::of::<i32>())
            || is(TypeId::of::<i64>())
            || is(TypeId::of::<i128>())
            || is(TypeId::of::<isize>())
            || is(TypeId::of::<u8>())
            || is(TypeId::of::<u16>())
            || is(TypeId::of::<u32>())
            || is(TypeId::of::<u64>())
            || is(TypeId::of::<u128>())
            || is(TypeId::of::<usize>())
        {
            ElementClass::Integer
        } else {
            ElementClass::Generic
        }
    }
}

/// The arithmetic the kernels are written against.
///
/// Implemented for the primitive types (wrapping for integers) and for [`Generic`].
pub(crate) trait Scalar: Copy + Send + Sync + 'static {
    /// Whether `add` or `mul` can panic (a user's type can; primitive arithmetic here never
    /// does). Products of such types are computed into a buffer of their own and copied to
    /// the caller's output only when complete, so a panic leaves that output untouched.
    const MAY_PANIC: bool = false;
    fn zero() -> Self;
    fn add(self, other: Self) -> Self;
    fn mul(self, other: Self) -> Self;
    /// `acc + self · other`, rounded twice for floats (never fused), so that every kernel
    /// that adds the same terms in the same order gives the same bits.
    #[inline(always)]
    fn mul_add(self, other: Self, acc: Self) -> Self {
        acc.add(self.mul(other))
    }
    /// Whether [`conj`](Scalar::conj) may be other than the identity: only then can a
    /// view of this type be conjugated, so the kernels test a view's flag only then.
    const CONJUGATES: bool = false;
    /// The complex conjugate (the identity for real types).
    #[inline(always)]
    fn conj(self) -> Self {
        self
    }
}

macro_rules! scalar_wrapping {
    ($($t:ty),*) => {$(
        impl Scalar for $t {
            #[inline(always)]
            fn zero() -> Self { 0 }
            #[inline(always)]
            fn add(self, other: Self) -> Self { self.wrapping_add(other) }
            #[inline(always)]
            fn mul(self, other: Self) -> Self { self.wrapping_mul(other) }
        }
    )*};
}
scalar_wrapping!(
    i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize
);

macro_rules! scalar_float {
    ($($t:ty),*) => {$(
        impl Scalar for $t {
            #[inline(always)]
            fn zero() -> Self { 0.0 }
            #[inline(always)]
            fn add(self, other: Self) -> Self { self + other }
            #[inline(always)]
            fn mul(self, other: Self) -> Self { self * other }
        }
    )*};
}
scalar_float!(f32, f64);

// Complex numbers never panic in `+` or `*` (IEEE parts), so they skip the `Generic`
// wrapper's panic-safe buffering; the hand-written kernels rely on `Complex`'s `repr(C)`.
#[cfg(feature = "complex")]
macro_rules! scalar_complex {
    ($($t:ty),*) => {$(
        impl Scalar for num_complex::Complex<$t> {
            #[inline(always)]
            fn zero() -> Self { num_complex::Complex::new(0.0, 0.0) }
            #[inline(always)]
            fn add(self, other: Self) -> Self { self + other }
            #[inline(always)]
            fn mul(self, other: Self) -> Self { self * other }
            const CONJUGATES: bool = true;
            #[inline(always)]
            fn conj(self) -> Self { num_complex::Complex::conj(&self) }
        }
    )*};
}
#[cfg(feature = "complex")]
scalar_complex!(f32, f64);

/// Whether `T` is one of the complex types with hand-written kernels (`Complex<f32>`,
/// `Complex<f64>`, with the `complex` feature).
pub(crate) fn is_complex<T: 'static>() -> bool {
    let t = TypeId::of::<T>();
    #[cfg(feature = "complex")]
    {
        t == TypeId::of::<num_complex::Complex<f64>>()
            || t == TypeId::of::<num_complex::Complex<f32>>()
    }
    #[cfg(not(feature = "complex"))]
    {
        // No kernels for them: complex types are generic ones then.
        let _ = t;
        false
    }
}

/// Any [`Element`] seen through its own `Zero`, `Add` and `Mul`.
#[repr(transparent)]
#[derive(Clone, Copy, Debug)]
pub(crate) struct Generic<T>(pub(crate) T);

impl<T: Element> Scalar for Generic<T> {
    const MAY_PANIC: bool = true;
    #[inline(always)]
    fn zero() -> Self {
        Generic(T::zero())
    }
    #[inline(always)]
    fn add(self, other: Self) -> Self {
        Generic(self.0 + other.0)
    }
    #[inline(always)]
    fn mul(self, other: Self) -> Self {
        Generic(self.0 * other.0)
    }
    // Conjugated views reach the kernels only for the types `conjugate` knows; the
    // strategies refuse the others with `Error::CannotConjugate` before any kernel runs.
    const CONJUGATES: bool = true;
    #[inline]
    fn conj(self) -> Self {
        Generic(conjugate(self.0).expect("only conjugable types reach the kernels conjugated"))
    }
}

/// How `conj` acts on a type: see [`MatRef::conj`](crate::MatRef::conj).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Conjugation {
    /// A real number (the primitive integers and floats): the conjugate is the value.
    Real,
    /// `num_complex::Complex` of a float or a signed integer (feature `complex`).
    #[cfg_attr(not(feature = "complex"), allow(dead_code))]
    Complex,
    /// Any other type: parmat does not know its conjugate.
    Unknown,
}

impl Conjugation {
    /// How `conj` acts on `T`.
    pub(crate) fn of<T: 'static>() -> Conjugation {
        if ElementClass::of::<T>() != ElementClass::Generic {
            return Conjugation::Real;
        }
        #[cfg(feature = "complex")]
        {
            macro_rules! complex_of {
                ($($p:ty),*) => {
                    $(TypeId::of::<T>() == TypeId::of::<num_complex::Complex<$p>>())||*
                };
            }
            if complex_of!(f32, f64, i8, i16, i32, i64, i128, isize) {
                return Conjugation::Complex;
            }
        }
        Conjugation::Unknown
    }
}

/// The complex conjugate of `value`: the value itself for a real type, `None` for a type
/// whose conjugate parmat does not know ([`Conjugation::Unknown`]). The imaginary part of
/// an integer complex number is negated with wrapping, as all integer arithmetic here.
pub(crate) fn conjugate<T: 'static>(value: T) -> Option<T> {
    match Conjugation::of::<T>() {
        Conjugation::Real => return Some(value),
        Conjugation::Unknown => return None,
        Conjugation::Complex => {}
    }
    #[cfg(feature = "complex")]
    {
        use num_complex::Complex;
        macro_rules! try_complex {
            ($($p:ty => $negate:expr),*) => {$(
                if TypeId::of::<T>() == TypeId::of::<Complex<$p>>() {
                    // SAFETY: `T` is `Complex<$p>` (equal `TypeId`s).
                    let z: Complex<$p> = unsafe { std::mem::transmute_copy(&value) };
                    let negate: fn($p) -> $p = $negate;
                    let conj = Complex::new(z.re, negate(z.im));
                    // SAFETY: as above, the other way.
                    return Some(unsafe { std::mem::transmute_copy(&conj) });
                }
            )*};
        }
        try_complex!(
            f32 => |x| -x, f64 => |x| -x,
            i8 => i8::wrapping_neg, i16 => i16::wrapping_neg, i32 => i32::wrapping_neg,
            i64 => i64::wrapping_neg, i128 => i128::wrapping_neg, isize => isize::wrapping_neg
        );
    }
    unreachable!("Conjugation::Complex names only the types handled above")
}

/// Converts a `T` to the [`Scalar`] type that [`dispatch`](crate::dispatch::dispatch) runs
/// for `T` (`T` itself or `Generic<T>`).
///
/// # Panics
///
/// If `S` is neither `T` nor `Generic<T>`; the dispatcher never asks for anything else.
pub(crate) fn same_scalar<T: Element, S: Scalar>(value: T) -> S {
    assert!(
        TypeId::of::<S>() == TypeId::of::<T>() || TypeId::of::<S>() == TypeId::of::<Generic<T>>(),
        "same_scalar: unrelated types"
    );
    // SAFETY: `S` is `T` or the `repr(transparent)` wrapper `Generic<T>` (checked above),
    // so it has `T`'s size, alignment and valid bit patterns.
    unsafe { std::mem::transmute_copy::<T, S>(&value) }
}
